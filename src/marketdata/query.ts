/**
 * Validates a market-data query before anything goes upstream: every parameter is
 * checked, unknown ones are refused, and the symbol-count and history-range limits
 * are enforced. Failures are 400 PaddockErrors (like Alpaca's data API) whose message names the field.
 */
import { PaddockError } from "../errors.js";
import type { Endpoint } from "./endpoints.js";
import {
  DAY_MS,
  type Instant,
  isValidSymbol,
  type Parsed,
  parseDate,
  parseDecimal,
  parseInstant,
  parseIntegerInRange,
  parseSymbolList,
  parseTimeframe,
  type Timeframe,
} from "./values.js";

export interface QueryLimits {
  /** Most symbols a request (marketData.maxSymbols). */
  readonly maxSymbols: number;
  /** Longest history range a request, in days (marketData.maxHistoryDays). */
  readonly maxHistoryDays: number;
}

export interface ValidatedQuery {
  /** Decoded parameters in the order received. */
  readonly pairs: readonly (readonly [string, string])[];
  /** Requested symbols: the `symbols` list, or the path's symbol. */
  readonly symbols: readonly string[];
  readonly feed: string | undefined;
  readonly timeframe: Timeframe | undefined;
  readonly start: Instant | undefined;
  readonly end: Instant | undefined;
  /** Exclusive end of the requested range in epoch ms (an `end` date counts its whole day). */
  readonly endMs: number | undefined;
}

const STOCK_HISTORY_FEEDS = new Set(["iex", "sip", "otc", "boats"]);
const STOCK_LATEST_FEEDS = new Set(["iex", "sip", "otc", "boats", "delayed_sip", "overnight"]);
const OPTION_FEEDS = new Set(["opra", "indicative"]);
const ADJUSTMENTS = new Set(["raw", "split", "dividend", "spin-off", "all"]);

const invalid = (field: string, reason: string): PaddockError =>
  new PaddockError("PADDOCK_DATA_PARAM_INVALID", { detail: `${field}: ${reason}` });

function need<T>(field: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalid(field, parsed.reason);
  return parsed.value;
}

function oneOf(field: string, value: string, allowed: ReadonlySet<string>): string {
  if (!allowed.has(value)) throw invalid(field, `must be one of ${[...allowed].join(", ")}`);
  return value;
}

/** Splits a raw query string into decoded pairs; a malformed escape is a 422 on that parameter. */
export function decodeQuery(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (raw === "") return out;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    try {
      out.push([
        decodeURIComponent(rawName.replace(/\+/g, " ")),
        decodeURIComponent(rawValue.replace(/\+/g, " ")),
      ]);
    } catch {
      throw invalid(rawName.slice(0, 40) || "query", "is not valid percent-encoding");
    }
  }
  return out;
}

function feedsFor(endpoint: Endpoint): ReadonlySet<string> {
  if (endpoint.family === "options") return OPTION_FEEDS;
  return endpoint.temporal === "history" ? STOCK_HISTORY_FEEDS : STOCK_LATEST_FEEDS;
}

function limitMax(endpoint: Endpoint): number {
  if (endpoint.maxLimit !== undefined) return endpoint.maxLimit;
  return endpoint.family === "options" && (endpoint.data === "snapshots" || endpoint.data === "chain")
    ? 1000
    : 10_000;
}

/** History kinds whose range is limited by marketData.maxHistoryDays (they page through many records). */
const RANGED = new Set(["bars", "trades", "quotes", "auctions"]);
const FOREX_TIMEFRAMES = new Set(["5Sec", "5S", "1Min", "1T", "1Day", "1D"]);
/** A comma-separated list of printable tokens (ids, CUSIPs, ISINs, currency pairs, types). */
const TOKEN_LIST = /^[A-Za-z0-9_./:-]{1,64}(,[A-Za-z0-9_./:-]{1,64}){0,999}$/;

export function validateQuery(
  endpoint: Endpoint,
  rawQuery: string,
  limits: QueryLimits,
  now: number,
): ValidatedQuery {
  const pairs = decodeQuery(rawQuery);
  const seen = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (!endpoint.params.has(name)) {
      throw invalid(name.slice(0, 40), `is not a parameter of this endpoint`);
    }
    if (seen.has(name)) throw invalid(name, "given more than once");
    if (value === "") throw invalid(name, "must not be empty");
    seen.set(name, value);
  }
  const symbolKind =
    endpoint.symbolKind ?? (endpoint.family === "options" && endpoint.data !== "chain" ? "option" : "stock");
  for (const name of endpoint.required ?? []) if (!seen.has(name)) throw invalid(name, "is required");
  let symbols: string[];
  const rawSymbols = seen.get("symbols");
  if (endpoint.multi) {
    if (rawSymbols === undefined) throw invalid("symbols", "is required");
    symbols = need("symbols", parseSymbolList(rawSymbols, symbolKind, limits.maxSymbols));
  } else if (endpoint.symbol !== undefined) {
    const s = endpoint.symbol;
    if (!isValidSymbol(s, "stock")) throw invalid("symbol", `"${s.slice(0, 32)}" is not a valid symbol`);
    symbols = [s];
  } else {
    // optional symbols (news, corporate actions, indices), or none at all (meta, screener)
    symbols =
      rawSymbols === undefined
        ? []
        : need("symbols", parseSymbolList(rawSymbols, symbolKind, limits.maxSymbols));
  }

  let timeframe: Timeframe | undefined;
  let start: Instant | undefined;
  let end: Instant | undefined;
  let feed: string | undefined;
  for (const [name, value] of seen) {
    switch (name) {
      case "timeframe":
        if (endpoint.data === "rates") {
          oneOf(name, value, FOREX_TIMEFRAMES);
          break;
        }
        timeframe = need(name, parseTimeframe(value));
        break;
      case "include_content":
      case "exclude_contentless":
        oneOf(name, value, new Set(["true", "false"]));
        break;
      case "by":
        oneOf(name, value, new Set(["volume", "trades"]));
        break;
      case "top":
        need(name, parseIntegerInRange(value, 1, endpoint.name === "screener.most-actives" ? 100 : 50));
        break;
      case "tape":
        oneOf(name, value, new Set(["A", "B", "C"]));
        break;
      case "trade_size":
        need(name, parseIntegerInRange(value, 1, 1_000_000_000));
        break;
      case "currency_pairs":
      case "isins":
      case "cusips":
      case "ids":
      case "types":
        if (!TOKEN_LIST.test(value)) throw invalid(name, "must be a comma-separated list");
        break;
      case "start":
        start = need(name, parseInstant(value));
        break;
      case "end":
        end = need(name, parseInstant(value));
        break;
      case "updated_since":
        need(name, parseInstant(value));
        break;
      case "limit":
        need(name, parseIntegerInRange(value, 1, limitMax(endpoint)));
        break;
      case "feed":
        feed = oneOf(name, value, feedsFor(endpoint));
        break;
      case "sort":
        oneOf(name, value, new Set(["asc", "desc"]));
        break;
      case "type":
        oneOf(name, value, new Set(["call", "put"]));
        break;
      case "adjustment":
        for (const a of value.split(",")) oneOf(name, a, ADJUSTMENTS);
        break;
      case "asof":
      case "expiration_date":
      case "expiration_date_gte":
      case "expiration_date_lte":
        need(name, parseDate(value));
        break;
      case "strike_price_gte":
      case "strike_price_lte":
        need(name, parseDecimal(value));
        break;
      case "currency":
        if (!/^[A-Z]{3}$/.test(value)) throw invalid(name, "must be a 3-letter ISO 4217 code");
        break;
      case "root_symbol":
        if (!isValidSymbol(value, "stock")) throw invalid(name, "is not a valid symbol");
        break;
      case "page_token":
        if (value.length > 1024 || !/^[\x21-\x7e]+$/.test(value)) {
          throw invalid(name, "must be the next_page_token of a previous answer");
        }
        break;
      // "symbols" was handled above
    }
  }
  if (endpoint.data === "bars" && endpoint.temporal === "history" && timeframe === undefined) {
    throw invalid("timeframe", "is required");
  }

  let endMs: number | undefined;
  if (endpoint.temporal === "history") {
    endMs = end === undefined ? undefined : end.dateOnly ? end.ms + DAY_MS : end.ms;
    const startMs = start?.ms ?? Math.floor(now / DAY_MS) * DAY_MS;
    const effectiveEnd = endMs ?? Math.max(now, startMs);
    if (start !== undefined && end !== undefined && end.ms < start.ms) {
      throw invalid("end", "must not be before start");
    }
    if (RANGED.has(endpoint.data) && effectiveEnd - startMs > limits.maxHistoryDays * DAY_MS) {
      throw invalid(
        start === undefined ? "end" : "start",
        `at most ${limits.maxHistoryDays} days of history a request (marketData.maxHistoryDays); split the range`,
      );
    }
  }
  return { pairs, symbols, feed, timeframe, start, end, endMs };
}
