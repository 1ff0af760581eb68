/**
 * `/v1/corporate-actions` on the data host: the simulated cash dividends (corporate-actions.ts)
 * by `symbols`, `cusips`, `ids`, `types`, `start`/`end` (ex-date, default today), `sort`, `limit`
 * (≤ 1000) and `page_token`. Other action types exist in the schema and are always empty here.
 */
import { easternDate } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import type { CorporateActions, Dividend } from "./corporate-actions.js";
import type { MarketData } from "./market-data.js";
import { ParamError, parseLimit, wrap } from "./params.js";

const TYPES = new Set([
  "reverse_split",
  "forward_split",
  "unit_split",
  "cash_dividend",
  "stock_dividend",
  "spin_off",
  "cash_merger",
  "stock_merger",
  "stock_and_cash_merger",
  "redemption",
  "name_change",
  "worthless_removal",
  "rights_distribution",
  "partial_call",
  "reorganization",
]);

const list = (q: URLSearchParams, name: string): string[] | undefined => {
  const raw = q.get(name);
  return raw === null || raw === ""
    ? undefined
    : raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
};

function date(q: URLSearchParams, name: string, def: string): string {
  const raw = q.get(name);
  if (raw === null || raw === "") return def;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw)))
    throw new ParamError(400, `invalid ${name}: expected YYYY-MM-DD, got ${JSON.stringify(raw)}`);
  return raw;
}

export const cashDividendWire = (d: Dividend) => ({
  id: d.id,
  symbol: d.symbol,
  cusip: d.cusip,
  rate: d.rate,
  special: false,
  foreign: false,
  process_date: d.payableDate,
  ex_date: d.exDate,
  record_date: d.recordDate,
  payable_date: d.payableDate,
});

export function registerCorporateActionDataRoutes(
  router: SimRouter,
  md: MarketData,
  ca: CorporateActions,
): void {
  router.add(
    "GET",
    "/v1/corporate-actions",
    wrap((req) => {
      const q = req.query;
      const today = easternDate(md.clock.now());
      const start = date(q, "start", today);
      const end = date(q, "end", today);
      if (end < start) throw new ParamError(422, "invalid end: end is before start");
      const types = list(q, "types");
      for (const t of types ?? [])
        if (!TYPES.has(t)) throw new ParamError(400, `invalid types: ${JSON.stringify(t)}`);
      const limit = parseLimit(q, 100, 1000);
      const sort = q.get("sort") || "asc";
      if (sort !== "asc" && sort !== "desc")
        throw new ParamError(400, `invalid sort: ${JSON.stringify(sort)}`);
      const symbols = list(q, "symbols");
      const cusips = list(q, "cusips");
      const ids = list(q, "ids");
      let offset = 0;
      const token = q.get("page_token");
      if (token) {
        offset = Number(Buffer.from(token, "base64url").toString("utf8"));
        if (!Number.isSafeInteger(offset) || offset < 0) throw new ParamError(400, "invalid page_token");
      }
      let all =
        types !== undefined && !types.includes("cash_dividend")
          ? []
          : ca.dividends(
              start,
              end,
              symbols?.filter((s) => md.isKnown(s)),
            );
      if (cusips) all = all.filter((d) => cusips.includes(d.cusip));
      if (ids) all = all.filter((d) => ids.includes(d.id));
      if (sort === "desc") all.reverse();
      const page = all.slice(offset, offset + limit);
      const next =
        offset + limit < all.length ? Buffer.from(String(offset + limit)).toString("base64url") : null;
      return {
        status: 200,
        body: {
          corporate_actions: page.length > 0 ? { cash_dividends: page.map(cashDividendWire) } : {},
          next_page_token: next,
        },
      };
    }),
  );
}
