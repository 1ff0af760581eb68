import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planWindows, worstCaseInSpan } from "../../../src/resilience/window-plan.js";

/** Simulates anchored fixed windows (rate-limiter-flexible's) under a greedy arrival pattern. */
function simulate(points: number, windowMs: number, arrivals: number[]): number[] {
  const admitted: number[] = [];
  let start = Number.NEGATIVE_INFINITY;
  let used = 0;
  for (const t of arrivals) {
    if (t >= start + windowMs) {
      start = t;
      used = 0;
    }
    if (used < points) {
      used++;
      admitted.push(t);
    }
  }
  return admitted;
}

const maxInRolling = (times: number[], spanMs: number): number => {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= spanMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
};

describe("planWindows", () => {
  it("gives 180 of 200 per minute in 3 s windows of 9 (one-second margin)", () => {
    expect(planWindows(200)).toEqual({ points: 9, windowSeconds: 3, perMinute: 180 });
    expect(planWindows(200, { spanMs: 60_000 })).toMatchObject({ perMinute: 180 });
  });

  it("handles tiny limits: one request per span", () => {
    expect(planWindows(1)).toMatchObject({ points: 1, windowSeconds: 61 });
    expect(planWindows(2).points).toBe(1);
  });

  it("refuses limits below 1", () => {
    expect(() => planWindows(0)).toThrow(/limit/);
  });

  it("property: the worst case never exceeds the limit, and throughput stays within 30% (limits >= 20)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1000, max: 120_000 }),
        (limit, spanMs) => {
          const plan = planWindows(limit, { spanMs });
          expect(plan.points).toBeGreaterThanOrEqual(1);
          expect(worstCaseInSpan(plan, spanMs)).toBeLessThanOrEqual(limit);
          if (limit >= 20 && spanMs === 61_000) expect(plan.perMinute).toBeGreaterThanOrEqual(limit * 0.7);
        },
      ),
    );
  });

  it("control: one 60 s window holding the whole limit lets twice the limit through a rolling minute", () => {
    // window one opens at 0 and fills at its very end; window two opens at 60 s and fills at once
    const late = Array.from({ length: 199 }, (_, i) => 59_700 + i);
    const early = Array.from({ length: 200 }, (_, i) => 60_000 + i);
    const admitted = simulate(200, 60_000, [0, ...late, ...early]);
    expect(maxInRolling(admitted, 60_000)).toBeGreaterThan(200);
  });

  it("property: for any arrival pattern, anchored windows admit at most the limit in any rolling 61 s", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 800 }),
        (limit, gaps) => {
          let t = 0;
          const arrivals = gaps.map((g) => (t += g));
          const plan = planWindows(limit);
          const admitted = simulate(plan.points, plan.windowSeconds * 1000, arrivals);
          expect(maxInRolling(admitted, 61_000)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});
