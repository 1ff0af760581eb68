import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Priority } from "../../../src/accounts/types.js";
import { isPaddockError } from "../../../src/errors.js";
import { createBudgetFactory } from "../../../src/resilience/budget.js";
import { planWindows } from "../../../src/resilience/window-plan.js";

// rate-limiter-flexible's memory store reads Date.now and uses setTimeout: fake both
beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-03-02T15:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

const factory = () => createBudgetFactory({ keyPrefix: "test:", fallbackShare: 0.34, now: () => Date.now() });

/** Starts an acquire and records when it settled and how. */
const track = (p: Promise<void>) => {
  const r: { at?: number; ok?: boolean; err?: unknown } = {};
  p.then(
    () => {
      r.at = Date.now();
      r.ok = true;
    },
    (err: unknown) => {
      r.at = Date.now();
      r.ok = false;
      r.err = err;
    },
  );
  return r;
};

const maxInRolling = (times: number[], spanMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= spanMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
};

describe("account budget", () => {
  it("admits a window's worth at once, queues the rest, and serves them when the window rolls", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 200, maxWaitMs: 10_000, maxDepth: 500 });
    const plan = planWindows(200);
    const reqs = Array.from({ length: plan.points + 3 }, () => track(b.acquire("read")));
    await vi.advanceTimersByTimeAsync(0);
    expect(reqs.filter((r) => r.ok).length).toBe(plan.points);
    expect(b.snapshot().queued).toBe(3);
    await vi.advanceTimersByTimeAsync(plan.windowSeconds * 1000);
    expect(reqs.every((r) => r.ok)).toBe(true);
    expect(b.snapshot()).toMatchObject({ limit: 200, remaining: 200 - plan.points - 3, queued: 0 });
  });

  it("refuses with 429 and Retry-After when the wait would exceed maxWaitMs", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 200, maxWaitMs: 1000, maxDepth: 500 });
    const plan = planWindows(200);
    const reqs = Array.from({ length: plan.points + 1 }, () => track(b.acquire("read")));
    await vi.advanceTimersByTimeAsync(0);
    const refused = reqs.filter((r) => r.ok === false);
    expect(refused).toHaveLength(1);
    const err = refused[0]!.err;
    expect(isPaddockError(err, "PADDOCK_RATE_LIMITED")).toBe(true);
    expect((err as { retryAfterSeconds: number }).retryAfterSeconds).toBe(plan.windowSeconds);
    // known blocked now: a newcomer is refused synchronously-fast, without waiting
    const late = track(b.acquire("order"));
    await vi.advanceTimersByTimeAsync(0);
    expect(late.ok).toBe(false);
  });

  it("refuses when the queue is full, but a cancel takes the place of the newest read", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 200, maxWaitMs: 60_000, maxDepth: 2 });
    const plan = planWindows(200);
    const first = Array.from({ length: plan.points }, () => track(b.acquire("read")));
    await vi.advanceTimersByTimeAsync(0);
    expect(first.every((r) => r.ok)).toBe(true);
    const r1 = track(b.acquire("read"));
    await vi.advanceTimersByTimeAsync(0); // the pump learns the window is spent
    const r2 = track(b.acquire("read"));
    const r3 = track(b.acquire("read"));
    await vi.advanceTimersByTimeAsync(0);
    expect(r3.ok).toBe(false);
    expect((r3.err as Error).message).toMatch(/queue full/);
    const cancel = track(b.acquire("order"));
    await vi.advanceTimersByTimeAsync(0);
    expect(r2.ok).toBe(false); // evicted for the cancel
    await vi.advanceTimersByTimeAsync(plan.windowSeconds * 1000);
    expect(cancel.ok).toBe(true);
    expect(r1.ok).toBe(true);
    expect(cancel.at).toBeLessThanOrEqual(r1.at!);
  });

  it("follows Alpaca's X-RateLimit-Remaining when it says less is left", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 200, maxWaitMs: 30_000, maxDepth: 500 });
    const resetEpochSeconds = Math.floor(Date.now() / 1000) + 20;
    b.observe({ limit: 200, remaining: 2, resetEpochSeconds });
    expect(b.snapshot()).toMatchObject({ remaining: 2, resetAt: resetEpochSeconds * 1000 });
    const reqs = Array.from({ length: 4 }, () => track(b.acquire("read")));
    await vi.advanceTimersByTimeAsync(0);
    expect(reqs.filter((r) => r.ok).length).toBe(2);
    // a stale answer from the same window cannot raise it again
    b.observe({ remaining: 50, resetEpochSeconds });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reqs.filter((r) => r.ok).length).toBe(2);
    await vi.advanceTimersByTimeAsync(10_500);
    expect(reqs.every((r) => r.ok)).toBe(true);
    expect(reqs[2]!.at).toBeGreaterThanOrEqual(resetEpochSeconds * 1000);
  });

  it("ignores headers that say more is left, or a reset in the past", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 200, maxWaitMs: 0, maxDepth: 500 });
    b.observe({ remaining: 0, resetEpochSeconds: Math.floor(Date.now() / 1000) - 1 });
    b.observe({ remaining: 5 });
    const r = track(b.acquire("read"));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.ok).toBe(true);
  });

  it("limit 0 is unlimited", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 0, maxWaitMs: 0, maxDepth: 0 });
    const reqs = Array.from({ length: 1000 }, () => track(b.acquire("bulk")));
    await vi.advanceTimersByTimeAsync(0);
    expect(reqs.every((r) => r.ok)).toBe(true);
    expect(b.snapshot()).toMatchObject({ limit: 0, queued: 0 });
  });

  it("an aborted waiter leaves the queue with the signal's reason", async () => {
    const b = factory().forAccount("a", { limitPerMinute: 1, maxWaitMs: 120_000, maxDepth: 10 });
    await b.acquire("read");
    const ac = new AbortController();
    const r = track(b.acquire("read", ac.signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(b.snapshot().queued).toBe(1);
    ac.abort(new Error("client went away"));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.ok).toBe(false);
    expect((r.err as Error).message).toBe("client went away");
    expect(b.snapshot().queued).toBe(0);
  });

  it("close() refuses the waiting and any new request", async () => {
    const f = factory();
    const b = f.forAccount("a", { limitPerMinute: 1, maxWaitMs: 120_000, maxDepth: 10 });
    await b.acquire("read");
    const r = track(b.acquire("read"));
    await vi.advanceTimersByTimeAsync(0);
    await f.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.ok).toBe(false);
    await expect(b.acquire("read")).rejects.toMatchObject({ code: "PADDOCK_UNAVAILABLE" });
  });

  it("health is up without Redis, and options are checked by name", () => {
    const f = factory();
    expect(f.health().status).toBe("up");
    expect(() => f.forAccount("a", { limitPerMinute: -1, maxWaitMs: 0, maxDepth: 0 })).toThrow(
      /limitPerMinute/,
    );
    expect(() => f.forAccount("a", { limitPerMinute: 1, maxWaitMs: 1.5, maxDepth: 0 })).toThrow(/maxWaitMs/);
  });

  it("property: for any arrival pattern, never more than the limit in any rolling 60 s, and everyone is answered", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(
          fc.record({
            // bursts and long pauses: a window that fills late followed by one that fills early
            gap: fc.oneof(
              fc.constant(0),
              fc.integer({ min: 0, max: 300 }),
              fc.integer({ min: 0, max: 65_000 }),
            ),
            priority: fc.constantFrom<Priority>("order", "read", "bulk"),
          }),
          { minLength: 1, maxLength: 250 },
        ),
        fc.integer({ min: 0, max: 20_000 }),
        async (limit, arrivals, maxWaitMs) => {
          vi.setSystemTime(new Date("2026-03-02T15:00:00Z"));
          const b = factory().forAccount("p", { limitPerMinute: limit, maxWaitMs, maxDepth: 100 });
          const results = [];
          for (const a of arrivals) {
            await vi.advanceTimersByTimeAsync(a.gap);
            results.push(track(b.acquire(a.priority)));
          }
          await vi.advanceTimersByTimeAsync(maxWaitMs + 1);
          expect(results.every((r) => r.ok !== undefined)).toBe(true);
          const admitted = results.filter((r) => r.ok).map((r) => r.at!);
          expect(maxInRolling(admitted, 60_000)).toBeLessThanOrEqual(limit);
          expect(admitted.length).toBeGreaterThan(0);
          b.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it("property: an order queued behind N reads (and bulk) is served before all of them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10 }),
        async (limit, reads, bulk) => {
          vi.setSystemTime(new Date("2026-03-02T15:00:00Z"));
          const plan = planWindows(limit);
          // long enough for everyone to be served: this property is about order, not refusals
          const horizon = (Math.ceil((reads + bulk + 1) / plan.points) + 1) * plan.windowSeconds * 1000;
          const b = factory().forAccount("p", { limitPerMinute: limit, maxWaitMs: horizon, maxDepth: 1000 });
          const spend = Array.from({ length: plan.points }, () => track(b.acquire("read")));
          await vi.advanceTimersByTimeAsync(0);
          expect(spend.every((r) => r.ok)).toBe(true);
          const order: string[] = [];
          const mark = (name: string, p: Promise<void>) => p.then(() => void order.push(name));
          const waiting = [
            ...Array.from({ length: bulk }, () => mark("bulk", b.acquire("bulk"))),
            ...Array.from({ length: reads }, () => mark("read", b.acquire("read"))),
          ];
          await vi.advanceTimersByTimeAsync(0);
          waiting.push(mark("order", b.acquire("order")));
          await vi.advanceTimersByTimeAsync(horizon);
          await Promise.all(waiting);
          expect(order).toHaveLength(reads + bulk + 1);
          expect(order[0]).toBe("order");
          expect(order.lastIndexOf("read")).toBeLessThan(
            order.indexOf("bulk") === -1 ? order.length : order.indexOf("bulk"),
          );
          b.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
