/**
 * Option market data for OCC symbols, priced off the underlying (see options.ts):
 * `/v1beta1/options/bars`, `/trades`, `/trades/latest`, `/quotes/latest`, `/snapshots` and
 * `/snapshots/:underlying_symbol` (a generated chain of four weekly expirations × 21 strikes).
 */

import { easternDate } from "../calendar.js";
import type { SimRequest, SimResponse, SimRouter } from "../contract.js";
import { barItems, type ItemSource, paginate, tradesOf } from "./history.js";
import { createMarketData, type MarketData } from "./market-data.js";
import { OCC_RE, type OccSymbol, type OptionPricer, optionChain, parseOcc } from "./options.js";
import {
  decodeToken,
  encodeToken,
  ParamError,
  parseFeed,
  parseLimit,
  parseRange,
  parseSort,
  parseSymbol,
  parseSymbols,
  parseTimeframeParam,
  wrap,
} from "./params.js";
import { midnightOf } from "./sessions.js";
import type { TapeTrade } from "./tape.js";
import { wireBar, wireQuote, wireTrade } from "./wire.js";

const OPTION_FEEDS = ["indicative", "opra"] as const;

function occList(q: URLSearchParams): OccSymbol[] {
  return parseSymbols(q, OCC_RE).map((s) => {
    const o = parseOcc(s);
    if (!o) throw new ParamError(400, `invalid symbols: ${JSON.stringify(s)} is not an OCC option symbol`);
    return o;
  });
}

/** Option trades: OCC-style trades carry no tape, id or `z`. */
const optionTrade = (tr: TapeTrade) => {
  const w = wireTrade(tr);
  return { t: w.t, x: w.x, p: w.p, s: w.s, c: "I" };
};
const optionQuote = (q: ReturnType<MarketData["tape"]["quoteInSecond"]>) => {
  const w = wireQuote(q);
  return { t: w.t, ax: w.ax, ap: w.ap, as: w.as, bx: w.bx, bp: w.bp, bs: w.bs, c: "A" };
};

export function registerOptionRoutes(
  router: SimRouter,
  deps: { pricer: OptionPricer; md: MarketData },
): void {
  const { pricer } = deps;
  const om = createMarketData({ prices: pricer, clock: deps.md.clock });
  const { clock } = om;

  function history(kind: "bars" | "trades", req: SimRequest): SimResponse {
    const q = req.query;
    const symbols = occList(q).map((o) => o.symbol);
    const tf = kind === "bars" ? parseTimeframeParam(q) : undefined;
    parseFeed(q, OPTION_FEEDS);
    const limit = parseLimit(q);
    const desc = parseSort(q);
    const token = decodeToken(q);
    const now = clock.now();
    const range = parseRange(q, now, midnightOf(easternDate(now)));
    let body: Record<string, unknown[]>;
    let next: { symbol: string; t: number } | null;
    if (tf) {
      const p = paginate(symbols, barItems(om.bars, tf, now), range, desc, limit, token);
      body = Object.fromEntries([...p.bySymbol].map(([s, v]) => [s, v.map(wireBar)]));
      next = p.next;
    } else {
      const src: ItemSource<TapeTrade> = (s, f, t, d) => tradesOf(om.tape, s, f, t, d);
      const p = paginate(symbols, src, range, desc, limit, token);
      body = Object.fromEntries([...p.bySymbol].map(([s, v]) => [s, v.map(optionTrade)]));
      next = p.next;
    }
    return {
      status: 200,
      body: { [kind]: body, next_page_token: next ? encodeToken(next.symbol, next.t) : null },
    };
  }

  function snapshot(o: OccSymbol): Record<string, unknown> {
    const s = om.latest.snapshot(o.symbol);
    const v = pricer.value(o, om.latest.effectiveNow(o.symbol));
    return {
      latestTrade: optionTrade(s.latestTrade),
      latestQuote: optionQuote(s.latestQuote),
      minuteBar: s.minuteBar ? wireBar(s.minuteBar) : null,
      dailyBar: s.dailyBar ? wireBar(s.dailyBar) : null,
      prevDailyBar: s.prevDailyBar ? wireBar(s.prevDailyBar) : null,
      greeks: { delta: v.delta, gamma: v.gamma, rho: v.rho, theta: v.theta, vega: v.vega },
      impliedVolatility: v.iv,
    };
  }

  function snapshotPage(list: OccSymbol[], q: URLSearchParams): SimResponse {
    const limit = parseLimit(q, 100, 1000);
    const raw = q.get("page_token");
    const startAt = raw ? Buffer.from(raw, "base64url").toString("utf8") : "";
    const rest = list.filter((o) => o.symbol >= startAt);
    const page = rest.slice(0, limit);
    const nextSym = rest[limit]?.symbol;
    return {
      status: 200,
      body: {
        snapshots: Object.fromEntries(page.map((o) => [o.symbol, snapshot(o)])),
        next_page_token: nextSym ? Buffer.from(nextSym).toString("base64url") : null,
      },
    };
  }

  router.add(
    "GET",
    "/v1beta1/options/bars",
    wrap((req) => history("bars", req)),
  );
  router.add(
    "GET",
    "/v1beta1/options/trades",
    wrap((req) => history("trades", req)),
  );
  router.add(
    "GET",
    "/v1beta1/options/trades/latest",
    wrap((req) => {
      parseFeed(req.query, OPTION_FEEDS);
      const trades = Object.fromEntries(
        occList(req.query).map((o) => [o.symbol, optionTrade(om.latest.trade(o.symbol))]),
      );
      return { status: 200, body: { trades } };
    }),
  );
  router.add(
    "GET",
    "/v1beta1/options/quotes/latest",
    wrap((req) => {
      parseFeed(req.query, OPTION_FEEDS);
      const quotes = Object.fromEntries(
        occList(req.query).map((o) => [o.symbol, optionQuote(om.latest.quote(o.symbol))]),
      );
      return { status: 200, body: { quotes } };
    }),
  );
  router.add(
    "GET",
    "/v1beta1/options/snapshots",
    wrap((req) => {
      parseFeed(req.query, OPTION_FEEDS);
      return snapshotPage(occList(req.query), req.query);
    }),
  );
  router.add(
    "GET",
    "/v1beta1/options/snapshots/:underlying_symbol",
    wrap((req) => {
      const q = req.query;
      const underlying = parseSymbol("underlying_symbol", req.params.underlying_symbol ?? "");
      if (!deps.md.isKnown(underlying))
        return { status: 200, body: { snapshots: {}, next_page_token: null } };
      parseFeed(q, OPTION_FEEDS);
      const now = clock.now();
      const type = q.get("type");
      if (type !== null && type !== "" && type !== "call" && type !== "put")
        throw new ParamError(400, `invalid type: ${JSON.stringify(type)}`);
      const exp = q.get("expiration_date");
      let chain = optionChain(underlying, deps.md.prices.priceAt(underlying, now), now);
      if (type) chain = chain.filter((o) => o.type === type);
      if (exp) chain = chain.filter((o) => o.expiration === exp);
      return snapshotPage(chain, q);
    }),
  );
}
