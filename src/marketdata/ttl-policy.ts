/**
 * How long a market-data answer may be served from cache. Latest values and
 * snapshots live briefly; history whose whole range is in the past does not change
 * and lives long; a page that reaches the current, still-open bar lives briefly.
 */
import type { Endpoint } from "./endpoints.js";
import type { ValidatedQuery } from "./query.js";

export interface TtlConfig {
  /** Latest values, snapshots and option chains. */
  readonly latestTtlMs: number;
  /** History that includes the still-open bar (or, for trades and quotes, the last minute). */
  readonly openBarTtlMs: number;
  /** History of closed periods. */
  readonly closedBarTtlMs: number;
}

/**
 * Trades and quotes can be reported late (corrections, delayed prints): a range counts
 * as closed only once its end is this far in the past.
 */
export const SETTLE_MS = 60_000;

/** True when every bar, trade or quote the query can return lies in a closed period. */
export function isClosedRange(endpoint: Endpoint, query: ValidatedQuery, now: number): boolean {
  if (endpoint.temporal !== "history" || query.endMs === undefined) return false;
  const margin = endpoint.data === "bars" ? (query.timeframe?.maxDurationMs ?? SETTLE_MS) : SETTLE_MS;
  // A bar stamped at or before `end` covers up to one bar length after its stamp.
  return query.endMs + margin <= now;
}

/** TTL in ms for the answer to this query; 0 means do not cache. */
export function ttlFor(endpoint: Endpoint, query: ValidatedQuery, now: number, cfg: TtlConfig): number {
  if (endpoint.temporal === "latest") return cfg.latestTtlMs;
  return isClosedRange(endpoint, query, now) ? cfg.closedBarTtlMs : cfg.openBarTtlMs;
}
