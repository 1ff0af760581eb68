/** `/v2/clock` and `/v2/calendar` from the simulated clock and the NYSE calendar. */
import { addDays, easternDate, nextTradingDay, tradingDays } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import { unprocessable } from "../sim-error.js";
import { ok, queryDate, type SimContext } from "./context.js";
import { ts } from "./wire.js";

export function registerClockRoutes(router: SimRouter, ctx: SimContext): void {
  const { clock } = ctx;

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
