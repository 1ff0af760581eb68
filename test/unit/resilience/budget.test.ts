import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { createBudgetFactory } from "../../../src/resilience/budget.js";
import { createMemorySlotStore, type SlotGrant, type SlotStore } from "../../../src/resilience/slot-store.js";
import type { Priority } from "../../../src/resilience/wait-queue.js";
import { createFakeClock, type FakeClock } from "../../helpers/fake-clock.js";

const MINUTE = 60_000;

const setup = (
  o: { limit?: number; maxWaitMs?: number; maxDepth?: number; store?: "sync" | "async" } = {},
) => {
  const clock = createFakeClock();
  const memory = createMemorySlotStore({ clock });
  const calls: number[] = [];
  const store: SlotStore =
    o.store === "async"
      ? {
          synchronous: false,
          take: (key, want, limit) => {
            calls.push(want);
            // answers a tick later, like Redis
            return Promise.resolve().then(() => memory.take(key, want, limit) as SlotGrant);
          },
          release: (key, n) => memory.release(key, n),
          health: () => memory.health(),
        }
      : memory;
  const factory = createBudgetFactory({ store, clock });
  const budget = factory.forAccount("a", {
    limitPerMinute: o.limit ?? 200,
    maxWaitMs: o.maxWaitMs ?? 5000,
    maxDepth: o.maxDepth ?? 500,
  });
  return { clock, memory, budget, factory, calls };
};

/** Starts an acquire and records when it settled and how. */
const track = (clock: FakeClock, p: Promise<void>) => {
  const r: { at?: number; ok?: boolean; err?: unknown } = {};
  p.then(
    () => {
      r.at = clock.now();
      r.ok = true;
    },
    (err: unknown) => {
      r.at = clock.now();
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

describe("account budget: Alpaca's rule, 200 per rolling minute spendable as a burst", () => {
  it("serves 200 at once on the synchronous fast path; the 201st is the first refused", async () => {
    const { clock, budget } = setup();
    for (let i = 0; i < 200; i++) expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    expect(budget.snapshot()).toMatchObject({ limit: 200, remaining: 0, resetAt: clock.now() + MINUTE });
    const r = track(clock, budget.acquire("read"));
    await clock.flush();
    expect(r.ok).toBe(false);
    expect(isPaddockError(r.err, "PADDOCK_RATE_LIMITED")).toBe(true);
    expect((r.err as { retryAfterSeconds: number }).retryAfterSeconds).toBe(60);
  });

  it("200 concurrent acquires are all granted at once; the 201st waits for the oldest slot", async () => {
    const { clock, budget } = setup({ maxWaitMs: 2 * MINUTE });
    const first = Array.from({ length: 200 }, () => track(clock, budget.acquire("read")));
    await clock.flush();
    expect(first.every((r) => r.ok && r.at === clock.now())).toBe(true);
    const start = clock.now();
    await clock.advance(30_000);
    const late = track(clock, budget.acquire("read"));
    await clock.advance(29_999);
    expect(late.ok).toBeUndefined();
    expect(budget.snapshot().queued).toBe(1);
    await clock.advance(1);
    expect(late).toMatchObject({ ok: true, at: start + MINUTE });
  });

  it("with a shared (asynchronous) store a burst of 200 costs a handful of store calls", async () => {
    const { clock, budget, calls } = setup({ store: "async" });
    expect(budget.tryAcquire()).toBe(false); // no fast path without a synchronous store
    const reqs = Array.from({ length: 200 }, () => track(clock, budget.acquire("read")));
    await clock.flush();
    expect(reqs.every((r) => r.ok)).toBe(true);
    expect(calls).toEqual([200]);
  });

  it("refuses when the queue is full, but a cancel takes the place of the newest read", async () => {
    const { clock, budget } = setup({ limit: 2, maxWaitMs: 2 * MINUTE, maxDepth: 2 });
    budget.tryAcquire();
    budget.tryAcquire();
    const r1 = track(clock, budget.acquire("read"));
    const r2 = track(clock, budget.acquire("read"));
    const r3 = track(clock, budget.acquire("read"));
    await clock.flush();
    expect(r3.ok).toBe(false);
    expect((r3.err as Error).message).toMatch(/queue full/);
    const cancel = track(clock, budget.acquire("order"));
    await clock.flush();
    expect(r2.ok).toBe(false); // evicted for the cancel
    await clock.advance(MINUTE);
    expect(cancel.ok).toBe(true);
    expect(r1.ok).toBe(true);
  });

  it("waiters past maxWaitMs are refused with the wait they would have had", async () => {
    const { clock, budget } = setup({ limit: 1, maxWaitMs: 1000 });
    expect(budget.tryAcquire()).toBe(true);
    const r = track(clock, budget.acquire("order"));
    await clock.flush();
    expect(r.ok).toBe(false);
    expect((r.err as { retryAfterSeconds: number }).retryAfterSeconds).toBe(60);
  });
});

describe("account budget: tightened only by Alpaca", () => {
  it("follows X-RateLimit-Remaining when it says less is left, until Alpaca's reset", async () => {
    const { clock, budget } = setup({ maxWaitMs: 30_000 });
    const resetEpochSeconds = Math.floor(clock.now() / 1000) + 20;
    budget.observe({ limit: 200, remaining: 2, resetEpochSeconds });
    expect(budget.snapshot()).toMatchObject({ remaining: 2, resetAt: resetEpochSeconds * 1000 });
    const reqs = Array.from({ length: 4 }, () => track(clock, budget.acquire("read")));
    await clock.flush();
    expect(reqs.filter((r) => r.ok).length).toBe(2);
    // a stale answer from the same window cannot raise it again
    budget.observe({ remaining: 50, resetEpochSeconds });
    await clock.advance(10_000);
    expect(reqs.filter((r) => r.ok).length).toBe(2);
    await clock.advance(10_000);
    expect(reqs.every((r) => r.ok)).toBe(true);
    expect(reqs[2]!.at).toBe(resetEpochSeconds * 1000);
  });

  it("a lower X-RateLimit-Limit lowers the limit; a higher one never raises it", () => {
    const { budget } = setup({ limit: 200 });
    budget.observe({ limit: 1000 });
    expect(budget.snapshot().limit).toBe(200);
    budget.observe({ limit: 3 });
    expect(budget.snapshot().limit).toBe(3);
    expect([1, 2, 3, 4].map(() => budget.tryAcquire())).toEqual([true, true, true, false]);
  });

  it("a 429 from Alpaca holds the queue for its Retry-After", async () => {
    const { clock, budget } = setup({ maxWaitMs: 10_000 });
    expect(budget.tryAcquire()).toBe(true);
    budget.throttled(3000);
    expect(budget.tryAcquire()).toBe(false);
    const r = track(clock, budget.acquire("read"));
    await clock.advance(2999);
    expect(r.ok).toBeUndefined();
    await clock.advance(1);
    expect(r.ok).toBe(true);
  });

  it("ignores headers that say more is left, or a reset in the past", async () => {
    const { clock, budget } = setup({ maxWaitMs: 0 });
    budget.observe({ remaining: 0, resetEpochSeconds: Math.floor(clock.now() / 1000) - 1 });
    budget.observe({ remaining: 5 });
    expect(budget.tryAcquire()).toBe(true);
  });

  it("limit 0 is unlimited", () => {
    const { budget } = setup({ limit: 0, maxWaitMs: 0, maxDepth: 0 });
    for (let i = 0; i < 1000; i++) expect(budget.tryAcquire()).toBe(true);
    expect(budget.snapshot()).toMatchObject({ limit: 0, queued: 0 });
  });
});

describe("account budget: abandoned requests spend nothing", () => {
  it("an aborted waiter leaves the queue with the signal's reason, and the slot goes to the next", async () => {
    const { clock, budget } = setup({ limit: 1, maxWaitMs: 2 * MINUTE });
    expect(budget.tryAcquire()).toBe(true);
    const ac = new AbortController();
    const gone = track(clock, budget.acquire("read", ac.signal));
    const next = track(clock, budget.acquire("read"));
    await clock.flush();
    expect(budget.snapshot().queued).toBe(2);
    ac.abort(new Error("client went away"));
    await clock.flush();
    expect(gone.ok).toBe(false);
    expect((gone.err as Error).message).toBe("client went away");
    await clock.advance(MINUTE);
    expect(next.ok).toBe(true);
    expect(budget.snapshot()).toMatchObject({ remaining: 0, queued: 0 });
  });

  it("a waiter aborted while the shared store answers gives its slot back", async () => {
    const { clock, budget, memory } = setup({ limit: 5, store: "async" });
    const ac = new AbortController();
    const gone = track(clock, budget.acquire("read", ac.signal));
    ac.abort(new Error("client went away")); // the store call is already out
    await clock.flush();
    expect(gone.ok).toBe(false);
    // all 5 slots are still there
    expect((memory.take("a", 10, 5) as SlotGrant).granted).toBe(5);
  });

  it("release() gives a slot back", () => {
    const { budget } = setup({ limit: 1 });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    budget.release();
    expect(budget.tryAcquire()).toBe(true);
  });

  it("an already aborted signal is refused without queueing", async () => {
    const { budget } = setup();
    const ac = new AbortController();
    ac.abort(new Error("gone"));
    await expect(budget.acquire("read", ac.signal)).rejects.toThrow("gone");
    expect(budget.snapshot().remaining).toBe(200);
  });
});

describe("account budget: lifecycle", () => {
  it("close() refuses the waiting and any new request", async () => {
    const { clock, budget, factory } = setup({ limit: 1, maxWaitMs: 2 * MINUTE });
    budget.tryAcquire();
    const r = track(clock, budget.acquire("read"));
    await clock.flush();
    await factory.close();
    await clock.flush();
    expect(r.ok).toBe(false);
    await expect(budget.acquire("read")).rejects.toMatchObject({ code: "PADDOCK_UNAVAILABLE" });
    expect(budget.tryAcquire()).toBe(false);
  });

  it("health is the store's, and options are checked by name", () => {
    const { factory } = setup();
    expect(factory.health().status).toBe("up");
    expect(() => factory.forAccount("b", { limitPerMinute: -1, maxWaitMs: 0, maxDepth: 0 })).toThrow(
      /limitPerMinute/,
    );
    expect(() => factory.forAccount("b", { limitPerMinute: 1, maxWaitMs: 1.5, maxDepth: 0 })).toThrow(
      /maxWaitMs/,
    );
  });
});

describe("account budget: properties", () => {
  it("for any arrival pattern, never more than the limit in any rolling minute, and everyone is answered", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(
          fc.record({
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
        fc.constantFrom<"sync" | "async">("sync", "async"),
        async (limit, arrivals, maxWaitMs, store) => {
          const { clock, budget } = setup({ limit, maxWaitMs, maxDepth: 100, store });
          const results = [];
          for (const a of arrivals) {
            await clock.advance(a.gap);
            results.push(track(clock, budget.acquire(a.priority)));
          }
          await clock.advance(maxWaitMs + 1);
          expect(results.every((r) => r.ok !== undefined)).toBe(true);
          const admitted = results.filter((r) => r.ok).map((r) => r.at!);
          expect(maxInRolling(admitted, MINUTE)).toBeLessThanOrEqual(limit);
          // a burst up to the limit on an idle account is never refused
          expect(admitted.length).toBeGreaterThanOrEqual(Math.min(limit, arrivals.length > 0 ? 1 : 0));
          budget.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it("an order queued behind N reads (and bulk) is served before all of them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10 }),
        async (limit, reads, bulk) => {
          const horizon = (Math.ceil((reads + bulk + 1) / limit) + 1) * MINUTE;
          const { clock, budget } = setup({ limit, maxWaitMs: horizon, maxDepth: 1000 });
          for (let i = 0; i < limit; i++) budget.tryAcquire();
          const order: string[] = [];
          const mark = (name: string, p: Promise<void>) => p.then(() => void order.push(name));
          const waiting = [
            ...Array.from({ length: bulk }, () => mark("bulk", budget.acquire("bulk"))),
            ...Array.from({ length: reads }, () => mark("read", budget.acquire("read"))),
          ];
          await clock.flush();
          waiting.push(mark("order", budget.acquire("order")));
          await clock.advance(horizon);
          await Promise.all(waiting);
          expect(order).toHaveLength(reads + bulk + 1);
          expect(order[0]).toBe("order");
          expect(order.lastIndexOf("read")).toBeLessThan(
            order.indexOf("bulk") === -1 ? order.length : order.indexOf("bulk"),
          );
          budget.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
