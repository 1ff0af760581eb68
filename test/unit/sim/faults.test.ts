import { describe, expect, it } from "vitest";
import { createFaultInjector, NO_FAULTS, parseFaults } from "../../../src/sim/faults.js";
import { seededRandom } from "../../../src/sim/ids.js";
import { createRateLimiter } from "../../../src/sim/rate-limit.js";

describe("fault injection", () => {
  it("does nothing without faults and honours path globs and keys", () => {
    const f = createFaultInjector(() => 0);
    expect(f.decide("/v2/orders", "K")).toEqual({ kind: "none", delayMs: 0 });
    f.set({ ...NO_FAULTS, errorRate: 1, status: 502, paths: ["/v2/orders*"], keys: ["K"] });
    expect(f.decide("/v2/orders", "K")).toMatchObject({ kind: "error", status: 502 });
    expect(f.decide("/v2/orders/abc", "K")).toMatchObject({ kind: "error" });
    expect(f.decide("/v2/account", "K").kind).toBe("none");
    expect(f.decide("/v2/orders", "OTHER").kind).toBe("none");
    f.clear();
    expect(f.decide("/v2/orders", "K").kind).toBe("none");
  });

  it("applies rates as shares of requests (seeded randomness)", () => {
    const f = createFaultInjector(seededRandom(7));
    f.set({ ...NO_FAULTS, errorRate: 0.3 });
    let errors = 0;
    for (let i = 0; i < 10_000; i++) if (f.decide("/v2/account", "K").kind === "error") errors++;
    expect(errors / 10_000).toBeGreaterThan(0.27);
    expect(errors / 10_000).toBeLessThan(0.33);
  });

  it("adds latency plus jitter and ranks reset before timeout before error", () => {
    const f = createFaultInjector(() => 0.5);
    f.set({ ...NO_FAULTS, latencyMs: 100, jitterMs: 40, resetRate: 0.6, timeoutRate: 1, errorRate: 1 });
    expect(f.decide("/x", "K")).toEqual({ kind: "reset", delayMs: 120 });
    f.set({ ...NO_FAULTS, timeoutRate: 0.6, errorRate: 1 });
    expect(f.decide("/x", "K").kind).toBe("timeout");
  });

  it("parses DESIGN.md's body, merging over the current faults and naming bad fields", () => {
    const { config, streamDrop } = parseFaults(
      {
        errorRate: 0.5,
        status: 500,
        latencyMs: 0,
        jitterMs: 0,
        resetRate: 0,
        timeoutRate: 0,
        paths: ["/v2/orders*"],
        keys: ["KEYID"],
        streamDrop: true,
      },
      NO_FAULTS,
    );
    expect(config).toEqual({ ...NO_FAULTS, errorRate: 0.5, paths: ["/v2/orders*"], keys: ["KEYID"] });
    expect(streamDrop).toBe(true);
    expect(parseFaults({ latencyMs: 5 }, config).config.errorRate).toBe(0.5);
    expect(() => parseFaults({ status: 200 }, NO_FAULTS)).toThrow(/status/);
    expect(() => parseFaults({ paths: "x" }, NO_FAULTS)).toThrow(/paths/);
    expect(() => parseFaults({ jitterMs: -1 }, NO_FAULTS)).toThrow(/jitterMs/);
    expect(() => parseFaults([], NO_FAULTS)).toThrow(/body/);
  });
});

describe("per-key rate limit", () => {
  it("allows the limit per window per key, then refuses until the window resets", () => {
    let now = 1_000_000;
    const rl = createRateLimiter(3, { now: () => now });
    const seen = [1, 2, 3, 4].map(() => rl.take("A"));
    expect(seen.map((d) => d?.allowed)).toEqual([true, true, true, false]);
    expect(seen.map((d) => d?.remaining)).toEqual([2, 1, 0, 0]);
    expect(seen[0]?.resetSeconds).toBe(Math.ceil((1_000_000 + 60_000) / 1000));
    expect(rl.take("B")?.allowed).toBe(true);
    now += 60_000;
    expect(rl.take("A")).toMatchObject({ allowed: true, remaining: 2 });
    rl.reset();
    expect(rl.take("A")?.remaining).toBe(2);
  });

  it("is off at 0", () => {
    expect(createRateLimiter(0).take("A")).toBeUndefined();
  });
});
