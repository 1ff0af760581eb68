import { describe, expect, it, vi } from "vitest";
import { createHealthRegistry } from "../../../src/observability/health.js";
import { createMetrics } from "../../../src/observability/metrics.js";

describe("health registry", () => {
  it("runs checks, summarizes required/optional components and feeds the gauge", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const changes: string[] = [];
    let redisUp = true;
    const health = createHealthRegistry({
      intervalMs: 30_000,
      timeoutMs: 50,
      gauge: metrics.componentUp,
      onChange: (name, prev, next) => changes.push(`${name}:${prev ?? "none"}->${next.status}`),
    });
    health.register("upstream", () => ({ status: "up" }));
    health.register("redis", () => (redisUp ? { status: "up" } : Promise.reject(new Error("ECONNREFUSED"))), {
      required: false,
    });
    health.register("slow", () => new Promise(() => {}), { required: false });
    let report = await health.runAll();
    expect(report.status).toBe("degraded");
    expect(report.components.find((c) => c.name === "slow")?.detail).toMatch(/timed out/);
    health.unregister("slow");
    expect((await health.runAll()).status).toBe("up");
    redisUp = false;
    report = await health.runAll();
    expect(report.status).toBe("degraded");
    expect(report.components.find((c) => c.name === "redis")).toMatchObject({
      status: "down",
      detail: "ECONNREFUSED",
    });
    // a required component down: the instance can serve nothing
    health.register("core", () => ({ status: "down", detail: "broken" }), { required: true });
    expect((await health.report()).status).toBe("down");
    health.unregister("core");
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/paddock_component_up\{component="redis"\} 0/);
    expect(text).toMatch(/paddock_component_up\{component="upstream"\} 1/);
    expect(changes).toContain("redis:up->down");
    health.start();
    health.stop();
  });

  it("runs on its interval", async () => {
    let runs = 0;
    const health = createHealthRegistry({ intervalMs: 20 });
    health.register("c", () => {
      runs++;
      return { status: "up" };
    });
    health.start();
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(2), { timeout: 2000, interval: 10 });
    health.stop();
  });
});

describe("readiness: what this instance can serve", () => {
  const registry = () => createHealthRegistry({ intervalMs: 30_000, timeoutMs: 50 });

  it("a component's failure takes away the capabilities it gates and weakens those it degrades", async () => {
    const health = registry();
    let redis: "up" | "down" = "up";
    health.register("redis", () => ({ status: redis }), {
      gates: ["ledger", "orders"],
      degrades: ["reads", "streams"],
    });
    health.register("upstream-paper", () => ({ status: "up" }), { degrades: ["reads", "orders", "streams"] });
    let report = await health.runAll();
    expect(report.status).toBe("up");
    expect(Object.values(report.serving).every((c) => c.status === "available")).toBe(true);
    redis = "down";
    report = await health.runAll();
    expect(report.status).toBe("degraded");
    expect(report.serving).toMatchObject({
      orders: { status: "unavailable", because: ["redis: down"] },
      ledger: { status: "unavailable" },
      reads: { status: "degraded" },
      streams: { status: "degraded" },
      audit: { status: "available" },
    });
  });

  it("Alpaca down is reported, never 'down': another instance would see the same Alpaca", async () => {
    const health = registry();
    health.register("upstream-paper", () => ({ status: "down", detail: "paper trading answered 503" }), {
      degrades: ["reads", "orders", "streams"],
    });
    const report = await health.runAll();
    expect(report.status).toBe("degraded");
    expect(report.serving.reads).toEqual({
      status: "degraded",
      because: ["upstream-paper: down (paper trading answered 503)"],
    });
  });

  it("down (503) only when nothing can be served", async () => {
    const health = registry();
    health.register("everything", () => ({ status: "down" }), {
      gates: ["reads", "orders", "streams", "audit", "ledger"],
    });
    expect((await health.runAll()).status).toBe("down");
    health.register("everything", () => ({ status: "down" }), {
      gates: ["reads", "orders", "streams", "audit"],
    });
    expect((await health.runAll()).status).toBe("degraded");
  });

  it("a degraded gate degrades; components without capabilities only colour the summary", async () => {
    const health = registry();
    health.register("audit", () => ({ status: "degraded" }), { gates: ["audit"], degrades: ["orders"] });
    health.register("cache", () => ({ status: "down" }));
    const report = await health.runAll();
    expect(report.status).toBe("degraded");
    expect(report.serving.audit.status).toBe("degraded");
    expect(report.serving.orders.status).toBe("degraded");
    expect(report.serving.reads.status).toBe("available");
  });
});

describe("metrics", () => {
  it("prefixes Paddock's metrics with paddock_ and leaves Node's default metrics their standard names", async () => {
    const metrics = createMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((n) => n.startsWith("paddock_")).length).toBeGreaterThan(10);
    expect(names).toContain("process_cpu_seconds_total");
    expect(names).toContain("nodejs_heap_size_used_bytes");
    expect(names.filter((n) => !/^(paddock|process|nodejs)_/.test(n))).toEqual([]);
  });
});
