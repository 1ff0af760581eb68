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
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.js";
import { type ClientSocket, createClientSocket, type Endpoint } from "./client-socket.js";
import { encodeMessage, type WireCodec } from "./codec.js";
import type { StreamCoordinator } from "./coordinator.js";
import { handleDataClient } from "./data-client.js";
import { createDataFeedHub, type DataFeedHub } from "./data-feed-hub.js";
import { DATA_ERRORS, errorFrame } from "./data-protocol.js";
import { createLocalCoordinator } from "./local-coordinator.js";
import { createMarketClock } from "./market-clock.js";
import { createRedisCoordinator } from "./redis-coordinator.js";
import { createStreamMetrics, type StreamMetrics } from "./stream-metrics.js";
import { type AuditAppender, createTradeSinks } from "./trade-sinks.js";
import { handleTradingClient, tradingError } from "./trading-client.js";
import { createTradingHub, type TradingHub } from "./trading-hub.js";
import { createUpstreamFactory } from "./upstream-factory.js";

export type StreamsConfig = Config["streams"];

export interface StreamServiceDeps {
  readonly streams: StreamsConfig;
  /** Market-data stream base (`/v2/{feed}` appended). */
  readonly dataStreamUrl: string;
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
  readonly instanceId?: string;
}

export interface DataConnection {
  readonly feed: string;
  readonly codec: WireCodec;
  readonly principal: Principal | undefined;
  readonly verify: (token: string) => Promise<Principal>;
}

export interface TradingConnection {
  /** Undefined for the native all-accounts endpoint. */
  readonly accountId: string | undefined;
  readonly principal: Principal | undefined;
  readonly verify: (token: string) => Promise<Principal>;
}

export interface StreamStats {
  readonly clients: number;
  readonly feeds: Readonly<Record<string, number>>;
  readonly owned: readonly string[];
  readonly up: readonly string[];
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
  let clients = 0;
  const sockets = new Set<ClientSocket>();
  const marketOpen = deps.marketOpen ?? createMarketClock({ fleet: deps.fleet, now }).isOpen;
  const upstream = createUpstreamFactory({
    fleet: deps.fleet,
    dataStreamUrl: deps.dataStreamUrl,
    logger: deps.logger,
    metrics,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    random: deps.random ?? Math.random,
    now,
    graceMs: deps.streams.unsubscribeGraceMs,
    silenceTimeoutMs: deps.streams.silenceTimeoutMs,
    marketOpen,
  });
  const sinks = createTradeSinks({ audit: deps.audit, mqttUrl: deps.streams.mqttUrl, logger: deps.logger });

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
    : createLocalCoordinator({ upstream, events, sinks, graceMs: deps.streams.unsubscribeGraceMs, perfNow });

  const tradingHub = createTradingHub({
    onDemandChanged: (accountId, wanted) => coordinator.setTradingDemand(accountId, wanted),
    messagesOut: metrics.messagesOut,
    fanoutLatency: metrics.fanoutLatency,
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

  /** Reserves a client slot, or refuses the connection the protocol's way. */
  const admit = (
    ws: WebSocket,
    endpoint: Endpoint,
    refuse: () => string | Buffer,
  ): ClientSocket | undefined => {
    if (clients >= deps.streams.maxClients) {
      ws.send(refuse());
      ws.close(1008, "connection limit exceeded");
      log.warn({ endpoint, max: deps.streams.maxClients }, "stream client refused: connection limit");
      return undefined;
    }
    clients++;
    metrics.clients.inc({ endpoint });
    const socket = createClientSocket(ws, {
      endpoint,
      maxBufferedBytes: deps.streams.sendBufferBytes,
      slowFrame: () =>
        endpoint === "data"
          ? encodeMessage([errorFrame(DATA_ERRORS.slowClient)], "json")
          : tradingError("slow client"),
      onSlow: (c) => {
        metrics.slowClientsDropped.inc({ endpoint });
        log.warn({ endpoint, client: c.id }, "slow stream client dropped");
      },
    });
    sockets.add(socket);
    return socket;
  };
  const release = (socket: ClientSocket): void => {
    if (!sockets.delete(socket)) return;
    clients--;
    metrics.clients.dec({ endpoint: socket.endpoint });
  };

  return {
    metrics,
    instanceId,
    acceptData(ws, conn) {
      const socket = admit(ws, "data", () =>
        encodeMessage([errorFrame(DATA_ERRORS.connectionLimit)], conn.codec),
      );
      if (!socket) return;
      handleDataClient({
        ws,
        socket,
        codec: conn.codec,
        hub: hubFor(conn.feed),
        principal: conn.principal,
        verify: conn.verify,
        maxSymbols: deps.streams.maxSymbolsPerClient,
        authTimeoutMs: deps.authTimeoutMs ?? 10_000,
        now,
        onClose: () => release(socket),
      });
    },
    acceptTrading(ws, conn) {
      const endpoint: Endpoint = conn.accountId === undefined ? "native" : "trading";
      const socket = admit(ws, endpoint, () => tradingError("connection limit exceeded"));
      if (!socket) return;
      handleTradingClient({
        ws,
        socket,
        hub: tradingHub,
        accountId: conn.accountId,
        principal: conn.principal,
        verify: conn.verify,
        accountsFor: (p) =>
          deps.fleet
            .list()
            .filter((a) => mayUseAccount(p, a.id, a.tags))
            .map((a) => a.id),
        authTimeoutMs: deps.authTimeoutMs ?? 10_000,
        now,
        onClose: () => release(socket),
      });
    },
    stats() {
      const c = coordinator.status();
      return {
        clients,
        feeds: Object.fromEntries([...hubs].map(([f, h]) => [f, h.clientCount()])),
        owned: c.owned,
        up: c.up,
      };
    },
    async close() {
      stopFleetWatch();
      for (const s of sockets) s.close(1001, "gateway shutting down");
      await coordinator.close();
      await sinks.close();
    },
  };
}
