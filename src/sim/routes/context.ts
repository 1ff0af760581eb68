/** What the simulator's REST handlers share, and small query-string helpers that name the bad field. */
import type { Universe } from "../assets/universe.js";
import type { ControllableClock } from "../clock.js";
import type { PriceEngine, SimResponse } from "../contract.js";
import type { Exchange } from "../exchange/exchange.js";
import { unprocessable } from "../sim-error.js";

export interface SimContext {
  readonly clock: ControllableClock;
  readonly prices: PriceEngine;
  readonly exchange: Exchange;
  readonly universe: Universe;
}

export const ok = (body: unknown, status = 200): SimResponse => ({ status, body });
export const noContent: SimResponse = { status: 204 };

export function queryInt(q: URLSearchParams, field: string, min: number, max: number): number | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw unprocessable(`${field}: must be an integer between ${min} and ${max}`);
  return n;
}

export function queryNumber(q: URLSearchParams, field: string): number | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw unprocessable(`${field}: invalid number ${JSON.stringify(v)}`);
  return n;
}

export function queryBool(q: URLSearchParams, field: string): boolean | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  if (v === "true" || v === "false") return v === "true";
  throw unprocessable(`${field}: invalid boolean ${JSON.stringify(v)}`);
}

export function queryEnum<T extends string>(
  q: URLSearchParams,
  field: string,
  values: readonly T[],
): T | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  if ((values as readonly string[]).includes(v)) return v as T;
  throw unprocessable(`${field}: invalid value ${JSON.stringify(v)} (expected one of ${values.join(", ")})`);
}

/** An RFC 3339 timestamp or a `YYYY-MM-DD` date, as epoch ms. */
export function queryTime(q: URLSearchParams, field: string): number | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms)) throw unprocessable(`${field}: invalid timestamp ${JSON.stringify(v)}`);
  return ms;
}

/** A `YYYY-MM-DD` date (an RFC 3339 timestamp is cut to its date). */
export function queryDate(q: URLSearchParams, field: string): string | undefined {
  const v = q.get(field);
  if (v === null || v === "") return undefined;
  const d = v.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
    throw unprocessable(`${field}: invalid date ${JSON.stringify(v)}`);
  return d;
}
