/**
 * Where upstream connections live. The coordinator receives the local demand
 * (a feed's subscription union, an account's listeners) and reports what the
 * upstream sends. The local one owns every upstream session in this process;
 * the Redis one (redis-coordinator.ts) lets exactly one instance own each; a worker of
 * `paddock serve --workers` without Redis gets one made by the primary's broker
 * (cluster/worker-coordinator.ts) through `CoordinatorFactory`.
 */
import type { Logger } from "../observability/logger.js";
import type { DataFrame } from "./data-protocol.js";
import type { StreamMetrics } from "./stream-metrics.js";
import type { ChannelSets } from "./subscription-index.js";
import type { TradeSinks } from "./trade-sinks.js";
import type { TradeEnvelope } from "./trading-hub.js";
import type { UpstreamFactory } from "./upstream-factory.js";

export interface CoordinatorEvents {
  onDataFrames(feed: string, frames: readonly DataFrame[], receivedAt: number): void;
  onDataStatus(feed: string, status: "up" | "down", reason: string): void;
  onTrade(envelope: TradeEnvelope, receivedAt: number): void;
  onTradeStatus(accountId: string, status: "up" | "down", reason: string): void;
}

export interface CoordinatorStatus {
  /** Upstream connections this instance owns, e.g. `data:iex`, `trading:acct-001`. */
  readonly owned: readonly string[];
  readonly up: readonly string[];
  /** Owned and down after a failure (a first connection still waiting or connecting is not down). */
  readonly down: readonly string[];
}

export interface StreamCoordinator {
  setDataDemand(feed: string, union: ChannelSets): void;
  setTradingDemand(accountId: string, wanted: boolean): void;
  /**
   * The fleet changed an account's keys (or removed it): reopen the upstream sessions this
   * instance owns that use it, so they authenticate with the current keys (or stop).
   */
  refreshAccount(accountId: string, dataAccount: boolean): void;
  status(): CoordinatorStatus;
  close(): Promise<void>;
}

/** What the stream service hands a coordinator it did not build itself. */
export interface CoordinatorParts {
  readonly upstream: UpstreamFactory;
  readonly events: CoordinatorEvents;
  readonly sinks: TradeSinks;
  readonly graceMs: number;
  readonly perfNow: () => number;
  readonly logger: Logger;
  readonly metrics: StreamMetrics;
}

export type CoordinatorFactory = (parts: CoordinatorParts) => StreamCoordinator | Promise<StreamCoordinator>;
