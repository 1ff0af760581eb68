/**
 * The market-data endpoints Paddock serves, classified from the path: which data,
 * one symbol or many, history or latest values, and whether a multi-symbol answer
 * can be split into per-symbol cache entries.
 */
import type { SymbolKind } from "./values.js";

/** The feed family (which feeds an account may use); endpoints without a feed count as stocks. */
export type Family = "stocks" | "options";
export type DataKind =
  | "bars"
  | "trades"
  | "quotes"
  | "snapshots"
  | "chain"
  | "orderbooks"
  | "auctions"
  | "news"
  | "screener"
  | "corporate_actions"
  | "meta"
  | "rates"
  | "values"
  | "prices"
  | "pricing";
export type Temporal = "history" | "latest";

export interface Endpoint {
  /** Stable name for metrics, e.g. `stocks.bars.multi`. */
  readonly name: string;
  readonly family: Family;
  readonly data: DataKind;
  readonly temporal: Temporal;
  /** The symbol of single-symbol paths (or the underlying of an option chain). */
  readonly symbol?: string;
  /** True when `symbols` is a required query parameter. */
  readonly multi: boolean;
  /**
   * Per-symbol split: where the symbol map lives in the answer (`null` = the top-level object
   * is the map). Undefined when the answer is cached whole.
   */
  readonly split?: { readonly mapField: string | null };
  /** Query parameters accepted (anything else is refused). */
  readonly params: ReadonlySet<string>;
  /** Kind of symbol in `symbols` (default: stock, or option for option data). */
  readonly symbolKind?: SymbolKind;
  /** Query parameters that must be given besides `symbols` (e.g. `tape`). */
  readonly required?: ReadonlySet<string>;
  /** Largest `limit` (default 10,000). */
  readonly maxLimit?: number;
}

const STOCK_HISTORY = ["start", "end", "limit", "page_token", "asof", "feed", "sort", "currency"];
const STOCK_LATEST = ["feed", "currency"];
const SERIES = new Set(["bars", "trades", "quotes"]);
const AUCTION_PARAMS = ["start", "end", "limit", "asof", "feed", "currency", "page_token", "sort"];

const params = (...names: string[]): ReadonlySet<string> => new Set(names);

function stockHistory(data: "bars" | "trades" | "quotes", symbol?: string): Endpoint {
  const names = [...STOCK_HISTORY, ...(data === "bars" ? ["timeframe", "adjustment"] : [])];
  return {
    name: `stocks.${data}.${symbol === undefined ? "multi" : "single"}`,
    family: "stocks",
    data,
    temporal: "history",
    multi: symbol === undefined,
    ...(symbol === undefined
      ? { params: params("symbols", ...names) }
      : { symbol, params: params(...names) }),
  };
}

function stockLatest(data: "bars" | "trades" | "quotes", symbol?: string): Endpoint {
  if (symbol !== undefined) {
    return {
      name: `stocks.${data}.latest.single`,
      family: "stocks",
      data,
      temporal: "latest",
      multi: false,
      symbol,
      params: params(...STOCK_LATEST),
    };
  }
  return {
    name: `stocks.${data}.latest.multi`,
    family: "stocks",
    data,
    temporal: "latest",
    multi: true,
    split: { mapField: data },
    params: params("symbols", ...STOCK_LATEST),
  };
}

function stockExtras(segs: readonly string[]): Endpoint | undefined {
  const [a, b, c, extra] = segs;
  if (extra !== undefined) return undefined;
  if (a === "auctions" && b === undefined) {
    return {
      name: "stocks.auctions.multi",
      family: "stocks",
      data: "auctions",
      temporal: "history",
      multi: true,
      params: params("symbols", ...AUCTION_PARAMS),
    };
  }
  if (b === "auctions" && a !== undefined && c === undefined && a !== "meta") {
    return {
      name: "stocks.auctions.single",
      family: "stocks",
      data: "auctions",
      temporal: "history",
      multi: false,
      symbol: a,
      params: params(...AUCTION_PARAMS),
    };
  }
  if (a === "meta" && b === "exchanges" && c === undefined) return meta("stocks.meta.exchanges");
  if (a === "meta" && b === "conditions" && (c === "trade" || c === "quote")) {
    return { ...meta(`stocks.meta.conditions.${c}`, "tape"), required: params("tape") };
  }
  return undefined;
}

function meta(name: string, ...names: string[]): Endpoint {
  return { name, family: "stocks", data: "meta", temporal: "latest", multi: false, params: params(...names) };
}

function classifyStocks(segs: readonly string[]): Endpoint | undefined {
  const [a, b, c, extra] = segs;
  if (a === undefined || extra !== undefined) return undefined;
  const special = stockExtras(segs);
  if (special || a === "meta" || b === "auctions") return special;
  if (b === undefined) {
    if (a === "snapshots") {
      return {
        name: "stocks.snapshots.multi",
        family: "stocks",
        data: "snapshots",
        temporal: "latest",
        multi: true,
        split: { mapField: null },
        params: params("symbols", ...STOCK_LATEST),
      };
    }
    return SERIES.has(a) ? stockHistory(a as "bars" | "trades" | "quotes") : undefined;
  }
  if (c === undefined) {
    if (SERIES.has(a) && b === "latest") return stockLatest(a as "bars" | "trades" | "quotes");
    if (b === "snapshot") {
      return {
        name: "stocks.snapshots.single",
        family: "stocks",
        data: "snapshots",
        temporal: "latest",
        multi: false,
        symbol: a,
        params: params(...STOCK_LATEST),
      };
    }
    return SERIES.has(b) ? stockHistory(b as "bars" | "trades" | "quotes", a) : undefined;
  }
  return SERIES.has(b) && c === "latest" ? stockLatest(b as "bars" | "trades" | "quotes", a) : undefined;
}

function classifyOptions(segs: readonly string[]): Endpoint | undefined {
  const key = segs.join("/");
  switch (key) {
    case "bars":
      return {
        name: "options.bars.multi",
        family: "options",
        data: "bars",
        temporal: "history",
        multi: true,
        params: params("symbols", "timeframe", "start", "end", "limit", "page_token", "sort", "feed"),
      };
    case "trades":
      return {
        name: "options.trades.multi",
        family: "options",
        data: "trades",
        temporal: "history",
        multi: true,
        params: params("symbols", "start", "end", "limit", "page_token", "sort", "feed"),
      };
    case "trades/latest":
    case "quotes/latest": {
      const data = key === "trades/latest" ? "trades" : "quotes";
      return {
        name: `options.${data}.latest.multi`,
        family: "options",
        data,
        temporal: "latest",
        multi: true,
        split: { mapField: data },
        params: params("symbols", "feed"),
      };
    }
    case "snapshots":
      return {
        name: "options.snapshots.multi",
        family: "options",
        data: "snapshots",
        temporal: "latest",
        multi: true,
        split: { mapField: "snapshots" },
        params: params("symbols", "feed", "updated_since", "limit", "page_token"),
      };
  }
  const [a, b, extra] = segs;
  if (a === "meta" && b === "exchanges" && extra === undefined) return meta("options.meta.exchanges");
  if (a === "meta" && b === "conditions" && (extra === "trade" || extra === "quote") && segs.length === 3) {
    return meta(`options.meta.conditions.${extra}`);
  }
  if (a === "snapshots" && b !== undefined && extra === undefined) {
    return {
      name: "options.chain",
      family: "options",
      data: "chain",
      temporal: "latest",
      multi: false,
      symbol: b,
      params: params(
        "feed",
        "limit",
        "updated_since",
        "page_token",
        "type",
        "strike_price_gte",
        "strike_price_lte",
        "expiration_date",
        "expiration_date_gte",
        "expiration_date_lte",
        "root_symbol",
      ),
    };
  }
  return undefined;
}

const CRYPTO_LOCS = new Set(["us", "us-1", "us-2", "eu-1", "bs-1"]);
const CRYPTO_HISTORY = ["symbols", "start", "end", "limit", "page_token", "sort"];

/** `/v1beta3/crypto/{loc}/…`: history of bars, trades, quotes; latest values, order books, snapshots. */
function classifyCrypto(segs: readonly string[]): Endpoint | undefined {
  const [loc, a, b, extra] = segs;
  if (loc === undefined || !CRYPTO_LOCS.has(loc) || a === undefined || extra !== undefined) return undefined;
  const base = { family: "stocks", multi: true, symbolKind: "crypto" } as const;
  if (b === undefined) {
    if (a === "snapshots") {
      return {
        ...base,
        name: "crypto.snapshots.multi",
        data: "snapshots",
        temporal: "latest",
        split: { mapField: "snapshots" },
        params: params("symbols"),
      };
    }
    if (!SERIES.has(a)) return undefined;
    return {
      ...base,
      name: `crypto.${a}.multi`,
      data: a as "bars" | "trades" | "quotes",
      temporal: "history",
      params: params(...CRYPTO_HISTORY, ...(a === "bars" ? ["timeframe"] : [])),
    };
  }
  if (a !== "latest" || !(SERIES.has(b) || b === "orderbooks")) return undefined;
  return {
    ...base,
    name: `crypto.${b}.latest.multi`,
    data: b as "bars" | "trades" | "quotes" | "orderbooks",
    temporal: "latest",
    split: { mapField: b },
    params: params("symbols"),
  };
}

/** `/v1beta1/crypto-perps/global/latest/…`. */
function classifyCryptoPerps(segs: readonly string[]): Endpoint | undefined {
  const [loc, a, b, extra] = segs;
  if (loc !== "global" || a !== "latest" || b === undefined || extra !== undefined) return undefined;
  if (!(SERIES.has(b) || b === "orderbooks" || b === "pricing")) return undefined;
  return {
    name: `crypto-perps.${b}.latest.multi`,
    family: "stocks",
    data: b as "bars" | "trades" | "quotes" | "orderbooks" | "pricing",
    temporal: "latest",
    multi: true,
    symbolKind: "crypto",
    split: { mapField: b },
    params: params("symbols"),
  };
}

/** The v1beta1 families besides options: news, screener, forex, indices, fixed income. */
function classifyV1beta1(segs: readonly string[]): Endpoint | undefined {
  const key = segs.join("/");
  const history = (
    name: string,
    data: DataKind,
    names: string[],
    extra: Partial<Endpoint> = {},
  ): Endpoint => ({
    name,
    family: "stocks",
    data,
    temporal: "history",
    multi: false,
    symbolKind: "any",
    params: params(...names),
    ...extra,
  });
  const latest = (name: string, data: DataKind, names: string[]): Endpoint => ({
    name,
    family: "stocks",
    data,
    temporal: "latest",
    multi: false,
    symbolKind: "any",
    params: params(...names),
  });
  switch (key) {
    case "news":
      return history(
        "news",
        "news",
        ["start", "end", "sort", "symbols", "limit", "include_content", "exclude_contentless", "page_token"],
        { maxLimit: 50 },
      );
    case "screener/stocks/most-actives":
      return latest("screener.most-actives", "screener", ["by", "top"]);
    case "screener/stocks/movers":
    case "screener/crypto/movers":
      return latest(`screener.${segs[1]}.movers`, "screener", ["top"]);
    case "forex/latest/rates":
      return {
        ...latest("forex.rates.latest", "rates", ["currency_pairs"]),
        required: params("currency_pairs"),
      };
    case "forex/rates":
      return history(
        "forex.rates",
        "rates",
        ["currency_pairs", "timeframe", "start", "end", "limit", "sort", "page_token"],
        { required: params("currency_pairs") },
      );
    case "indices/latest/values":
      return { ...latest("indices.values.latest", "values", ["symbols"]), required: params("symbols") };
    case "indices/values":
      return history("indices.values", "values", ["symbols", "start", "end", "limit", "page_token", "sort"], {
        required: params("symbols"),
      });
    case "fixed_income/latest/prices":
      return { ...latest("fixed-income.prices.latest", "prices", ["isins"]), required: params("isins") };
    case "fixed_income/latest/quotes":
      return {
        ...latest("fixed-income.quotes.latest", "quotes", ["isins", "trade_size"]),
        required: params("isins"),
      };
  }
  return undefined;
}

/** `/v1/corporate-actions`. */
const CORPORATE_ACTIONS: Endpoint = {
  name: "corporate-actions",
  family: "stocks",
  data: "corporate_actions",
  temporal: "history",
  multi: false,
  symbolKind: "any",
  maxLimit: 1000,
  params: params("symbols", "cusips", "types", "start", "end", "ids", "limit", "page_token", "sort"),
};

/**
 * Classifies a data path (as Alpaca's data host sees it, e.g. `/v2/stocks/AAPL/bars`).
 * Undefined for anything Paddock does not serve.
 */
export function classifyEndpoint(path: string): Endpoint | undefined {
  let segs: string[];
  try {
    segs = path.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segs[0] !== "" || segs.some((s, i) => i > 0 && s === "")) return undefined;
  if (segs[1] === "v2" && segs[2] === "stocks") return classifyStocks(segs.slice(3));
  if (segs[1] === "v1beta1" && segs[2] === "options") return classifyOptions(segs.slice(3));
  if (segs[1] === "v1beta3" && segs[2] === "crypto") return classifyCrypto(segs.slice(3));
  if (segs[1] === "v1beta1" && segs[2] === "crypto-perps") return classifyCryptoPerps(segs.slice(3));
  if (segs[1] === "v1beta1") return classifyV1beta1(segs.slice(2));
  if (segs[1] === "v1" && segs[2] === "corporate-actions" && segs.length === 3) return CORPORATE_ACTIONS;
  return undefined;
}
