/**
 * Builds the upstream sessions a coordinator owns, with the gateway's settings:
 * one data session per feed (data-account credentials, watchdog, grace) and one
 * trading session per account, whose updates get their per-account sequence
 * number and reach the sinks here, once, before any client.
 */
import type { Fleet } from "../accounts/types.js";
import type { Logger } from "../observability/logger.js";
import type { BackoffOptions } from "../resilience/backoff.js";
import type { ConnectPacer } from "./connect-pacer.js";
import type { DataFrame } from "./data-protocol.js";
import type { StreamAgentFor } from "./proxy-agent.js";
import type { StreamMetrics } from "./stream-metrics.js";
import type { TradeUpdateData, WireOrder } from "./trade-backfill.js";
import { createUpstreamDataSession, type UpstreamDataSession } from "./upstream-data-session.js";
import { createUpstreamTradingSession, type UpstreamTradingSession } from "./upstream-trading-session.js";

export interface UpstreamFactoryDeps {
  readonly fleet: Fleet;
  readonly dataStreamUrl: string;
  readonly logger: Logger;
  readonly metrics: StreamMetrics;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  readonly now: () => number;
  readonly graceMs: number;
  readonly silenceTimeoutMs: number;
  readonly marketOpen: () => boolean;
  /** The proxy agent for a stream URL (undefined: connect directly). */
  readonly agentFor?: StreamAgentFor;
  /** Paces trading-stream connection attempts (1,000 accounts open a few dozen per second). */
  readonly pacer?: ConnectPacer;
}

export interface UpstreamFactory {
  data(
    feed: string,
    on: {
      frames: (frames: readonly DataFrame[], receivedAt: number) => void;
      status: (s: "up" | "down", reason: string) => void;
    },
  ): UpstreamDataSession;
  trading(
    accountId: string,
    on: {
      update: (data: TradeUpdateData) => void;
      status: (s: "up" | "down", reason: string) => void;
      resume?: () => Promise<readonly WireOrder[]>;
      snapshot?: (orders: readonly WireOrder[]) => void;
    },
  ): UpstreamTradingSession | undefined;
}

export function createUpstreamFactory(deps: UpstreamFactoryDeps): UpstreamFactory {
  const base = deps.dataStreamUrl.replace(/\/+$/, "");
  return {
    data(feed, on) {
      const label = `data:${feed}`;
      const url = `${base}/v2/${feed}`;
      return createUpstreamDataSession({
        feed,
        url,
        agent: deps.agentFor?.(url),
        credentials: () => {
          const accounts = deps.fleet.dataAccounts();
          // SIP needs an account entitled to it; put those first.
          const ordered =
            feed === "sip"
              ? [...accounts].sort((a, b) => Number(b.feed === "sip") - Number(a.feed === "sip"))
              : accounts;
          return ordered.map((a) => a.credentials());
        },
        onFrames: (frames, receivedAt) => {
          deps.metrics.messagesIn.inc({ source: "upstream" });
          on.frames(frames, receivedAt);
        },
        onStatus: (s, reason) => {
          deps.metrics.upstreamConnected.set({ upstream: label }, s === "up" ? 1 : 0);
          on.status(s, reason);
        },
        onReconnectAttempt: () => deps.metrics.upstreamReconnects.inc({ kind: "data" }),
        marketOpen: deps.marketOpen,
        logger: deps.logger,
        backoff: deps.backoff,
        random: deps.random,
        now: deps.now,
        graceMs: deps.graceMs,
        silenceTimeoutMs: deps.silenceTimeoutMs,
      });
    },
    trading(accountId, on) {
      const account = deps.fleet.get(accountId);
      if (!account) return undefined;
      const label = `trading:${accountId}`;
      const pacer = deps.pacer;
      return createUpstreamTradingSession({
        account,
        agent: deps.agentFor?.(account.streamUrl),
        ...(pacer ? { pace: (start: () => void) => pacer.schedule(start) } : {}),
        onUpdate: (data) => {
          deps.metrics.messagesIn.inc({ source: "upstream" });
          on.update(data);
        },
        onStatus: (s, reason) => {
          deps.metrics.upstreamConnected.set({ upstream: label }, s === "up" ? 1 : 0);
          on.status(s, reason);
        },
        onReconnectAttempt: () => deps.metrics.upstreamReconnects.inc({ kind: "trading" }),
        onBackfilled: (n) => deps.metrics.backfilledUpdates.inc(n),
        ...(on.resume ? { resume: on.resume } : {}),
        ...(on.snapshot ? { onSnapshot: on.snapshot } : {}),
        logger: deps.logger,
        backoff: deps.backoff,
        random: deps.random,
        now: deps.now,
      });
    },
  };
}
