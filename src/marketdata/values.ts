/**
 * Parsers for the values market-data query parameters carry: timeframes, RFC 3339
 * times, symbols, limits. Each returns the parsed value or a reason, never throws,
 * so the query validator can name the bad field.
 */

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY_MS = 24 * HOUR;

export interface Timeframe {
  readonly amount: number;
  readonly unit: "Min" | "Hour" | "Day" | "Week" | "Month";
  /** Longest duration of one bar of this timeframe (months count as 31 days). */
  readonly maxDurationMs: number;
}

const UNIT_ALIASES: Readonly<Record<string, Timeframe["unit"]>> = {
  Min: "Min",
  T: "Min",
  Hour: "Hour",
  H: "Hour",
  Day: "Day",
  D: "Day",
  Week: "Week",
  W: "Week",
  Month: "Month",
  M: "Month",
};

const MONTH_AMOUNTS = new Set([1, 2, 3, 4, 6, 12]);

/** Alpaca's timeframes: 1-59Min, 1-23Hour, 1Day, 1Week, 1/2/3/4/6/12Month (short forms T, H, D, W, M too). */
export function parseTimeframe(raw: string): Parsed<Timeframe> {
  const m = /^([1-9][0-9]{0,2})([A-Za-z]+)$/.exec(raw);
  const unit = m ? UNIT_ALIASES[m[2] ?? ""] : undefined;
  if (!m || !unit) return bad("must look like 1Min, 15Min, 1Hour, 1Day, 1Week or 1Month");
  const amount = Number(m[1]);
  switch (unit) {
    case "Min":
      return amount <= 59
        ? ok({ amount, unit, maxDurationMs: amount * MINUTE })
        : bad("minutes must be 1-59");
    case "Hour":
      return amount <= 23 ? ok({ amount, unit, maxDurationMs: amount * HOUR }) : bad("hours must be 1-23");
    case "Day":
      return amount === 1 ? ok({ amount, unit, maxDurationMs: DAY_MS }) : bad("only 1Day is allowed");
    case "Week":
      return amount === 1 ? ok({ amount, unit, maxDurationMs: 7 * DAY_MS }) : bad("only 1Week is allowed");
    case "Month":
      return MONTH_AMOUNTS.has(amount)
        ? ok({ amount, unit, maxDurationMs: amount * 31 * DAY_MS })
        : bad("months must be 1, 2, 3, 4, 6 or 12");
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?$/;

export interface Instant {
  /** Epoch milliseconds of the instant (a date alone is midnight UTC). */
  readonly ms: number;
  /** True when only a date (YYYY-MM-DD) was given. */
  readonly dateOnly: boolean;
}

/** RFC 3339 date-time (fraction up to nanoseconds, `Z` or an offset) or a plain `YYYY-MM-DD` date. */
export function parseInstant(raw: string): Parsed<Instant> {
  const m = RFC3339.exec(raw);
  if (!m) return bad("must be an RFC 3339 time (2024-01-02T15:04:05Z) or a date (2024-01-02)");
  const [, y, mo, d, hh, mm, ss, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) {
    return bad("is not a valid calendar date");
  }
  if (hh === undefined) return ok({ ms: probe.getTime(), dateOnly: true });
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return bad("has an invalid time of day");
  const millis = frac ? frac.slice(0, 4).padEnd(4, "0") : "";
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mm}:${ss}${millis}${zone === "z" ? "Z" : zone}`);
  return Number.isNaN(ms) ? bad("is not a valid time") : ok({ ms, dateOnly: false });
}

/** A plain calendar date (`asof`, option expirations). */
export function parseDate(raw: string): Parsed<number> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return bad("must be a date (YYYY-MM-DD)");
  const p = parseInstant(raw);
  return p.ok ? ok(p.value.ms) : p;
}

export function parseIntegerInRange(raw: string, min: number, max: number): Parsed<number> {
  if (!/^[0-9]{1,9}$/.test(raw)) return bad(`must be an integer from ${min} to ${max}`);
  const n = Number(raw);
  return n >= min && n <= max ? ok(n) : bad(`must be an integer from ${min} to ${max}`);
}

export function parseDecimal(raw: string): Parsed<number> {
  return /^[0-9]{1,12}(\.[0-9]{1,8})?$/.test(raw)
    ? ok(Number(raw))
    : bad("must be a non-negative decimal number");
}

/** Upper case only: Alpaca's symbols are upper case and a lower-case one is refused upstream. */
const STOCK_SYMBOL = /^[A-Z0-9][A-Z0-9./-]{0,20}$/;
/** OCC option symbol: root (1-6), YYMMDD, C/P, strike × 1000 in 8 digits. */
const OPTION_SYMBOL = /^[A-Z]{1,6}[0-9]?\d{6}[CP]\d{8}$/;

/** Crypto pairs (`BTC/USD`) and perpetuals (`BTC-PERP`). */
const CRYPTO_SYMBOL = /^[A-Z0-9]{1,15}([/-][A-Z0-9]{1,15})?$/;
/** News and corporate actions take any of them (`AAPL,BTCUSD`). */
const ANY_SYMBOL = /^[A-Z0-9][A-Z0-9./:-]{0,31}$/;

export type SymbolKind = "stock" | "option" | "crypto" | "any";

const SYMBOL_RULES: Readonly<Record<SymbolKind, RegExp>> = {
  stock: STOCK_SYMBOL,
  option: OPTION_SYMBOL,
  crypto: CRYPTO_SYMBOL,
  any: ANY_SYMBOL,
};

export function isValidSymbol(symbol: string, kind: SymbolKind): boolean {
  return SYMBOL_RULES[kind].test(symbol);
}

/** A comma-separated list of symbols, de-duplicated in first-seen order. */
export function parseSymbolList(raw: string, kind: SymbolKind, max: number): Parsed<string[]> {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.every((s) => s === "")) return bad("must list at least one symbol");
  const seen = new Set<string>();
  for (const s of parts) {
    if (s === "") return bad("contains an empty symbol");
    if (!isValidSymbol(s, kind)) {
      return bad(`"${s.slice(0, 32)}" is not a valid ${kind === "option" ? "OCC option" : kind} symbol`);
    }
    seen.add(s);
  }
  if (seen.size > max) return bad(`at most ${max} symbols a request (got ${seen.size})`);
  return ok([...seen]);
}
