/**
 * /metrics under serve --workers: whichever worker is scraped answers the sum over all of
 * them (counters add up, gauges combine by their declared aggregator) plus the primary's own
 * series; a worker that does not answer fails the scrape instead of a partial sum, and one
 * that dies meanwhile is left out.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLoopback, createPort, type ToPrimary, type ToWorker } from "../../../src/cluster/ipc.js";
import { ClusterRegistry } from "../../../src/cluster/metrics.js";
import { createPrimaryHub, type PrimaryHub } from "../../../src/cluster/primary-hub.js";
import { createMetrics, type Metrics } from "../../../src/observability/metrics.js";
import { systemClock } from "../../../src/resilience/clock.js";

const hubs: PrimaryHub[] = [];
afterEach(() => {
  for (const h of hubs.splice(0)) h.close();
});

function primary(): PrimaryHub {
  const hub = createPrimaryHub({
    clock: systemClock,
    graceMs: 100,
    defaultMetrics: false,
    metricsTimeoutMs: 300,
  });
  hubs.push(hub);
  return hub;
}

/** A worker's metrics; `answers: false` leaves its registry deaf to the primary's collections. */
function worker(hub: PrimaryHub, id: number, answers = true): { metrics: Metrics; die(): void } {
  const link = createLoopback();
  hub.attach(id, createPort<ToWorker, ToPrimary>(link.primary));
  const port = createPort<ToPrimary, ToWorker>(link.worker);
  const registry = new ClusterRegistry(2000);
  if (answers) registry.attach(port);
  return { metrics: createMetrics({ defaultMetrics: false, registry }), die: () => link.close() };
}

const value = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("metrics of a cluster", () => {
  it("any worker answers the sum over all, gauges combined by their aggregator, with the primary's own", async () => {
    const hub = primary();
    const a = worker(hub, 1);
    const b = worker(hub, 2);
    a.metrics.httpRequests.inc({ route: "/x", method: "GET", status: 200 });
    a.metrics.httpRequests.inc({ route: "/x", method: "GET", status: 200 });
    b.metrics.httpRequests.inc({ route: "/x", method: "GET", status: 200 });
    a.metrics.componentUp.set({ component: "audit" }, 1);
    b.metrics.componentUp.set({ component: "audit" }, 0);
    a.metrics.breakerState.set({ scope: "account:acct-1" }, 2);
    b.metrics.breakerState.set({ scope: "account:acct-1" }, 0);
    hub.metrics.restarts.inc({ reason: "SIGKILL" });
    for (const m of [a, b]) {
      const text = await m.metrics.registry.metrics();
      expect(
        value(text, 'paddock_http_requests_total{route="/x",method="GET",status_class="2xx",code="none"}'),
      ).toBe(3);
      expect(value(text, 'paddock_component_up{component="audit"}')).toBe(0); // one worker down: not up
      expect(value(text, 'paddock_breaker_state{scope="account:acct-1"}')).toBe(2); // open somewhere
      expect(value(text, "paddock_workers")).toBe(2);
      expect(value(text, 'paddock_worker_restarts_total{reason="SIGKILL"}')).toBe(1);
    }
    // what a worker sends the primary is its own
    const own = await a.metrics.registry.getSingleMetricAsString("paddock_http_requests_total");
    expect(own).toMatch(/ 2$/m);
  });

  it("a worker that does not answer fails the scrape; one that dies meanwhile is left out", async () => {
    const hub = primary();
    const a = worker(hub, 1);
    const deaf = worker(hub, 2, false);
    await expect(a.metrics.registry.metrics()).rejects.toThrow(/worker\(s\) 2 did not send metrics/);
    const scrape = a.metrics.registry.metrics();
    deaf.die();
    const text = await scrape;
    expect(value(text, "paddock_workers")).toBe(1);
  });
});
