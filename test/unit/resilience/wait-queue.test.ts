import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Priority } from "../../../src/accounts/types.js";
import { createWaitQueue, PRIORITY_RANK } from "../../../src/resilience/wait-queue.js";

interface Item {
  readonly priority: Priority;
  readonly n: number;
}

/** The reference: a stable sort by class of everything still queued. */
const model = (items: Item[]): Item[] =>
  [...items].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.n - b.n);

describe("wait queue", () => {
  it("serves orders, then reads, then bulk, FIFO within each", () => {
    const q = createWaitQueue<Item>();
    const items: Item[] = [
      { priority: "bulk", n: 1 },
      { priority: "read", n: 2 },
      { priority: "order", n: 3 },
      { priority: "read", n: 4 },
      { priority: "order", n: 5 },
    ];
    for (const i of items) q.push(i);
    expect(q.ahead("order")).toBe(2);
    expect(q.ahead("read")).toBe(4);
    expect(q.ahead("bulk")).toBe(5);
    expect(q.last()?.n).toBe(1);
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.shift()].map((i) => i?.n)).toEqual([3, 5, 2, 4, 1]);
    expect(q.shift()).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it("property: behaves like the reference model under any mix of push, shift and remove", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("push" as const),
        priority: fc.constantFrom<Priority>("order", "read", "bulk"),
      }),
      fc.record({ kind: fc.constant("shift" as const) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      // long pushes exercise the lane compaction
      fc.record({ kind: fc.constant("many" as const), count: fc.integer({ min: 1025, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = createWaitQueue<Item>();
        let live: Item[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            const item = { priority: o.priority, n: n++ };
            q.push(item);
            live.push(item);
          } else if (o.kind === "many") {
            for (let i = 0; i < o.count; i++) {
              const item = { priority: "read" as const, n: n++ };
              q.push(item);
              live.push(item);
            }
            const order = model(live);
            const shifted = Array.from({ length: o.count - 1 }, () => q.shift());
            expect(shifted.every((x, i) => x === order[i])).toBe(true);
            live = order.slice(o.count - 1);
          } else if (o.kind === "shift") {
            const expected = model(live)[0];
            expect(q.shift()).toBe(expected);
            live = live.filter((x) => x !== expected);
          } else {
            const target = live[o.pick % Math.max(1, live.length)];
            if (target) {
              expect(q.remove(target)).toBe(true);
              expect(q.remove(target)).toBe(false);
              live = live.filter((x) => x !== target);
            }
          }
          expect(q.size).toBe(live.length);
          expect(q.toArray()).toEqual(model(live));
          expect(q.peek()).toBe(model(live)[0]);
        }
        expect(q.drain()).toEqual(model(live));
        expect(q.size).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
