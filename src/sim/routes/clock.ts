/** `/v2/clock` and `/v2/calendar` from the simulated clock and the NYSE calendar. */
import {
  addDays,
  easternDate,
  nextTradingDay,
  type TradingDay,
  tradingDay,
  tradingDays,
} from "../calendar.js";
import type { SimRouter } from "../contract.js";
import { notFound, unprocessable } from "../sim-error.js";
import { ok, queryDate, queryTime, type SimContext } from "./context.js";
import { ts } from "./wire.js";

/** US equity venues the simulator models; all follow the NYSE calendar. */
const MARKETS: Readonly<Record<string, { acronym: string; mic: string; name: string }>> = {
  NYSE: { acronym: "NYSE", mic: "XNYS", name: "New York Stock Exchange" },
  NASDAQ: { acronym: "NASDAQ", mic: "XNAS", name: "Nasdaq Stock Market" },
};

function market(name: string): { acronym: string; mic: string; name: string; timezone: string } {
  const m = MARKETS[name.toUpperCase()];
  if (!m)
    throw notFound(`market: unknown market ${JSON.stringify(name)} (the simulator models NYSE and NASDAQ)`);
  return { ...m, timezone: "America/New_York" };
}

/** The session phase at an instant and when it ends (`/v3/clock`). */
function phaseAt(now: number, forced: boolean | undefined): { phase: string; until: number } {
  const today = easternDate(now);
  const td = tradingDay(today);
  const next = (): TradingDay => nextTradingDay(today);
  if (forced === true) return { phase: "core", until: td && now < td.closeMs ? td.closeMs : next().closeMs };
  if (forced === false) return { phase: "closed", until: next().sessionOpenMs };
  if (!td || now >= td.sessionCloseMs) return { phase: "closed", until: next().sessionOpenMs };
  if (now < td.sessionOpenMs) return { phase: "closed", until: td.sessionOpenMs };
  if (now < td.openMs) return { phase: "pre", until: td.openMs };
  if (now < td.closeMs) return { phase: "core", until: td.closeMs };
  return { phase: "post", until: td.sessionCloseMs };
}

export function registerClockRoutes(router: SimRouter, ctx: SimContext): void {
  const { clock } = ctx;

  router.add("GET", "/v3/clock", (req) => {
    const at = queryTime(req.query, "time") ?? clock.now();
    const names = (req.query.get("markets") ?? "NYSE").split(",").filter(Boolean);
    const forced = queryTime(req.query, "time") === undefined ? clock.forced : undefined;
    const { nextOpen, nextClose } = clock.nextOpenClose(at);
    const { phase, until } = phaseAt(at, forced);
    return ok({
      clocks: names.map((n) => ({
        market: market(n),
        timestamp: ts(at),
        is_market_day: tradingDay(easternDate(at)) !== undefined,
        next_market_open: ts(nextOpen),
        next_market_close: ts(nextClose),
        phase,
        phase_until: ts(until),
      })),
    });
  });

  router.add("GET", "/v3/calendar/:market", (req) => {
    const m = market(req.params.market ?? "");
    const today = easternDate(clock.now());
    const start = queryDate(req.query, "start") ?? today;
    const end = queryDate(req.query, "end") ?? addDays(start, 30);
    if (end < start) throw unprocessable("end: must not be before start");
    if (start < "1970-01-01" || end > "2099-12-31") throw unprocessable("start/end: out of range");
    return ok({
      market: m,
      calendar: tradingDays(start, end).map((d) => ({
        date: d.date,
        pre_start: ts(d.sessionOpenMs),
        pre_end: ts(d.openMs),
        core_start: ts(d.openMs),
        core_end: ts(d.closeMs),
        post_start: ts(d.closeMs),
        post_end: ts(d.sessionCloseMs),
        settlement_date: nextTradingDay(d.date).date,
      })),
    });
  });

  router.add("GET", "/v2/clock", () => {
    const now = clock.now();
    const { nextOpen, nextClose } = clock.nextOpenClose(now);
    return ok({
      timestamp: ts(now),
      is_open: clock.isOpen(now),
      next_open: ts(nextOpen),
      next_close: ts(nextClose),
    });
  });

  router.add("GET", "/v2/calendar", (req) => {
    const today = easternDate(clock.now());
    const start = queryDate(req.query, "start") ?? today;
    const end = queryDate(req.query, "end") ?? addDays(start, 365);
    if (end < start) throw unprocessable("end: must not be before start");
    if (start < "1970-01-01" || end > "2099-12-31") throw unprocessable("start/end: out of range");
    return ok(
      tradingDays(start, end).map((d) => ({
        date: d.date,
        open: d.open,
        close: d.close,
        session_open: "0400",
        session_close: d.earlyClose ? "1700" : "2000",
        settlement_date: nextTradingDay(d.date).date,
      })),
    );
  });
}
