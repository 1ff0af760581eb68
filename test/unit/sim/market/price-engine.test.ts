import { afterEach, describe, expect, it } from "vitest";
import type { SimClock } from "../../../../src/sim/contract.js";
import { createPriceEngine, type MarketPriceEngine } from "../../../../src/sim/market/price-engine.js";

const T0 = Date.parse("2025-03-03T15:00:00Z");

function fixedClock(at: { ms: number }): SimClock {
  return { now: () => at.ms, isOpen: () => true };
}

const engines: MarketPriceEngine[] = [];
function engine(seed: number, at = { ms: T0 }, tickIntervalMs?: number): MarketPriceEngine {
  const e = createPriceEngine(
    tickIntervalMs === undefined
      ? { seed, clock: fixedClock(at) }
      : { seed, clock: fixedClock(at), tickIntervalMs },
  );
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.close();
});

describe("price engine", () => {
  it("is deterministic across instances with the same seed, in any query order", () => {
    const a = engine(42);
    const b = engine(42);
    const times = Array.from({ length: 50 }, (_, i) => T0 + i * 37_501);
    const fromA = times.map((t) => a.priceAt("AAPL", t));
    const fromB = [...times]
      .reverse()
      .map((t) => b.priceAt("AAPL", t))
      .reverse();
    expect(fromB).toEqual(fromA);
    expect(new Set(fromA).size).toBeGreaterThan(1);
  });

  it("differs between seeds and between symbols", () => {
    const a = engine(1);
    const b = engine(2);
    const times = Array.from({ length: 20 }, (_, i) => T0 + i * 3_600_000);
    const pa = times.map((t) => a.priceAt("ZZZQ", t));
    const pb = times.map((t) => b.priceAt("ZZZQ", t));
    expect(pa).not.toEqual(pb);
    expect(times.map((t) => a.priceAt("YYYQ", t))).not.toEqual(pa);
  });

  it("keeps levels realistic: $5–$500 bases, known names near their levels, 1–3% daily moves", () => {
    const e = engine(7);
    for (let i = 0; i < 200; i++) {
      const s = `S${i.toString(36).toUpperCase()}`;
      const base = e.basePrice(s);
      expect(base).toBeGreaterThanOrEqual(5);
      expect(base).toBeLessThanOrEqual(500);
      const vol = e.dailyVolatility(s);
      expect(vol).toBeGreaterThanOrEqual(0.01);
      expect(vol).toBeLessThanOrEqual(0.03);
    }
    expect(e.basePrice("AAPL")).toBe(190);
    // Realised daily log-return volatility over many symbols and days, normalised by each symbol's vol.
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    for (let i = 0; i < 40; i++) {
      const s = `V${i}`;
      for (let d = 0; d < 30; d++) {
        const t = T0 + d * 86_400_000;
        const r = Math.log(e.rawPriceAt(s, t + 86_400_000) / e.rawPriceAt(s, t)) / e.dailyVolatility(s);
        sum += r;
        sumSq += r * r;
        n++;
      }
    }
    const std = Math.sqrt(sumSq / n - (sum / n) ** 2);
    expect(std).toBeGreaterThan(0.6);
    expect(std).toBeLessThan(1.5);
  });

  it("rounds to cents", () => {
    const e = engine(3);
    for (let i = 0; i < 100; i++) {
      const p = e.priceAt("MSFT", T0 + i * 1234);
      expect(Math.round(p * 100) / 100).toBe(p);
    }
  });

  it("setPrice overrides the path from that instant on, and only from then", () => {
    const e = engine(5);
    const ref = engine(5);
    const at = T0 + 60_000;
    const before = e.priceAt("AAPL", at - 1);
    e.setPrice("AAPL", 187.2, at);
    expect(e.priceAt("AAPL", at)).toBe(187.2);
    expect(e.priceAt("AAPL", at - 1)).toBe(before);
    // the path keeps moving, scaled: ratio to the untouched engine is constant after the override
    const r1 = e.rawPriceAt("AAPL", at + 10_000) / ref.rawPriceAt("AAPL", at + 10_000);
    const r2 = e.rawPriceAt("AAPL", at + 3_600_000) / ref.rawPriceAt("AAPL", at + 3_600_000);
    expect(r1).toBeCloseTo(r2, 9);
    expect(e.priceAt("AAPL", at + 3_600_000)).not.toBe(ref.priceAt("AAPL", at + 3_600_000));
    e.clearOverrides();
    expect(e.priceAt("AAPL", at)).toBe(ref.priceAt("AAPL", at));
    expect(() => e.setPrice("AAPL", -1, at)).toThrow(/price/);
  });

  it("keeps memory bounded while generating long histories", () => {
    const e = engine(9);
    for (let i = 0; i < 5; i++) e.priceAt("WARM", T0 + i);
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let acc = 0;
    for (let i = 0; i < 300_000; i++) acc += e.priceAt("WARM", T0 - i * 60_000);
    globalThis.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    expect(acc).toBeGreaterThan(0);
    // 300k minutes (~7 months) of history: nothing is stored, so growth stays small.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
  });

  it("emits ticks only for tracked symbols, stops on untrack and close", async () => {
    const at = { ms: T0 };
    const e = engine(11, at, 5);
    const seen: Array<[string, number, number]> = [];
    const off = e.onTick((s, p, t) => seen.push([s, p, t]));
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual([]);
    e.trackSymbol("AAPL");
    e.trackSymbol("AAPL");
    e.trackSymbol("MSFT");
    await new Promise((r) => setTimeout(r, 40));
    const symbols = new Set(seen.map(([s]) => s));
    expect(symbols).toEqual(new Set(["AAPL", "MSFT"]));
    for (const [s, p, t] of seen) expect(p).toBe(e.priceAt(s, t));
    e.untrackSymbol("MSFT");
    e.untrackSymbol("AAPL");
    expect(e.trackedSymbols()).toEqual(["AAPL"]);
    seen.length = 0;
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(([s]) => s === "AAPL")).toBe(true);
    off();
    seen.length = 0;
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual([]);
  });
});
