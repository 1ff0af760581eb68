/**
 * The simulator's tape: every trade and quote of a symbol, derived on demand from the seed.
 *
 * - Trades: each minute of a symbol has 1–6 trades (hashed count); trade j sits in slot j of the
 *   minute at a hashed offset (millisecond plus sub-millisecond nanoseconds), so trades are
 *   strictly increasing in time. Its price is the price engine's price at that millisecond, its
 *   size 1–1000 shares (mostly round lots), its id `minute · 8 + j` (unique per symbol).
 * - Quotes: one per second at a hashed offset, bid/ask straddling the engine's price with a
 *   spread of ~2 bp (at least one cent).
 * The schedule exists at every instant; which instants count as trading (regular session,
 * always for `FAKEPACA`) is decided by the callers (REST history, streams).
 * Pure functions of (seed, symbol, time, price overrides); nothing is stored.
 */
import type { PriceEngine } from "../contract.js";
import { hashString, mix32 } from "./hash.js";

export interface TapeTrade {
  /** Epoch milliseconds. */
  readonly t: number;
  /** Sub-millisecond part of the timestamp, 0–999,999 ns. */
  readonly ns: number;
  readonly p: number;
  readonly s: number;
  readonly i: number;
  readonly x: string;
  readonly c: readonly string[];
  readonly z: string;
}

export interface TapeQuote {
  readonly t: number;
  readonly ns: number;
  readonly ap: number;
  readonly as: number;
  readonly ax: string;
  readonly bp: number;
  readonly bs: number;
  readonly bx: string;
  readonly c: readonly string[];
  readonly z: string;
}

export interface Tape {
  /** Trades in minute `m` (epoch minutes), in time order. */
  tradesInMinute(symbol: string, m: number): TapeTrade[];
  /** Volume and trade count of minute `m` counting trades at or before `nowMs` (no prices: cheap). */
  volumeInMinute(symbol: string, m: number, nowMs: number): { readonly v: number; readonly n: number };
  /** The quote of second `sec` (epoch seconds). */
  quoteInSecond(symbol: string, sec: number): TapeQuote;
  /** Trades with `fromMs <= t < toMs`, in time order. */
  tradesBetween(symbol: string, fromMs: number, toMs: number): TapeTrade[];
  /** Quotes with `fromMs <= t < toMs`, in time order. */
  quotesBetween(symbol: string, fromMs: number, toMs: number): TapeQuote[];
  /** The last trade at or before `atMs`. */
  lastTradeAtOrBefore(symbol: string, atMs: number): TapeTrade;
  /** The last quote at or before `atMs`. */
  lastQuoteAtOrBefore(symbol: string, atMs: number): TapeQuote;
}

const EXCHANGES = ["V", "Q", "N", "P", "K", "Z", "D", "X"] as const;
const TAPES = ["A", "B", "C"] as const;
const COND_REGULAR: readonly string[] = Object.freeze(["@"]);
const COND_ODD_LOT: readonly string[] = Object.freeze(["@", "I"]);
const COND_QUOTE: readonly string[] = Object.freeze(["R"]);
const MAX_TRADES_PER_MINUTE = 6;

const pick = <T>(list: readonly T[], h: number): T => list[h % list.length] as T;

export function createTape(deps: { prices: PriceEngine; seed: number }): Tape {
  const { prices } = deps;
  const seedSalt = mix32(deps.seed ^ 0x7a9e);
  const symbolSalts = new Map<string, number>();

  function saltOf(symbol: string): number {
    let s = symbolSalts.get(symbol);
    if (s === undefined) {
      s = mix32(hashString(symbol) ^ seedSalt);
      if (symbolSalts.size >= 50_000) symbolSalts.clear();
      symbolSalts.set(symbol, s);
    }
    return s;
  }

  /** The priceless part of minute m's trades: times, sizes, ids, venues (all from hashes). */
  function schedule(symbol: string, m: number): Array<Omit<TapeTrade, "p">> {
    const salt = saltOf(symbol);
    const hm = mix32(salt ^ Math.imul(m | 0, 0x9e3779b1));
    const count = 1 + (hm % MAX_TRADES_PER_MINUTE);
    const slot = 60_000 / count;
    const z = pick(TAPES, salt >>> 3);
    const out: Array<Omit<TapeTrade, "p">> = [];
    for (let j = 0; j < count; j++) {
      const h = mix32(hm ^ Math.imul(j + 1, 0x85ebca6b));
      const h2 = mix32(h ^ 0x27d4eb2f);
      const t = m * 60_000 + Math.floor(j * slot + (h % Math.floor(slot)));
      const lots = h2 % 10;
      const s = lots === 0 ? 1 + (h2 % 99) : lots * 100;
      out.push({
        t,
        ns: (h2 >>> 8) % 1_000_000,
        s,
        i: m * 8 + j,
        x: pick(EXCHANGES, h >>> 5),
        c: s < 100 ? COND_ODD_LOT : COND_REGULAR,
        z,
      });
    }
    return out;
  }

  function tradesInMinute(symbol: string, m: number): TapeTrade[] {
    return schedule(symbol, m).map((tr) => ({ ...tr, p: prices.priceAt(symbol, tr.t) }));
  }

  function volumeInMinute(symbol: string, m: number, nowMs: number): { v: number; n: number } {
    let v = 0;
    let n = 0;
    for (const tr of schedule(symbol, m)) {
      if (tr.t > nowMs) break;
      v += tr.s;
      n++;
    }
    return { v, n };
  }

  function quoteInSecond(symbol: string, sec: number): TapeQuote {
    const salt = saltOf(symbol);
    const h = mix32(salt ^ Math.imul(sec | 0, 0x61c88647) ^ 0x5bd1e995);
    const h2 = mix32(h ^ 0x1b873593);
    const t = sec * 1000 + (h % 1000);
    const mid = prices.priceAt(symbol, t);
    const tick = mid >= 1 ? 0.01 : 0.0001;
    const spreadTicks = Math.max(1, Math.round((mid * 0.0002 * (0.5 + (h2 % 100) / 100)) / tick));
    const bidTicks = Math.floor(mid / tick - spreadTicks / 2);
    const bp = Math.round(bidTicks * tick * 10_000) / 10_000;
    const ap = Math.round((bidTicks + spreadTicks) * tick * 10_000) / 10_000;
    return {
      t,
      ns: (h2 >>> 4) % 1_000_000,
      ap,
      as: 100 * (1 + ((h2 >>> 12) % 9)),
      ax: pick(EXCHANGES, h2 >>> 16),
      bp,
      bs: 100 * (1 + ((h2 >>> 20) % 9)),
      bx: pick(EXCHANGES, h2 >>> 24),
      c: COND_QUOTE,
      z: pick(TAPES, salt >>> 3),
    };
  }

  function tradesBetween(symbol: string, fromMs: number, toMs: number): TapeTrade[] {
    const out: TapeTrade[] = [];
    for (let m = Math.floor(fromMs / 60_000); m * 60_000 < toMs; m++) {
      for (const tr of tradesInMinute(symbol, m)) if (tr.t >= fromMs && tr.t < toMs) out.push(tr);
    }
    return out;
  }

  function quotesBetween(symbol: string, fromMs: number, toMs: number): TapeQuote[] {
    const out: TapeQuote[] = [];
    for (let s = Math.floor(fromMs / 1000); s * 1000 < toMs; s++) {
      const q = quoteInSecond(symbol, s);
      if (q.t >= fromMs && q.t < toMs) out.push(q);
    }
    return out;
  }

  function lastTradeAtOrBefore(symbol: string, atMs: number): TapeTrade {
    for (let m = Math.floor(atMs / 60_000); ; m--) {
      const trades = tradesInMinute(symbol, m);
      for (let j = trades.length - 1; j >= 0; j--) {
        const tr = trades[j];
        if (tr && tr.t <= atMs) return tr;
      }
    }
  }

  function lastQuoteAtOrBefore(symbol: string, atMs: number): TapeQuote {
    const sec = Math.floor(atMs / 1000);
    const q = quoteInSecond(symbol, sec);
    return q.t <= atMs ? q : quoteInSecond(symbol, sec - 1);
  }

  return {
    tradesInMinute,
    volumeInMinute,
    quoteInSecond,
    tradesBetween,
    quotesBetween,
    lastTradeAtOrBefore,
    lastQuoteAtOrBefore,
  };
}
