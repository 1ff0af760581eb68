/**
 * The streams module as the gateway uses it: accepts downstream WebSockets
 * (market data per feed, one account's trade updates, the native all-accounts
 * trade updates), enforces the instance's connection limit, and wires the
 * local hubs to a coordinator (local, or Redis when configured).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { WebSocket } from "ws";
import type { Fleet } from "../accounts/types.js";
import { mayUseAccount } from "../auth/authorize.js";
import type { Principal } from "../auth/types.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../observability/logger.js";
import { type BackoffOptions, DEFAULT_RECONNECT_BACKOFF } from "../resilience/backoff.js";
import { createClientAdmission } from "./client-admission.js";
import type { Endpoint } from "./client-socket.js";
import { encodeMessage, type WireCodec } from "./codec.js";
import { createConnectPacer } from "./connect-pacer.js";
import type { CoordinatorFactory, StreamCoordinator } from "./coordinator.js";
import { handleDataClient } from "./data-client.js";
import { createDataFeedHub, type DataFeedHub } from "./data-feed-hub.js";
import { DATA_ERRORS, type DataError, errorFrame } from "./data-protocol.js";
import { createLocalCoordinator } from "./local-coordinator.js";
import { createMarketClock } from "./market-clock.js";
import { createStreamAgentFor } from "./proxy-agent.js";
import { createRedisCoordinator } from "./redis-coordinator.js";
import { createStreamMetrics, type StreamMetrics } from "./stream-metrics.js";
import { createTradingDemand } from "./trade-recorder.js";
import { type AuditAppender, createTradeSinks } from "./trade-sinks.js";
import { handleTradingClient, tradingError } from "./trading-client.js";
import { createTradingHub, type TradingHub } from "./trading-hub.js";
import { createUpstreamFactory } from "./upstream-factory.js";

export type StreamsConfig = Config["streams"];

export interface StreamServiceDeps {
  readonly streams: StreamsConfig;
  /** Market-data stream base (`/v2/{feed}` appended). */
  readonly dataStreamUrl: string;
  /** `upstream.proxy`: every upstream stream connects through it (else the proxy environment applies). */
  readonly proxy?: string | undefined;
  /** The environment read for HTTPS_PROXY / HTTP_PROXY / NO_PROXY (tests). */
  readonly env?: NodeJS.ProcessEnv;
  readonly fleet: Fleet;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly redis?: Redis | undefined;
  readonly redisKeyPrefix?: string;
  readonly audit?: AuditAppender;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly backoff?: BackoffOptions;
  readonly authTimeoutMs?: number;
  /** Redis lease time-to-live and renewal period (ms). */
  readonly leaseTtlMs?: number;
  readonly leaseRenewMs?: number;
  /** Overrides the market clock (tests). */
  readonly marketOpen?: () => boolean;
  /**
   * Token revocations: an open stream whose token is revoked is closed within `revocationCheckMs`
   * (default 500 ms), as an HTTP request with it answers 401 at once.
   */
  readonly isRevoked?: (principal: Principal) => boolean;
  readonly revocationCheckMs?: number;
  readonly instanceId?: string;
  /**
   * Builds the coordinator when Redis does not (a worker of `serve --workers` without Redis:
   * the primary assigns ownership). Default: this process owns every upstream connection.
   */
  readonly coordinator?: CoordinatorFactory;
}

export interface DataConnection {
  readonly feed: string;
  readonly codec: WireCodec;
  readonly principal: Principal | undefined;
  /** Verifies the auth message's key pair (the JWT as the secret, or an OAuth2 client's id and secret). */
  readonly verify: (keyId: string, secret: string) => Promise<Principal>;
}

export interface TradingConnection {
  /** Undefined for the native all-accounts endpoint. */
  readonly accountId: string | undefined;
  readonly principal: Principal | undefined;
  readonly verify: (keyId: string, secret: string) => Promise<Principal>;
}

export interface StreamStats {
  /** Authenticated clients (they hold the `maxClients` slots). */
  readonly clients: number;
  /** Connections still waiting to authenticate (their own bounded pool). */
  readonly pending: number;
  /** Accounts whose trade updates this instance wants recorded (`streams.recordTradeUpdates`). */
  readonly recorded: number;
  readonly feeds: Readonly<Record<string, number>>;
  readonly owned: readonly string[];
  readonly up: readonly string[];
  /** Owned upstreams down after a failure (not those still opening, e.g. waiting for the pacer). */
  readonly down: readonly string[];
}

export interface StreamService {
  acceptData(ws: WebSocket, conn: DataConnection): void;
  acceptTrading(ws: WebSocket, conn: TradingConnection): void;
  stats(): StreamStats;
  readonly metrics: StreamMetrics;
  readonly instanceId: string;
  close(): Promise<void>;
}

export async function createStreamService(deps: StreamServiceDeps): Promise<StreamService> {
  const now = deps.now ?? Date.now;
  const perfNow = () => performance.now();
  const metrics = createStreamMetrics(deps.registry);
  const log = deps.logger.child({ component: "streams" });
  const instanceId = deps.instanceId ?? randomUUID();
  const hubs = new Map<string, DataFeedHub>();
  const marketOpen = deps.marketOpen ?? createMarketClock({ fleet: deps.fleet, now }).isOpen;
  const pacer = createConnectPacer(deps.streams.upstreamConnectsPerSecond, now);
  const upstream = createUpstreamFactory({
    fleet: deps.fleet,
    dataStreamUrl: deps.dataStreamUrl,
    logger: deps.logger,
    metrics,
    backoff: deps.backoff ?? DEFAULT_RECONNECT_BACKOFF,
    random: deps.random ?? Math.random,
    now,
    graceMs: deps.streams.unsubscribeGraceMs,
    silenceTimeoutMs: deps.streams.silenceTimeoutMs,
    marketOpen,
    agentFor: createStreamAgentFor({ proxy: deps.proxy, ...(deps.env ? { env: deps.env } : {}) }),
    pacer,
  });
  const sinks = createTradeSinks({ audit: deps.audit, mqttUrl: deps.streams.mqttUrl, logger: deps.logger });
  const admission = createClientAdmission(() => deps.streams, metrics, deps.logger);
  const authTimeoutMs = deps.authTimeoutMs ?? deps.streams.authTimeoutMs;

  const events = {
    onDataFrames: (feed: string, frames: Parameters<DataFeedHub["dispatch"]>[0], at: number) =>
      hubs.get(feed)?.dispatch(frames, at),
    onDataStatus: (feed: string, status: "up" | "down", reason: string) =>
      hubs.get(feed)?.broadcast({ T: "upstream", status, msg: reason }),
    onTrade: (e: Parameters<TradingHub["deliver"]>[0], at: number) => tradingHub.deliver(e, at),
    onTradeStatus: (a: string, s: "up" | "down", r: string) => tradingHub.status(a, s, r),
  };
  const coordinator: StreamCoordinator = deps.redis
    ? await createRedisCoordinator({
        redis: deps.redis,
        prefix: `${deps.redisKeyPrefix ?? "paddock:"}streams:`,
        instanceId,
        upstream,
        events,
        sinks,
        graceMs: deps.streams.unsubscribeGraceMs,
        leaseTtlMs: deps.leaseTtlMs ?? 5000,
        leaseRenewMs: deps.leaseRenewMs ?? 1000,
        logger: deps.logger,
        perfNow,
        metrics,
      })
    : deps.coordinator
      ? await deps.coordinator({
          upstream,
          events,
          sinks,
          graceMs: deps.streams.unsubscribeGraceMs,
          perfNow,
          logger: deps.logger,
          metrics,
        })
      : createLocalCoordinator({
          upstream,
          events,
          sinks,
          graceMs: deps.streams.unsubscribeGraceMs,
          perfNow,
        });

  const stopFleetWatch = deps.fleet.onChange(({ removed, rekeyed }) => {
    const dataIds = new Set(deps.fleet.dataAccounts().map((a) => a.id));
    for (const id of [...removed, ...rekeyed]) {
      log.info({ account: id }, "fleet changed: reopening the upstream streams that use this account");
      coordinator.refreshAccount(id, dataIds.has(id) || removed.includes(id));
    }
    for (const id of removed) tradingHub.status(id, "down", "account removed from the fleet");
  });
  // after the fleet watch, so a removed account's sessions are closed before its demand is withdrawn
  const tradingDemand = createTradingDemand({
    fleet: deps.fleet,
    record: deps.streams.recordTradeUpdates,
    setWanted: (accountId, wanted) => coordinator.setTradingDemand(accountId, wanted),
  });
  if (deps.streams.recordTradeUpdates) {
    log.info({ accounts: tradingDemand.recorded() }, "recording every account's trade updates");
  }
  const tradingHub = createTradingHub({
    onDemandChanged: (accountId, wanted) => tradingDemand.clients(accountId, wanted),
    messagesOut: metrics.messagesOut,
    fanoutLatency: metrics.fanoutLatency,
    perfNow,
  });

  const hubFor = (feed: string): DataFeedHub => {
    let hub = hubs.get(feed);
    if (!hub) {
      hub = createDataFeedHub({
        feed,
        onDemandChanged: (h) => coordinator.setDataDemand(feed, h.union()),
        messagesOut: metrics.messagesOut,
        fanoutLatency: metrics.fanoutLatency,
        perfNow,
      });
      hubs.set(feed, hub);
    }
    return hub;
  };

  // authenticated sessions, checked against the revocations while any is open
  const sessions = new Map<symbol, { principal: Principal; close: () => void }>();
  let revocationTimer: NodeJS.Timeout | undefined;
  const checkRevocations = (): void => {
    for (const s of [...sessions.values()]) if (deps.isRevoked?.(s.principal)) s.close();
  };
  const watch = deps.isRevoked
    ? (principal: Principal, close: () => void): (() => void) => {
        const id = Symbol("session");
        sessions.set(id, { principal, close });
        if (!revocationTimer) {
          revocationTimer = setInterval(checkRevocations, deps.revocationCheckMs ?? 500);
          revocationTimer.unref();
        }
        return () => {
          sessions.delete(id);
          if (sessions.size === 0 && revocationTimer) {
            clearInterval(revocationTimer);
            revocationTimer = undefined;
          }
        };
      }
    : undefined;

  return {
    metrics,
    instanceId,
    acceptData(ws, conn) {
      const frame = (e: DataError) => () => encodeMessage([errorFrame(e)], conn.codec);
      const admitted = admission.admit(ws, "data", conn.principal !== undefined, {
        connectionLimit: frame(DATA_ERRORS.connectionLimit),
        evicted: frame(DATA_ERRORS.authTimeout),
        slow: frame(DATA_ERRORS.slowClient),
      });
      if (!admitted) return;
      handleDataClient({
        ws,
        socket: admitted.socket,
        codec: conn.codec,
        hub: hubFor(conn.feed),
        principal: conn.principal,
        verify: conn.verify,
        onAuthenticated: admitted.promote,
        ...(watch ? { watch } : {}),
        maxSymbols: deps.streams.maxSymbolsPerClient,
        authTimeoutMs,
        now,
        onClose: admitted.release,
      });
    },
    acceptTrading(ws, conn) {
      const endpoint: Endpoint = conn.accountId === undefined ? "native" : "trading";
      const admitted = admission.admit(ws, endpoint, conn.principal !== undefined, {
        connectionLimit: () => tradingError("connection limit exceeded"),
        evicted: () => tradingError("auth timeout"),
        slow: () => tradingError("slow client"),
      });
      if (!admitted) return;
      handleTradingClient({
        ws,
        socket: admitted.socket,
        hub: tradingHub,
        accountId: conn.accountId,
        principal: conn.principal,
        verify: conn.verify,
        onAuthenticated: admitted.promote,
        ...(watch ? { watch } : {}),
        accountsFor: (p) =>
          deps.fleet
            .list()
            .filter((a) => mayUseAccount(p, a.id, a.tags))
            .map((a) => a.id),
        authTimeoutMs,
        now,
        onClose: admitted.release,
      });
    },
    stats() {
      const c = coordinator.status();
      const n = admission.counts();
      return {
        clients: n.clients,
        pending: n.pending,
        recorded: tradingDemand.recorded(),
        feeds: Object.fromEntries([...hubs].map(([f, h]) => [f, h.clientCount()])),
        owned: c.owned,
        up: c.up,
        down: c.down,
      };
    },
    async close() {
      if (revocationTimer) clearInterval(revocationTimer);
      stopFleetWatch();
      tradingDemand.close();
      pacer.close();
      admission.closeAll(1001, "gateway shutting down");
      await coordinator.close();
      await sinks.close();
    },
  };
}
