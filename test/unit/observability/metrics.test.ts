/** Prometheus naming and label rules of src/observability/metrics.ts, read back from the exposition text. */
import { describe, expect, it } from "vitest";
import { codeLabel, createMetrics, statusClass } from "../../../src/observability/metrics.js";

const value = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("metric names", () => {
  it("counters end in _total, units are in the name, and nothing of Paddock's carries a Node prefix", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const all = await metrics.registry.getMetricsAsJSON();
    for (const m of all as unknown as { name: string; type: string }[]) {
      expect(m.name, m.name).toMatch(/^paddock_[a-z0-9_]+$/);
      if (m.type === "counter") expect(m.name, m.name).toMatch(/_total$/);
      if (m.type !== "counter") expect(m.name, m.name).not.toMatch(/_total$/);
      if (m.type === "histogram") expect(m.name, m.name).toMatch(/_seconds$|_bytes$/);
    }
    expect(String(all.find((m) => m.name === "paddock_auth_verifications_total")?.type)).toBe("counter");
  });
});

describe("labels", () => {
  it("split an HTTP status into a class and keep error codes bounded", () => {
    expect(statusClass(503)).toBe("5xx");
    expect(statusClass("200")).toBe("2xx");
    expect(statusClass("PADDOCK_UPSTREAM_UNAVAILABLE")).toBe("none");
    expect(codeLabel("PADDOCK_BUDGET_EXHAUSTED")).toBe("PADDOCK_BUDGET_EXHAUSTED");
    expect(codeLabel("ECONNRESET: socket hang up /v2/orders?id=1")).toBe("other");
    expect(codeLabel(undefined)).toBe("none");
  });

  it("record upstream statuses and error codes in separate labels", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.upstreamRequests.inc({ account: "a1", outcome: "200" });
    metrics.upstreamRequests.inc({ account: "a1", outcome: "503" });
    metrics.upstreamRequests.inc({ account: "a1", outcome: "PADDOCK_UPSTREAM_UNAVAILABLE" });
    metrics.httpRequests.inc({ route: "/x", method: "GET", status: "429", code: "PADDOCK_RATE_LIMITED" });
    const text = await metrics.registry.metrics();
    expect(value(text, 'paddock_upstream_requests_total{account="a1",status_class="2xx",code="none"}')).toBe(
      1,
    );
    expect(value(text, 'paddock_upstream_requests_total{account="a1",status_class="5xx",code="none"}')).toBe(
      1,
    );
    expect(
      value(
        text,
        'paddock_upstream_requests_total{account="a1",status_class="none",code="PADDOCK_UPSTREAM_UNAVAILABLE"}',
      ),
    ).toBe(1);
    expect(
      value(
        text,
        'paddock_http_requests_total{route="/x",method="GET",status_class="4xx",code="PADDOCK_RATE_LIMITED"}',
      ),
    ).toBe(1);
    expect(text).not.toMatch(/outcome="(200|503)"/);
  });
});

describe("series from start", () => {
  it("every tracked account has a closed breaker, and audit and auth counters start at 0", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.trackAccounts(() => ["a1", "a2"]);
    metrics.breakerState.set({ scope: "account:a2" }, 2);
    const text = await metrics.registry.metrics();
    expect(value(text, 'paddock_breaker_state{scope="account:a1"}')).toBe(0);
    expect(value(text, 'paddock_breaker_state{scope="account:a2"}')).toBe(2);
    expect(value(text, 'paddock_breakers{state="open"}')).toBe(1);
    expect(value(text, 'paddock_breakers{state="closed"}')).toBe(1);
    expect(value(text, 'paddock_audit_records_total{outcome="write_failed"}')).toBe(0);
    expect(value(text, 'paddock_auth_verifications_total{result="cache_hit"}')).toBe(0);
    expect(value(text, 'paddock_trading_halted{scope="global"}')).toBe(0);
  });

  it("auth verifications count what grew between two readings of the verifier's totals", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.authVerifications.set({ result: "cache_hit" }, 5);
    metrics.authVerifications.set({ result: "cache_hit" }, 8);
    const text = await metrics.registry.metrics();
    expect(value(text, 'paddock_auth_verifications_total{result="cache_hit"}')).toBe(8);
  });
});

describe("metrics.perAccount: false", () => {
  it("drops per-account series and keeps the fleet-wide ones", async () => {
    const metrics = createMetrics({ defaultMetrics: false, perAccount: false });
    metrics.trackAccounts(() => ["a1", "a2"]);
    metrics.upstreamRequests.inc({ account: "a1", outcome: "200" });
    metrics.upstreamRequests.inc({ account: "a2", outcome: "200" });
    metrics.budgetRemaining.set({ account: "a1" }, 10);
    metrics.breakerState.set({ scope: "account:a1" }, 2);
    metrics.breakerState.set({ scope: "host:paper-api.alpaca.markets" }, 1);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/account="a[12]"|scope="account:/);
    expect(
      value(text, 'paddock_upstream_requests_total{account="_all",status_class="2xx",code="none"}'),
    ).toBe(2);
    expect(value(text, 'paddock_breaker_state{scope="host:paper-api.alpaca.markets"}')).toBe(1);
    expect(value(text, 'paddock_breakers{state="open"}')).toBe(1);
    expect(value(text, 'paddock_breakers{state="closed"}')).toBe(1);
  });
});
