import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SimClock } from "../../../../src/sim/contract.js";
import type { Bar } from "../../../../src/sim/market/bars.js";
import { paginate, tradesOf } from "../../../../src/sim/market/history.js";
import { createMarketData } from "../../../../src/sim/market/market-data.js";
import { createPriceEngine } from "../../../../src/sim/market/price-engine.js";
import { sessionsBetween } from "../../../../src/sim/market/sessions.js";
import { parseTimeframe, type Timeframe } from "../../../../src/sim/market/timeframe.js";

const NOW = Date.parse("2025-06-20T18:00:00Z");
const clock: SimClock = { now: () => NOW, isOpen: () => false };
const prices = createPriceEngine({ seed: 77, clock });
const md = createMarketData({ prices, clock });

const INTRADAY = ["1Min", "5Min", "7Min", "15Min", "1Hour", "2H", "4Hour", "30T"];

function widthMs(tf: Timeframe): number {
  return (tf.unit === "Hour" ? tf.amount * 60 : tf.amount) * 60_000;
}

function checkBarAgainstTrades(symbol: string, bar: Bar, fromMs: number, toMs: number): void {
  const trades = [...tradesOf(md.tape, symbol, fromMs, toMs - 1, false)].filter((t) => t.t <= NOW);
  expect(trades.length).toBe(bar.n);
  const first = trades[0];
  const last = trades[trades.length - 1];
  if (!first || !last) throw new Error("a bar without trades");
  expect(bar.o).toBe(first.p);
  expect(bar.c).toBe(last.p);
  for (const t of trades) {
    expect(bar.h).toBeGreaterThanOrEqual(t.p);
    expect(bar.l).toBeLessThanOrEqual(t.p);
  }
  expect(bar.h).toBe(Math.max(...trades.map((t) => t.p)));
  expect(bar.l).toBe(Math.min(...trades.map((t) => t.p)));
  expect(bar.v).toBe(trades.reduce((a, t) => a + t.s, 0));
  expect(bar.vw).toBeGreaterThanOrEqual(bar.l - 1e-6);
  expect(bar.vw).toBeLessThanOrEqual(bar.h + 1e-6);
}

const symbolArb = fc.stringMatching(/^[A-Z]{1,4}$/);
const startArb = fc.integer({
  min: Date.parse("2024-01-01T00:00:00Z"),
  max: Date.parse("2025-06-18T00:00:00Z"),
});

describe("bars agree with trades", () => {
  it("intraday: every bar's o/h/l/c/v/n is exactly its interval's trades (property)", () => {
    fc.assert(
      fc.property(
        symbolArb,
        startArb,
        fc.integer({ min: 1, max: 3 * 86_400_000 }),
        fc.constantFrom(...INTRADAY),
        (symbol, start, len, tfText) => {
          const tf = parseTimeframe(tfText);
          if (!tf) throw new Error(tfText);
          const width = widthMs(tf);
          let count = 0;
          for (const bar of md.bars.bars(symbol, tf, start, start + len, false, NOW)) {
            expect(bar.t).toBeGreaterThanOrEqual(start);
            expect(bar.t).toBeLessThanOrEqual(start + len);
            // a bar covers [t, t + width) within the regular session
            checkBarAgainstTrades(symbol, bar, bar.t, bar.t + width);
            if (++count >= 40) break;
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("daily, weekly and monthly bars aggregate whole sessions (property)", () => {
    fc.assert(
      fc.property(
        symbolArb,
        startArb,
        fc.constantFrom("1Day", "1Week", "1Month"),
        (symbol, start, tfText) => {
          const tf = parseTimeframe(tfText);
          if (!tf) throw new Error(tfText);
          const end = start + 40 * 86_400_000;
          const bars = [...md.bars.bars(symbol, tf, start, end, false, NOW)].slice(0, 6);
          for (let i = 0; i < bars.length; i++) {
            const bar = bars[i] as Bar;
            const next = bars[i + 1];
            const sessions = [
              ...sessionsBetween(
                symbol,
                bar.t,
                tf.unit === "Day" ? bar.t + 86_399_999 : (next?.t ?? end + 40 * 86_400_000) - 1,
                false,
              ),
            ];
            const first = sessions[0];
            if (!first) throw new Error("no session");
            if (tf.unit === "Day") checkBarAgainstTrades(symbol, bar, first.openMs, first.closeMs);
            else {
              // the period's trades: from its first session's open to the last session it groups
              expect(bar.h).toBeGreaterThanOrEqual(bar.o);
              expect(bar.l).toBeLessThanOrEqual(bar.c);
              const daily = [
                ...md.bars.bars(symbol, { amount: 1, unit: "Day" }, bar.t, (next?.t ?? end) - 1, false, NOW),
              ];
              const inPeriod = next ? daily : daily.filter((d) => d.t < end);
              if (next) {
                expect(bar.n).toBe(inPeriod.reduce((a, d) => a + d.n, 0));
                expect(bar.h).toBe(Math.max(...inPeriod.map((d) => d.h)));
                expect(bar.l).toBe(Math.min(...inPeriod.map((d) => d.l)));
                expect(bar.o).toBe(inPeriod[0]?.o);
                expect(bar.c).toBe(inPeriod[inPeriod.length - 1]?.c);
              }
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("bars only during the regular session for intraday timeframes", () => {
    const tf = parseTimeframe("1Min") as Timeframe;
    const bars = [
      ...md.bars.bars(
        "AAPL",
        tf,
        Date.parse("2025-06-13T00:00:00Z"),
        Date.parse("2025-06-17T00:00:00Z"),
        false,
        NOW,
      ),
    ];
    // Fri 13 and Mon 16 June 2025: 2 × 390 minutes, nothing at the weekend
    expect(bars.length).toBe(780);
    for (const b of bars) {
      const d = new Date(b.t);
      const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
      expect(minutes).toBeGreaterThanOrEqual(13 * 60 + 30); // 09:30 EDT
      expect(minutes).toBeLessThan(20 * 60); // 16:00 EDT
      expect([1, 5]).toContain(d.getUTCDay());
    }
  });

  it("an in-progress daily bar is the aggregate of the session's trades so far, as time moves on", () => {
    const at = { ms: Date.parse("2025-06-18T14:00:00Z") };
    const c: SimClock = { now: () => at.ms, isOpen: () => true };
    const local = createMarketData({ prices: createPriceEngine({ seed: 78, clock: c }), clock: c });
    const session = [...sessionsBetween("AAPL", at.ms, at.ms, false)][0];
    if (!session) throw new Error("no session");
    for (const step of [0, 61_001, 7 * 60_000 + 5, 59_999, 3_600_000]) {
      at.ms += step;
      const bar = local.bars.dailyBar("AAPL", session, at.ms);
      const trades = [...tradesOf(local.tape, "AAPL", session.openMs, at.ms, false)];
      expect(bar?.n).toBe(trades.length);
      expect(bar?.c).toBe(trades[trades.length - 1]?.p);
      expect(bar?.h).toBe(Math.max(...trades.map((t) => t.p)));
      expect(bar?.l).toBe(Math.min(...trades.map((t) => t.p)));
      expect(bar?.v).toBe(trades.reduce((a, t) => a + t.s, 0));
    }
  });

  it("never returns data after now", () => {
    const tf = parseTimeframe("1Min") as Timeframe;
    const bars = [...md.bars.bars("MSFT", tf, NOW - 3_600_000, NOW + 3_600_000, false, NOW)];
    expect(bars.length).toBeGreaterThan(0);
    for (const b of bars) expect(b.t).toBeLessThanOrEqual(NOW);
    const trades = [...tradesOf(md.tape, "MSFT", NOW - 60_000, NOW + 3_600_000, false)];
    expect(trades.every((t) => t.t <= NOW + 3_600_000)).toBe(true);
  });
});

describe("paging", () => {
  it("pages concatenate to the single big page, for any limit, sort and symbol set (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(symbolArb, { minLength: 1, maxLength: 3 }),
        startArb,
        fc.integer({ min: 1, max: 97 }),
        fc.boolean(),
        fc.constantFrom("trades", "5Min", "1Day"),
        (syms, start, limit, desc, what) => {
          const symbols = [...syms].sort();
          const range = { startMs: start, endMs: start + (what === "1Day" ? 20 : 1) * 86_400_000 };
          const tf = parseTimeframe(what);
          const source = tf
            ? (s: string, f: number, t: number, d: boolean) => md.bars.bars(s, tf, f, t, d, NOW)
            : (s: string, f: number, t: number, d: boolean) => tradesOf(md.tape, s, f, t, d);
          const flat = (m: Map<string, Array<{ t: number }>>): string[] =>
            [...m].flatMap(([s, items]) => items.map((i) => `${s}@${i.t}`));
          const whole = flat(
            paginate<{ t: number }>(symbols, source, range, desc, 10_000, undefined).bySymbol,
          );
          const pieces: string[] = [];
          let token: { symbol: string; t: number } | undefined;
          for (let guard = 0; guard <= whole.length; guard++) {
            const p = paginate<{ t: number }>(symbols, source, range, desc, limit, token);
            const items = flat(p.bySymbol);
            expect(items.length).toBeLessThanOrEqual(limit);
            pieces.push(...items);
            if (!p.next) break;
            expect(items.length).toBe(limit);
            token = p.next;
          }
          expect(pieces).toEqual(whole);
        },
      ),
      { numRuns: 30 },
    );
  });
});
