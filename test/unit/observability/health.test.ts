import { describe, expect, it } from "vitest";
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
    health.register("audit", () => ({ status: "down", detail: "disk full" }));
    expect((await health.report()).status).toBe("down");
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
    await new Promise((r) => setTimeout(r, 90));
    health.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
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
