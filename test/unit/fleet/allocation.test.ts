import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, fromUnits, toUnits, weightOf } from "../../../src/fleet/allocation.js";

const shares = (m: Map<string, bigint>) => [...m.values()].map(fromUnits);

describe("allocate", () => {
  it("equal: 10 over 3 is 4, 3, 3 (remainder one share at a time in listed order)", () => {
    expect(shares(allocate(toUnits("10", "q", true), ["a", "b", "c"], true))).toEqual(["4", "3", "3"]);
    expect(shares(allocate(toUnits("2", "q", true), ["a", "b", "c"], true))).toEqual(["1", "1", "0"]);
  });

  it("proportional to weights, whole shares, remainder in order", () => {
    const w = new Map([
      ["a", weightOf("300000")],
      ["b", weightOf("100000")],
      ["c", weightOf("100000")],
    ]);
    expect(shares(allocate(toUnits("10", "q", true), ["a", "b", "c"], true, w))).toEqual(["6", "2", "2"]);
    expect(shares(allocate(toUnits("11", "q", true), ["a", "b", "c"], true, w))).toEqual(["7", "2", "2"]);
  });

  it("fractional splits go to the billionth, remainder by one billionth", () => {
    expect(shares(allocate(toUnits("1", "q", false), ["a", "b", "c"], false))).toEqual([
      "0.333333334",
      "0.333333333",
      "0.333333333",
    ]);
  });

  it("accounts with no weight get nothing; all zero is a 422 naming allocation", () => {
    const w = new Map([
      ["a", 0n],
      ["b", weightOf("5")],
    ]);
    expect(shares(allocate(toUnits("3", "q", true), ["a", "b"], true, w))).toEqual(["0", "3"]);
    expect(() => allocate(5n, ["a"], true, new Map([["a", 0n]]))).toThrow(/allocation/);
  });

  it("whole shares refuse decimals, naming the field", () => {
    expect(() => toUnits("1.5", "allocation.qty", true)).toThrow(/allocation\.qty/);
    expect(toUnits("2.000", "q", true)).toBe(2_000_000_000n);
    expect(() => toUnits("-1", "q", true)).toThrow(/q/);
    expect(() => toUnits("0.0000000001", "q", false)).toThrow(/9 decimals/);
  });

  it("always sums to the total, no share differs from its exact part by a unit or more", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 50 }),
        (total, ws) => {
          fc.pre(ws.some((x) => x > 0));
          const ids = ws.map((_, i) => `a${i}`);
          const weights = new Map(ids.map((id, i) => [id, BigInt(ws[i]!)]));
          const out = allocate(BigInt(total) * 1_000_000_000n, ids, true, weights);
          const sum = [...out.values()].reduce((s, x) => s + x, 0n);
          expect(sum).toBe(BigInt(total) * 1_000_000_000n);
          const wsum = ws.reduce((s, x) => s + x, 0);
          ids.forEach((id, i) => {
            const exact = (total * ws[i]!) / wsum;
            expect(Math.abs(Number(out.get(id)! / 1_000_000_000n) - exact)).toBeLessThan(1 + 1e-9);
          });
        },
      ),
    );
  });
});
