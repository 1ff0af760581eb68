/**
 * The market-data endpoints Paddock serves, classified from the path: which data,
 * one symbol or many, history or latest values, and whether a multi-symbol answer
 * can be split into per-symbol cache entries.
 */

export type Family = "stocks" | "options";
export type DataKind = "bars" | "trades" | "quotes" | "snapshots" | "chain";
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
}

const STOCK_HISTORY = ["start", "end", "limit", "page_token", "asof", "feed", "sort", "currency"];
const STOCK_LATEST = ["feed", "currency"];
const SERIES = new Set(["bars", "trades", "quotes"]);

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

function classifyStocks(segs: readonly string[]): Endpoint | undefined {
  const [a, b, c, extra] = segs;
  if (a === undefined || extra !== undefined) return undefined;
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
  return undefined;
}
