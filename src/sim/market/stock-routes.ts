/**
 * Market-data REST for stocks: historical bars/trades/quotes (multi-symbol and single), latest
 * bars/trades/quotes, and snapshots. Shapes follow Alpaca: multi-symbol bodies key by symbol
 * (`{"bars":{"AAPL":[…]},"next_page_token":null}`), single-symbol ones carry `symbol`; the limit
 * (default 1000, at most 10,000) counts across all symbols of a page.
 */

import { easternDate } from "../calendar.js";
import type { SimRequest, SimResponse, SimRouter } from "../contract.js";
import { barItems, type ItemSource, paginate, quotesOf, tradesOf } from "./history.js";
import type { MarketData } from "./market-data.js";
import {
  checkPassive,
  decodeToken,
  encodeToken,
  errorResponse,
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
import { wireBar, wireQuote, wireTrade } from "./wire.js";

type Kind = "bars" | "trades" | "quotes";
const SINGULAR: Readonly<Record<Kind, "bar" | "trade" | "quote">> = {
  bars: "bar",
  trades: "trade",
  quotes: "quote",
};

const STOCK_FEEDS = ["iex", "sip", "otc", "boats", "delayed_sip"] as const;

function withCurrency(q: URLSearchParams, body: Record<string, unknown>): Record<string, unknown> {
  const cur = q.get("currency");
  if (cur) body.currency = cur;
  return body;
}

export function registerStockRoutes(router: SimRouter, md: MarketData): void {
  const { tape, bars, latest, clock } = md;

  function history(kind: Kind, req: SimRequest, single: string | undefined): SimResponse {
    const q = req.query;
    const symbols = single === undefined ? parseSymbols(q) : [parseSymbol("symbol", single)];
    const tf = kind === "bars" ? parseTimeframeParam(q) : undefined;
    parseFeed(q, STOCK_FEEDS);
    checkPassive(q);
    const limit = parseLimit(q);
    const desc = parseSort(q);
    const token = decodeToken(q);
    const now = clock.now();
    const range = parseRange(q, now, midnightOf(easternDate(now)));
    const known = symbols.filter((s) => md.isKnown(s));
    let page: { bySymbol: Map<string, unknown[]>; next: { symbol: string; t: number } | null };
    if (tf) {
      const p = paginate(known, barItems(bars, tf, now), range, desc, limit, token);
      page = { bySymbol: mapValues(p.bySymbol, wireBar), next: p.next };
    } else if (kind === "trades") {
      const src: ItemSource<ReturnType<typeof tape.tradesInMinute>[number]> = (s, f, t, d) =>
        tradesOf(tape, s, f, t, d, true);
      const p = paginate(known, src, range, desc, limit, token);
      page = { bySymbol: mapValues(p.bySymbol, wireTrade), next: p.next };
    } else {
      const src: ItemSource<ReturnType<typeof tape.quoteInSecond>> = (s, f, t, d) =>
        quotesOf(tape, s, f, t, d, true);
      const p = paginate(known, src, range, desc, limit, token);
      page = { bySymbol: mapValues(p.bySymbol, wireQuote), next: p.next };
    }
    const next = page.next ? encodeToken(page.next.symbol, page.next.t) : null;
    if (single !== undefined) {
      const items = page.bySymbol.get(single) ?? [];
      return { status: 200, body: withCurrency(q, { [kind]: items, symbol: single, next_page_token: next }) };
    }
    return {
      status: 200,
      body: withCurrency(q, { [kind]: Object.fromEntries(page.bySymbol), next_page_token: next }),
    };
  }

  function latestOne(kind: Kind, symbol: string): unknown {
    if (kind === "trades") return wireTrade(latest.trade(symbol));
    if (kind === "quotes") return wireQuote(latest.quote(symbol));
    const bar = latest.minuteBar(symbol);
    return bar ? wireBar(bar) : undefined;
  }

  function latestMulti(kind: Kind, req: SimRequest): SimResponse {
    const symbols = parseSymbols(req.query);
    parseFeed(req.query, STOCK_FEEDS);
    checkPassive(req.query);
    const out: Record<string, unknown> = {};
    for (const s of symbols) {
      if (!md.isKnown(s)) continue;
      const v = latestOne(kind, s);
      if (v !== undefined) out[s] = v;
    }
    return { status: 200, body: withCurrency(req.query, { [kind]: out }) };
  }

  function latestSingle(kind: Kind, req: SimRequest): SimResponse {
    const symbol = parseSymbol("symbol", req.params.symbol ?? "");
    parseFeed(req.query, STOCK_FEEDS);
    checkPassive(req.query);
    const v = md.isKnown(symbol) ? latestOne(kind, symbol) : undefined;
    if (v === undefined) return errorResponse(404, `symbol: no ${SINGULAR[kind]} found for ${symbol}`);
    return { status: 200, body: withCurrency(req.query, { symbol, [SINGULAR[kind]]: v }) };
  }

  function snapshotBody(symbol: string): Record<string, unknown> {
    const s = latest.snapshot(symbol);
    return {
      latestTrade: wireTrade(s.latestTrade),
      latestQuote: wireQuote(s.latestQuote),
      minuteBar: s.minuteBar ? wireBar(s.minuteBar) : null,
      dailyBar: s.dailyBar ? wireBar(s.dailyBar) : null,
      prevDailyBar: s.prevDailyBar ? wireBar(s.prevDailyBar) : null,
    };
  }

  for (const kind of ["bars", "trades", "quotes"] as const) {
    router.add(
      "GET",
      `/v2/stocks/${kind}`,
      wrap((req) => history(kind, req, undefined)),
    );
    router.add(
      "GET",
      `/v2/stocks/${kind}/latest`,
      wrap((req) => latestMulti(kind, req)),
    );
    router.add(
      "GET",
      `/v2/stocks/:symbol/${kind}`,
      wrap((req) => history(kind, req, req.params.symbol ?? "")),
    );
    router.add(
      "GET",
      `/v2/stocks/:symbol/${kind}/latest`,
      wrap((req) => latestSingle(kind, req)),
    );
  }
  router.add(
    "GET",
    "/v2/stocks/snapshots",
    wrap((req) => {
      const symbols = parseSymbols(req.query);
      parseFeed(req.query, STOCK_FEEDS);
      checkPassive(req.query);
      const out: Record<string, unknown> = {};
      for (const s of symbols) if (md.isKnown(s)) out[s] = snapshotBody(s);
      return { status: 200, body: out };
    }),
  );
  router.add(
    "GET",
    "/v2/stocks/:symbol/snapshot",
    wrap((req) => {
      const symbol = parseSymbol("symbol", req.params.symbol ?? "");
      parseFeed(req.query, STOCK_FEEDS);
      checkPassive(req.query);
      if (!md.isKnown(symbol)) return errorResponse(404, `symbol: no snapshot found for ${symbol}`);
      return { status: 200, body: withCurrency(req.query, { symbol, ...snapshotBody(symbol) }) };
    }),
  );
}

function mapValues<A, B>(m: Map<string, A[]>, f: (a: A) => B): Map<string, B[]> {
  const out = new Map<string, B[]>();
  for (const [k, v] of m) out.set(k, v.map(f));
  return out;
}
