/**
 * Historical trades, quotes and bars of one symbol as lazy, ordered generators (trades and quotes
 * of stocks over the extended 04:00–20:00 session when asked, bars the regular session only; `FAKEPACA` around the clock, never past `nowMs`), and a pager that walks several symbols
 * in symbol order with one `limit` for the whole page and an opaque `symbol|t` resume token.
 */
import type { BarSource } from "./bars.js";
import type { Range } from "./params.js";
import { sessionsBetween } from "./sessions.js";
import type { Tape, TapeQuote, TapeTrade } from "./tape.js";
import type { Timeframe } from "./timeframe.js";

export function* tradesOf(
  tape: Tape,
  symbol: string,
  fromMs: number,
  toMs: number,
  desc: boolean,
  extended = false,
): Generator<TapeTrade> {
  for (const s of sessionsBetween(symbol, fromMs, toMs, desc, extended)) {
    const lo = Math.max(s.openMs, fromMs);
    const hi = Math.min(s.closeMs - 1, toMs);
    const m0 = Math.floor(lo / 60_000);
    const m1 = Math.floor(hi / 60_000);
    for (let k = 0; k <= m1 - m0; k++) {
      const trades = tape.tradesInMinute(symbol, desc ? m1 - k : m0 + k);
      if (desc) trades.reverse();
      for (const tr of trades) if (tr.t >= lo && tr.t <= hi) yield tr;
    }
  }
}

export function* quotesOf(
  tape: Tape,
  symbol: string,
  fromMs: number,
  toMs: number,
  desc: boolean,
  extended = false,
): Generator<TapeQuote> {
  for (const s of sessionsBetween(symbol, fromMs, toMs, desc, extended)) {
    const lo = Math.max(s.openMs, fromMs);
    const hi = Math.min(s.closeMs - 1, toMs);
    const s0 = Math.floor(lo / 1000);
    const s1 = Math.floor(hi / 1000);
    for (let k = 0; k <= s1 - s0; k++) {
      const q = tape.quoteInSecond(symbol, desc ? s1 - k : s0 + k);
      if (q.t >= lo && q.t <= hi) yield q;
    }
  }
}

export type ItemSource<T> = (symbol: string, fromMs: number, toMs: number, desc: boolean) => Iterator<T>;

export function barItems(bars: BarSource, tf: Timeframe, nowMs: number) {
  return (symbol: string, fromMs: number, toMs: number, desc: boolean) =>
    bars.bars(symbol, tf, fromMs, toMs, desc, nowMs);
}

export interface Page<T> {
  readonly bySymbol: Map<string, T[]>;
  /** Resume point of the next page, or null. */
  readonly next: { symbol: string; t: number } | null;
}

/**
 * One page over `symbols` (sorted): items of the first symbol, then the next, up to `limit` in
 * total. `token` resumes at a symbol and time (inclusive).
 */
export function paginate<T extends { t: number }>(
  symbols: readonly string[],
  source: ItemSource<T>,
  range: Range,
  desc: boolean,
  limit: number,
  token: { symbol: string; t: number } | undefined,
): Page<T> {
  const bySymbol = new Map<string, T[]>();
  let left = limit;
  for (const symbol of symbols) {
    if (token && symbol < token.symbol) continue;
    let from = range.startMs;
    let to = range.endMs;
    if (token && symbol === token.symbol) {
      if (desc) to = Math.min(to, token.t);
      else from = Math.max(from, token.t);
    }
    if (from > to) continue;
    const it = source(symbol, from, to, desc);
    const items: T[] = [];
    for (let r = it.next(); !r.done; r = it.next()) {
      if (left === 0) {
        if (items.length > 0) bySymbol.set(symbol, items);
        return { bySymbol, next: { symbol, t: r.value.t } };
      }
      items.push(r.value);
      left--;
    }
    if (items.length > 0) bySymbol.set(symbol, items);
    if (left === 0) {
      // Is there anything after this page? Peek into the following symbols.
      const rest = symbols.slice(symbols.indexOf(symbol) + 1);
      for (const s of rest) {
        const first = source(s, range.startMs, range.endMs, desc).next();
        if (!first.done) return { bySymbol, next: { symbol: s, t: first.value.t } };
      }
      return { bySymbol, next: null };
    }
  }
  return { bySymbol, next: null };
}
