import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blackScholes, occSymbol, optionChain, parseOcc } from "../../../../src/sim/market/options.js";

describe("options", () => {
  it("parses OCC symbols and writes them back", () => {
    const o = parseOcc("AAPL250117C00150000");
    expect(o).toMatchObject({ underlying: "AAPL", expiration: "2025-01-17", type: "call", strike: 150 });
    expect(o?.expiryMs).toBe(Date.parse("2025-01-17T21:00:00Z")); // 16:00 New York (EST)
    expect(occSymbol("SPY", "2025-06-20", "put", 512.5)).toBe("SPY250620P00512500");
    expect(parseOcc("AAPL251317C00150000")).toBeUndefined();
    expect(parseOcc("aapl250117C00150000")).toBeUndefined();
  });

  it("Black–Scholes prices obey put–call parity and sane greeks (property)", () => {
    const now = Date.parse("2025-01-02T15:00:00Z");
    fc.assert(
      fc.property(
        fc.double({ min: 5, max: 500, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.integer({ min: 7, max: 700 }),
        fc.double({ min: 0.1, max: 0.8, noNaN: true }),
        (spot, moneyness, days, sigma) => {
          const strike = Math.max(1, Math.round(spot * moneyness));
          const exp = new Date(now + days * 86_400_000).toISOString().slice(0, 10);
          const call = parseOcc(occSymbol("XYZ", exp, "call", strike));
          const put = parseOcc(occSymbol("XYZ", exp, "put", strike));
          if (!call || !put) throw new Error("bad symbol");
          const c = blackScholes(call, spot, sigma, now);
          const p = blackScholes(put, spot, sigma, now);
          const T = (call.expiryMs - now) / (365 * 86_400_000);
          const parity = spot - strike * Math.exp(-0.04 * T);
          // prices are rounded to cents and floored at one cent
          expect(Math.abs(c.price - p.price - parity)).toBeLessThan(0.03);
          expect(c.delta).toBeGreaterThanOrEqual(0);
          expect(c.delta).toBeLessThanOrEqual(1);
          expect(p.delta).toBeLessThanOrEqual(0);
          expect(p.delta).toBeGreaterThanOrEqual(-1);
          expect(c.gamma).toBeGreaterThanOrEqual(0);
          expect(c.price).toBeGreaterThanOrEqual(Math.max(0.01, spot - strike) - 0.01);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("generates a chain of four weekly expirations around the spot", () => {
    const now = Date.parse("2025-03-04T16:00:00Z");
    const chain = optionChain("AAPL", 231.4, now);
    const expirations = [...new Set(chain.map((o) => o.expiration))];
    expect(expirations).toEqual(["2025-03-07", "2025-03-14", "2025-03-21", "2025-03-28"]);
    expect(chain).toHaveLength(4 * 21 * 2);
    const strikes = chain.map((o) => o.strike);
    expect(Math.min(...strikes)).toBe(180);
    expect(Math.max(...strikes)).toBe(280);
    expect([...chain.map((o) => o.symbol)]).toEqual([...chain.map((o) => o.symbol)].sort());
  });
});
