/**
 * The market-data metrics, declared once and registered into the registry passed in.
 * Registering twice into the same registry (two services in one process) reuses them.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export type CacheLevel = "l1" | "l2";

export interface MarketDataMetrics {
  /** Cache entries found, per level. */
  readonly hits: Counter<"level">;
  /** Cache entries not found, per level. */
  readonly misses: Counter<"level">;
  /** Entries that joined an identical in-flight load instead of making their own. */
  readonly coalesced: Counter;
  /** Hot symbols renewed early by riding along a call that went upstream anyway. */
  readonly refreshedAhead: Counter;
  /** Upstream market-data calls, by endpoint and status (or error code). */
  readonly upstreamCalls: Counter<"endpoint" | "status">;
  /** Bytes held per level (level 2: this instance's last view of the shared ledger). */
  readonly bytes: Gauge<"level">;
  /** Level-2 operations that failed or timed out (answers then come from level 1 or upstream). */
  readonly l2Errors: Counter<"op">;
  /** Entries level 2 refused because its byte budget (cache.l2MaxBytes) was full. */
  readonly l2Rejected: Counter;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  const existing = registry.getSingleMetric(name);
  return existing ? (existing as T) : make();
}

export function createMarketDataMetrics(registry: Registry): MarketDataMetrics {
  const registers = [registry];
  return {
    hits: reuse(
      registry,
      "paddock_marketdata_cache_hits_total",
      () =>
        new Counter({
          name: "paddock_marketdata_cache_hits_total",
          help: "Market-data cache entries found, per level",
          labelNames: ["level"],
          registers,
        }),
    ),
    misses: reuse(
      registry,
      "paddock_marketdata_cache_misses_total",
      () =>
        new Counter({
          name: "paddock_marketdata_cache_misses_total",
          help: "Market-data cache entries not found, per level",
          labelNames: ["level"],
          registers,
        }),
    ),
    coalesced: reuse(
      registry,
      "paddock_marketdata_coalesced_total",
      () =>
        new Counter({
          name: "paddock_marketdata_coalesced_total",
          help: "Market-data entries that joined an identical in-flight upstream request",
          registers,
        }),
    ),
    refreshedAhead: reuse(
      registry,
      "paddock_marketdata_refreshed_ahead_total",
      () =>
        new Counter({
          name: "paddock_marketdata_refreshed_ahead_total",
          help: "Hot market-data entries renewed early within an upstream call made anyway",
          registers,
        }),
    ),
    upstreamCalls: reuse(
      registry,
      "paddock_marketdata_upstream_requests_total",
      () =>
        new Counter({
          name: "paddock_marketdata_upstream_requests_total",
          help: "Upstream market-data calls, by endpoint and status",
          labelNames: ["endpoint", "status"],
          registers,
        }),
    ),
    bytes: reuse(
      registry,
      "paddock_marketdata_cache_bytes",
      () =>
        new Gauge({
          name: "paddock_marketdata_cache_bytes",
          help: "Bytes held by the market-data cache, per level",
          labelNames: ["level"],
          registers,
        }),
    ),
    l2Errors: reuse(
      registry,
      "paddock_marketdata_l2_errors_total",
      () =>
        new Counter({
          name: "paddock_marketdata_l2_errors_total",
          help: "Redis cache operations that failed or timed out",
          labelNames: ["op"],
          registers,
        }),
    ),
    l2Rejected: reuse(
      registry,
      "paddock_marketdata_l2_rejected_total",
      () =>
        new Counter({
          name: "paddock_marketdata_l2_rejected_total",
          help: "Entries not stored in Redis because cache.l2MaxBytes was reached",
          registers,
        }),
    ),
  };
}
