/**
 * "Latest" views — latest trade, quote and minute bar, and snapshots — shared by the stock and
 * option routes. When the clock says the market is open (or for `FAKEPACA`) "latest" is now;
 * otherwise bars refer to the end of the symbol's last regular session, and trades and quotes
 * to now during pre-market and after-hours or the end of the last extended session.
 */

import { addDays, isExtendedSessionOpen } from "../calendar.js";
import type { SimClock } from "../contract.js";
import type { Bar, BarSource } from "./bars.js";
import { parseOcc } from "./options.js";
import { lastSessionAtOrBefore, type Session, sessionOf, tradesAroundTheClock } from "./sessions.js";
import type { Tape, TapeQuote, TapeTrade } from "./tape.js";

export interface Snapshot {
  readonly latestTrade: TapeTrade;
  readonly latestQuote: TapeQuote;
  readonly minuteBar: Bar | undefined;
  readonly dailyBar: Bar | undefined;
  readonly prevDailyBar: Bar | undefined;
}

export interface LatestView {
  /** The instant "latest" bars refer to for a symbol (regular session). */
  effectiveNow(symbol: string): number;
  /** The instant the latest trade and quote refer to (extended session). */
  tapeNow(symbol: string): number;
  trade(symbol: string): TapeTrade;
  quote(symbol: string): TapeQuote;
  minuteBar(symbol: string): Bar | undefined;
  snapshot(symbol: string): Snapshot;
}

export function createLatestView(deps: { tape: Tape; bars: BarSource; clock: SimClock }): LatestView {
  const { tape, bars, clock } = deps;

  /**
   * Closed (by the calendar, or forced closed inside a session): the end of the last regular
   * session that ended, so latest bars hold still while the market is closed, like the tape below.
   */
  function effectiveNow(symbol: string): number {
    const now = clock.now();
    if (tradesAroundTheClock(symbol) || clock.isOpen(now)) return now;
    const s = lastSessionEndedBy(symbol, now, false);
    return s ? s.closeMs - 1 : now;
  }

  /**
   * The instant the latest trade and quote refer to: the tape trades through the extended session
   * (pre-market and after-hours too), so outside it "latest" is the end of the last extended session.
   */
  function tapeNow(symbol: string): number {
    const now = clock.now();
    if (tradesAroundTheClock(symbol) || clock.isOpen(now)) return now;
    if (parseOcc(symbol) !== undefined) return effectiveNow(symbol); // options: regular session only
    const extendedOpen = clock.isExtendedOpen ? clock.isExtendedOpen(now) : isExtendedSessionOpen(now);
    if (extendedOpen) return now;
    // closed (by the calendar, or forced closed inside a session): the last session that ended
    const s = lastSessionEndedBy(symbol, now, true);
    return s ? s.closeMs - 1 : now;
  }

  /** The last (regular or extended) session of `symbol` that had closed by `atMs`. */
  function lastSessionEndedBy(symbol: string, atMs: number, extended: boolean): Session | undefined {
    let s = lastSessionAtOrBefore(symbol, atMs, extended);
    for (let i = 0; s && s.closeMs > atMs && i < 30; i++)
      s = lastSessionAtOrBefore(symbol, s.openMs - 1, extended);
    return s;
  }

  function minuteBar(symbol: string): Bar | undefined {
    const at = effectiveNow(symbol);
    const m = Math.floor(at / 60_000);
    return bars.minuteBar(symbol, m, at) ?? bars.minuteBar(symbol, m - 1, at);
  }

  function previousSession(symbol: string, s: Session): Session | undefined {
    let d = addDays(s.date, -1);
    for (let i = 0; i < 30; i++, d = addDays(d, -1)) {
      const p = sessionOf(symbol, d);
      if (p) return p;
    }
    return undefined;
  }

  return {
    effectiveNow,
    tapeNow,
    trade: (symbol) => tape.lastTradeAtOrBefore(symbol, tapeNow(symbol)),
    quote: (symbol) => tape.lastQuoteAtOrBefore(symbol, tapeNow(symbol)),
    minuteBar,
    snapshot(symbol) {
      const at = effectiveNow(symbol);
      const session = lastSessionAtOrBefore(symbol, at);
      const prev = session ? previousSession(symbol, session) : undefined;
      const tapeAt = tapeNow(symbol);
      return {
        latestTrade: tape.lastTradeAtOrBefore(symbol, tapeAt),
        latestQuote: tape.lastQuoteAtOrBefore(symbol, tapeAt),
        minuteBar: minuteBar(symbol),
        dailyBar: session ? bars.dailyBar(symbol, session, at) : undefined,
        prevDailyBar: prev ? bars.dailyBar(symbol, prev, at) : undefined,
      };
    },
  };
}
