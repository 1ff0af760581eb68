/**
 * The primary's count of budget slots across workers (serve --workers without Redis), driven
 * by a fake clock: one limit for all workers in any rolling minute, releases that give back
 * only the releasing worker's slots, a dead worker's slots counted until they age out, and
 * Alpaca's own signals heard by one worker tightening every worker's grants.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSlotAccountant } from "../../../src/cluster/slot-accountant.js";
import { createFakeClock } from "../../helpers/fake-clock.js";

describe("slot accountant (the primary's budget count)", () => {
  it("grants one limit to all workers together and says when the oldest slot frees", async () => {
    const clock = createFakeClock();
    const a = createSlotAccountant({ clock });
    expect(a.take(1, "acct-1", 3, 5)).toEqual({ granted: 3, retryInMs: 0 });
    await clock.advance(10_000);
    expect(a.take(2, "acct-1", 4, 5)).toEqual({ granted: 2, retryInMs: 50_000 });
    expect(a.take(1, "acct-1", 1, 5)).toEqual({ granted: 0, retryInMs: 50_000 });
    expect(a.take(2, "acct-2", 5, 5).granted).toBe(5); // keys are independent
    await clock.advance(50_000); // the first three age out, worker 2's two remain
    expect(a.take(1, "acct-1", 5, 5)).toEqual({ granted: 3, retryInMs: 10_000 });
    expect(a.used("acct-1")).toBe(5);
  });

  it("a release gives back the releasing worker's newest slots, never another worker's", async () => {
    const clock = createFakeClock();
    const a = createSlotAccountant({ clock });
    a.take(1, "k", 2, 4); // t0: worker 1
    await clock.advance(20_000);
    a.take(2, "k", 2, 4); // t20: worker 2
    a.release(1, "k", 1); // worker 1 gives back one of its own (t0), not worker 2's newer slot
    expect(a.used("k")).toBe(3);
    await clock.advance(40_000); // t60: worker 1's remaining t0 slot frees; worker 2's stay until t80
    expect(a.used("k")).toBe(2);
    a.release(3, "k", 5); // a worker with nothing spent gives nothing back
    expect(a.used("k")).toBe(2);
  });

  it("a dead worker's slots stay counted until they age out (they may have reached Alpaca)", async () => {
    const clock = createFakeClock();
    const a = createSlotAccountant({ clock });
    a.take(1, "k", 5, 5);
    // worker 1 dies: nothing to do, its slots are in the log like any other
    expect(a.take(2, "k", 1, 5)).toEqual({ granted: 0, retryInMs: 60_000 });
    await clock.advance(60_000);
    expect(a.take(2, "k", 1, 5).granted).toBe(1);
  });

  it("Alpaca's 429 heard by one worker blocks every worker until its hint", async () => {
    const clock = createFakeClock();
    const a = createSlotAccountant({ clock });
    a.throttled("k", 3000);
    expect(a.take(2, "k", 1, 200)).toEqual({ granted: 0, retryInMs: 3000 });
    await clock.advance(3000);
    expect(a.take(2, "k", 1, 200).granted).toBe(1);
  });

  it("X-RateLimit-* headers tighten the shared count: the announced limit and what is left", async () => {
    const clock = createFakeClock();
    const a = createSlotAccountant({ clock });
    const reset = Math.floor(clock.now() / 1000) + 30;
    a.observe("k", { limit: 100, remaining: 4, resetEpochSeconds: reset });
    expect(a.take(1, "k", 10, 200)).toEqual({ granted: 4, retryInMs: 30_000 });
    expect(a.take(2, "k", 1, 200).granted).toBe(0);
    await clock.advance(30_000);
    // Alpaca's window reset; its announced limit (100) still caps the configured 200
    expect(a.take(2, "k", 200, 200).granted).toBe(96);
  });

  it("property: never more than the limit in any rolling minute, whichever workers take and release", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 20_000 }),
            worker: fc.integer({ min: 1, max: 4 }),
            want: fc.integer({ min: 1, max: 30 }),
            release: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 80 },
        ),
        async (limit, steps) => {
          const clock = createFakeClock();
          const a = createSlotAccountant({ clock });
          // what really left, per worker, newest last: [time]
          const spent = new Map<number, number[]>();
          for (const s of steps) {
            await clock.advance(s.gap);
            const g = a.take(s.worker, "k", s.want, limit);
            const mine = spent.get(s.worker) ?? [];
            for (let i = 0; i < g.granted; i++) mine.push(clock.now());
            const back = Math.min(s.release, g.granted);
            a.release(s.worker, "k", back);
            mine.splice(mine.length - back, back);
            spent.set(s.worker, mine);
            const t = clock.now();
            const inSpan = [...spent.values()].flat().filter((x) => x > t - 60_000).length;
            expect(inSpan).toBeLessThanOrEqual(limit);
            // never refuses while the span has room
            if (g.granted < s.want) expect(inSpan + back).toBe(limit);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
