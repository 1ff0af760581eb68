/**
 * When a symbol trades, for market-data history: the NYSE regular session (09:30–16:00 New York,
 * 13:00 on early closes, none on weekends and holidays) from the simulator's calendar; the test
 * symbol `FAKEPACA` and crypto pairs trade around the clock (one "session" per New York calendar day).
 */
import { addDays, easternDate, easternToUtc, tradingDay } from "../calendar.js";
import { isCryptoSymbol } from "./crypto-pairs.js";

export const ALWAYS_OPEN_SYMBOL = "FAKEPACA";

/** Symbols that trade around the clock: the test symbol and every crypto pair. */
export const tradesAroundTheClock = (symbol: string): boolean =>
  symbol === ALWAYS_OPEN_SYMBOL || isCryptoSymbol(symbol);

export interface Session {
  /** New York date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly openMs: number;
  readonly closeMs: number;
  /** New York midnight of the date (daily bars are stamped with it). */
  readonly midnightMs: number;
}

const parse = (date: string): [number, number, number] => {
  const [y, m, d] = date.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
};

export function midnightOf(date: string): number {
  const [y, m, d] = parse(date);
  return easternToUtc(y, m, d, 0, 0);
}

/**
 * The trading session of a symbol on a New York date, or undefined when it does not trade.
 * `extended`: the whole 04:00–20:00 session (pre-market, regular, after-hours), which the tape's
 * trades and quotes cover; bars keep to the regular session.
 */
export function sessionOf(symbol: string, date: string, extended = false): Session | undefined {
  if (tradesAroundTheClock(symbol)) {
    return {
      date,
      openMs: midnightOf(date),
      closeMs: midnightOf(addDays(date, 1)),
      midnightMs: midnightOf(date),
    };
  }
  const td = tradingDay(date);
  if (!td) return undefined;
  return extended
    ? { date, openMs: td.sessionOpenMs, closeMs: td.sessionCloseMs, midnightMs: midnightOf(date) }
    : { date, openMs: td.openMs, closeMs: td.closeMs, midnightMs: midnightOf(date) };
}

/** Whether a symbol's history has trading at an instant. */
export function isTradingAt(symbol: string, atMs: number): boolean {
  const s = sessionOf(symbol, easternDate(atMs));
  return s !== undefined && atMs >= s.openMs && atMs < s.closeMs;
}

/** Sessions whose [open, close) intersects [fromMs, toMs], ascending or descending. */
export function* sessionsBetween(
  symbol: string,
  fromMs: number,
  toMs: number,
  desc: boolean,
  extended = false,
): Generator<Session> {
  const first = easternDate(fromMs);
  const last = easternDate(toMs);
  if (first > last) return;
  for (let d = desc ? last : first; desc ? d >= first : d <= last; d = addDays(d, desc ? -1 : 1)) {
    const s = sessionOf(symbol, d, extended);
    if (s && s.closeMs > fromMs && s.openMs <= toMs) yield s;
  }
}

/** The latest session that opened at or before `atMs` (searching back up to 30 days). */
export function lastSessionAtOrBefore(symbol: string, atMs: number, extended = false): Session | undefined {
  let d = easternDate(atMs);
  for (let i = 0; i < 30; i++, d = addDays(d, -1)) {
    const s = sessionOf(symbol, d, extended);
    if (s && s.openMs <= atMs) return s;
  }
  return undefined;
}
