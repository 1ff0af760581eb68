/**
 * `/v2/corporate_actions/announcements` and `/…/{id}` on the trading host: the simulated cash
 * dividends as Alpaca's announcements. `ca_types`, `since` and `until` are required and at most
 * 90 days apart; `date_type` picks which date the range applies to (default ex_date).
 */

import { easternDate } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import type { CorporateActions, Dividend } from "../market/corporate-actions.js";
import { notFound, unprocessable } from "../sim-error.js";
import { ok, queryDate, type SimContext } from "./context.js";

const CA_TYPES = new Set(["dividend", "merger", "spinoff", "split"]);
const DATE_TYPES = {
  declaration_date: "declarationDate",
  ex_date: "exDate",
  record_date: "recordDate",
  payable_date: "payableDate",
} as const;

const announcement = (d: Dividend) => ({
  id: d.id,
  corporate_action_id: `${d.cusip}_${d.exDate.replaceAll("-", "")}`,
  ca_type: "dividend",
  ca_sub_type: "cash",
  initiating_symbol: d.symbol,
  initiating_original_cusip: d.cusip,
  target_symbol: d.symbol,
  target_original_cusip: d.cusip,
  declaration_date: d.declarationDate,
  ex_date: d.exDate,
  record_date: d.recordDate,
  payable_date: d.payableDate,
  cash: String(d.rate),
  old_rate: "1",
  new_rate: "1",
});

export function registerCorporateActionRoutes(
  router: SimRouter,
  ctx: SimContext,
  ca: CorporateActions,
): void {
  router.add("GET", "/v2/corporate_actions/announcements", (req) => {
    const q = req.query;
    const typesRaw = q.get("ca_types");
    if (!typesRaw) throw unprocessable("ca_types is required (dividend, merger, spinoff, split)");
    const types = typesRaw.split(",").map((t) => t.trim().toLowerCase());
    for (const t of types)
      if (!CA_TYPES.has(t)) throw unprocessable(`ca_types: invalid value ${JSON.stringify(t)}`);
    const since = queryDate(q, "since");
    const until = queryDate(q, "until");
    if (since === undefined || until === undefined)
      throw unprocessable("since and until are required (YYYY-MM-DD)");
    if (until < since) throw unprocessable("until must not be before since");
    if (Date.parse(until) - Date.parse(since) > 90 * 86_400_000)
      throw unprocessable("since and until must be at most 90 days apart");
    const dateType = (q.get("date_type") || "ex_date") as keyof typeof DATE_TYPES;
    if (!(dateType in DATE_TYPES))
      throw unprocessable(`date_type: invalid value ${JSON.stringify(dateType)}`);
    if (!types.includes("dividend")) return ok([]);
    const symbol = q.get("symbol");
    const cusip = q.get("cusip");
    const symbols = symbol
      ? [ctx.universe.find(symbol)?.symbol ?? symbol.toUpperCase()]
      : ctx.universe.assets.map((a) => a.symbol);
    const found = ca
      .dividends(since, until, symbols, DATE_TYPES[dateType])
      .filter((d) => !cusip || d.cusip === cusip);
    return ok(found.map(announcement));
  });

  router.add("GET", "/v2/corporate_actions/announcements/:id", (req) => {
    const d = ca.byId(req.params.id ?? "", easternDate(ctx.clock.now()));
    if (!d) throw notFound("corporate action announcement not found");
    return ok(announcement(d));
  });
}
