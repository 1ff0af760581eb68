/**
 * Query-parameter parsing for the market-data REST routes. Each failure is a 400 (or 422 for
 * well-formed but inconsistent values) with Alpaca's `{code, message}` body naming the parameter.
 */
import type { SimRequest, SimResponse } from "../contract.js";
import { parseTimeframe, type Timeframe } from "./timeframe.js";

export const FEEDS = ["iex", "sip", "otc", "boats", "delayed_sip", "indicative", "opra"] as const;
const ADJUSTMENTS = new Set(["raw", "split", "dividend", "spin-off", "all"]);
const SYMBOL_RE = /^[A-Z][A-Z0-9.\-/]{0,20}$/;

export class ParamError extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

export function errorResponse(status: number, message: string): SimResponse {
  const code = status === 404 ? 40410000 : status === 422 ? 42210000 : 40010001;
  return { status, body: { code, message } };
}

export function toResponse(err: unknown): SimResponse {
  if (err instanceof ParamError) return errorResponse(err.status, err.message);
  throw err;
}

/** A route handler whose ParamErrors become Alpaca's `{code, message}` answers. */
export function wrap(fn: (req: SimRequest) => SimResponse): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return fn(req);
    } catch (err) {
      return toResponse(err);
    }
  };
}

/** RFC 3339 date-time (any fraction, Z or ±hh:mm) or a plain `YYYY-MM-DD` date (UTC midnight). */
export function parseTime(name: string, text: string): number {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2}))?$/.exec(
      text,
    );
  const ms = m
    ? Date.parse(m[4] === undefined ? `${text}T00:00:00Z` : text.replace(/(\.\d{3})\d+/, "$1"))
    : Number.NaN;
  if (!Number.isFinite(ms))
    throw new ParamError(
      400,
      `invalid ${name}: expected RFC 3339 date-time or YYYY-MM-DD, got ${JSON.stringify(text)}`,
    );
  return ms;
}

export function parseSymbol(name: string, text: string): string {
  if (!SYMBOL_RE.test(text)) throw new ParamError(400, `invalid ${name}: ${JSON.stringify(text)}`);
  return text;
}

/** `symbols=AAPL,MSFT` → sorted unique list; required. */
export function parseSymbols(q: URLSearchParams, pattern: RegExp = SYMBOL_RE): string[] {
  const raw = q.get("symbols");
  if (raw === null || raw.trim() === "") throw new ParamError(400, "symbols: required");
  const out = new Set<string>();
  for (const part of raw.split(",")) {
    const s = part.trim();
    if (s === "") continue;
    if (!pattern.test(s)) throw new ParamError(400, `invalid symbols: ${JSON.stringify(s)}`);
    out.add(s);
  }
  if (out.size === 0) throw new ParamError(400, "symbols: required");
  return [...out].sort();
}

export function parseLimit(q: URLSearchParams, def = 1000, max = 10_000): number {
  const raw = q.get("limit");
  if (raw === null || raw === "") return def;
  if (!/^\d+$/.test(raw))
    throw new ParamError(400, `invalid limit: ${JSON.stringify(raw)} is not an integer`);
  const n = Number(raw);
  if (n < 1 || n > max) throw new ParamError(400, `invalid limit: must be between 1 and ${max}`);
  return n;
}

export function parseSort(q: URLSearchParams): boolean {
  const raw = q.get("sort");
  if (raw === null || raw === "" || raw === "asc") return false;
  if (raw === "desc") return true;
  throw new ParamError(400, `invalid sort: ${JSON.stringify(raw)} (asc or desc)`);
}

export function parseFeed(q: URLSearchParams, allowed: readonly string[] = FEEDS): string | undefined {
  const raw = q.get("feed");
  if (raw === null || raw === "") return undefined;
  if (!allowed.includes(raw))
    throw new ParamError(400, `invalid feed: ${JSON.stringify(raw)} (one of ${allowed.join(", ")})`);
  return raw;
}

export function parseTimeframeParam(q: URLSearchParams): Timeframe {
  const raw = q.get("timeframe");
  if (raw === null || raw === "") throw new ParamError(400, "timeframe: required");
  const tf = parseTimeframe(raw);
  if (!tf) throw new ParamError(400, `invalid timeframe: ${JSON.stringify(raw)}`);
  return tf;
}

/** Validates the parameters the simulator accepts but does not act on (`adjustment`, `asof`, `currency`). */
export function checkPassive(q: URLSearchParams): void {
  const adj = q.get("adjustment");
  if (adj !== null && adj !== "" && !adj.split(",").every((a) => ADJUSTMENTS.has(a))) {
    throw new ParamError(400, `invalid adjustment: ${JSON.stringify(adj)}`);
  }
  const asof = q.get("asof");
  if (asof !== null && asof !== "" && asof !== "-") parseTime("asof", asof);
  const cur = q.get("currency");
  if (cur !== null && cur !== "" && !/^[A-Z]{3}$/.test(cur))
    throw new ParamError(400, `invalid currency: ${JSON.stringify(cur)}`);
}

export interface Range {
  readonly startMs: number;
  readonly endMs: number;
}

/** `start` (default: New York midnight today) and `end` (default and cap: now). */
export function parseRange(q: URLSearchParams, nowMs: number, defaultStart: number): Range {
  const s = q.get("start");
  const e = q.get("end");
  const startMs = s === null || s === "" ? defaultStart : parseTime("start", s);
  const endMs = e === null || e === "" ? nowMs : parseTime("end", e);
  if (endMs < startMs) throw new ParamError(422, "invalid end: end is before start");
  return { startMs, endMs: Math.min(endMs, nowMs) };
}

/** Opaque, deterministic page token: base64url of `symbol|t`. */
export function encodeToken(symbol: string, t: number): string {
  return Buffer.from(`${symbol}|${t}`).toString("base64url");
}

export function decodeToken(q: URLSearchParams): { symbol: string; t: number } | undefined {
  const raw = q.get("page_token");
  if (raw === null || raw === "") return undefined;
  const text = Buffer.from(raw, "base64url").toString("utf8");
  const bar = text.lastIndexOf("|");
  const t = Number(text.slice(bar + 1));
  if (bar <= 0 || !Number.isSafeInteger(t)) throw new ParamError(400, "invalid page_token");
  return { symbol: text.slice(0, bar), t };
}
