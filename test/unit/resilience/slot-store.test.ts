import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemorySlotStore, type SlotGrant } from "../../../src/resilience/slot-store.js";
import { createFakeClock } from "../../helpers/fake-clock.js";

const take = (s: ReturnType<typeof createMemorySlotStore>, want: number, limit: number) =>
  s.take("k", want, limit) as SlotGrant;

describe("memory slot store (sliding log)", () => {
  it("grants a whole limit at once, then says when the oldest slot frees", async () => {
    const clock = createFakeClock();
    const s = createMemorySlotStore({ clock });
    expect(take(s, 150, 200)).toEqual({ granted: 150, retryInMs: 0 });
    await clock.advance(10_000);
    expect(take(s, 100, 200)).toEqual({ granted: 50, retryInMs: 50_000 });
    await clock.advance(50_000);
    expect(take(s, 200, 200)).toEqual({ granted: 150, retryInMs: 10_000 });
  });

  it("release gives back the newest slots; keys are independent", () => {
    const clock = createFakeClock();
    const s = createMemorySlotStore({ clock });
    take(s, 3, 3);
    s.release("k", 2);
    expect(take(s, 5, 3).granted).toBe(2);
    expect((s.take("other", 5, 3) as SlotGrant).granted).toBe(3);
  });

  it("property: never more than the limit in any rolling span, and never refuses while below it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 30_000 }), want: fc.integer({ min: 1, max: 60 }) }),
          {
            maxLength: 100,
          },
        ),
        async (limit, steps) => {
          const clock = createFakeClock();
          const s = createMemorySlotStore({ clock, spanMs: 60_000 });
          const admitted: number[] = [];
          for (const step of steps) {
            await clock.advance(step.gap);
            const t = clock.now();
            const inSpan = admitted.filter((a) => a > t - 60_000).length;
            const g = take(s, step.want, limit);
            expect(g.granted).toBe(Math.min(step.want, limit - inSpan));
            for (let i = 0; i < g.granted; i++) admitted.push(t);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
