/**
 * buildGateway(config, deps) → the Fastify app and the parts behind it, wired in a
 * fixed order: infrastructure (Redis, metrics, health, audit) → auth → fleet →
 * hooks → routes. It never listens; `serve` and the tests do.
 */
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { Redis } from "ioredis";
import type { Bindings, ChildLoggerOptions } from "pino";
import { createFleet, type ManagedFleet } from "./accounts/fleet.js";
import { createRedisSlotStore } from "./accounts/redis-slot-store.js";
import { registerUpstreamProbes } from "./accounts/upstream-probes.js";
import type { AuditLog } from "./audit/audit-log.js";
import { type AuditTrail, auditKeyRing, openAuditTrail } from "./audit/from-config.js";
import type { AuditEntryInput } from "./audit/record.js";
import {
  type ClientCredentialsGrant,
  createClientCredentialsGrant,
  createClientKeyPairs,
} from "./auth/client-credentials.js";
import { createRevocations, type Revocations } from "./auth/revocations.js";
import { createTokenIssuer, type TokenIssuer } from "./auth/token-issuer.js";
import type { AuthOptions } from "./auth/types.js";
import { createVerifier, type Verifier } from "./auth/verifier.js";
import type { ClusterWorker } from "./cluster/worker.js";
import { ConfigError, type LoadedConfig } from "./config/load.js";
import { planReload, type ReloadOptions, type ReloadResult } from "./config/reload-plan.js";
import type { Config } from "./config/schema.js";
import { PaddockError } from "./errors.js";
import { alpacaKeyCheck, createAccountAdmin } from "./fleet/account-admin.js";
import { createBlockOrderService } from "./fleet/block-orders.js";
import { createAuthenticator } from "./http/authenticator.js";
import { requestTarget } from "./http/canonical-target.js";
import { errorCodeOf, installErrorHandling, sendError } from "./http/error-handler.js";
import { createFastReads } from "./http/fast-reads.js";
import { augmentOpenApi } from "./http/openapi-schemas.js";
import type { RouteDeps } from "./http/route-deps.js";
import { accountsAdminRoutes } from "./http/routes/accounts-admin.js";
import { adminRoutes } from "./http/routes/admin.js";
import { authRoutes } from "./http/routes/auth.js";
import { blockRoutes } from "./http/routes/blocks.js";
import { complianceRoutes } from "./http/routes/compliance.js";
import { consoleRoutes } from "./http/routes/console.js";
import { fleetRoutes } from "./http/routes/fleet.js";
import { healthRoutes } from "./http/routes/health.js";
import { marketDataRoutes } from "./http/routes/market-data.js";
import { streamRoutes } from "./http/routes/streams.js";
import { tradingRoutes } from "./http/routes/trading.js";
import { SHARD_HEADER, shardProxyHook } from "./http/shard-proxy.js";
import { latestPrice } from "./marketdata/latest-price.js";
import { createMarketDataService } from "./marketdata/market-data-service.js";
import { createHealthRegistry, type HealthRegistry } from "./observability/health.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { createMetricsListener } from "./observability/metrics-listener.js";
import { accessLogFields, instrumentAuthenticator, requestIdFrom } from "./observability/request-context.js";
import { accessLogger, RequestLogger } from "./observability/request-logger.js";
import { createRequestRecorder } from "./observability/request-record.js";
import { createTracing, type RequestTrace, type Tracing } from "./observability/tracing.js";
import { createBudgetFactory } from "./resilience/budget.js";
import { systemClock } from "./resilience/clock.js";
import { createMemorySlotStore } from "./resilience/slot-store.js";
import { createShardMember, type ShardMember } from "./shards/member.js";
import { openStateStore } from "./state/open-state-store.js";
import { streamHealthCheck } from "./streams/stream-health.js";
import { createStreamService } from "./streams/stream-service.js";
import { createHalts, mirrorHaltsToFleet } from "./trading/halts.js";
import { createOrderLedger } from "./trading/order-ledger.js";
import { createOrderService } from "./trading/order-service.js";
import { createTransport } from "./upstream/client.js";

export interface GatewayDeps {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Defaults to what `tracing.enabled` asks for (OTLP from `OTEL_*`); tests pass an in-memory exporter. */
  readonly tracing?: Tracing;
  readonly now?: () => number;
  /** Re-reads and validates the configuration (for SIGHUP and /v1/admin/reload). */
  readonly loadConfig?: () => Promise<LoadedConfig>;
  /**
   * This process is a worker of `paddock serve --workers N`: without Redis the primary counts
   * the budgets and assigns stream ownership; a reload made here is followed by the others.
   */
  readonly cluster?: ClusterWorker;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly fleet: ManagedFleet;
  readonly audit: AuditLog;
  /** The audit trail's parts: instance id, subject keys (GDPR), erasure. */
  readonly trail: AuditTrail;
  readonly metrics: Metrics;
  readonly health: HealthRegistry;
  readonly issuer: TokenIssuer | undefined;
  readonly config: () => Config;
  /** Where `/metrics` listens when `metrics.port` gives it its own port (after listen). */
  readonly metricsAddress: () => { host: string; port: number } | undefined;
  reload(options?: ReloadOptions): Promise<ReloadResult>;
  close(): Promise<void>;
}

interface AuthParts {
  readonly verifier: Verifier;
  readonly issuer: TokenIssuer | undefined;
  readonly grant: ClientCredentialsGrant | undefined;
}

async function buildAuth(cfg: Config, now: () => number, revocations: Revocations): Promise<AuthParts> {
  const options = authOptionsOf(cfg);
  const verifier = await createVerifier(options, { now, isRevoked: (p) => revocations.isRevoked(p) });
  const issuer = options.signing ? await createTokenIssuer(options.signing, { now }) : undefined;
  const grant =
    issuer && cfg.auth.clients.length > 0
      ? createClientCredentialsGrant(cfg.auth.clients, issuer)
      : undefined;
  return { verifier, issuer, grant };
}

export function authOptionsOf(cfg: Config): AuthOptions {
  const a = cfg.auth;
  return {
    algorithms: a.algorithms,
    clockSkewSeconds: a.clockSkewSeconds,
    maxLifetimeSeconds: a.maxLifetimeSeconds,
    maxTokenBytes: a.maxTokenBytes,
    publicKeyFiles: a.publicKeyFiles,
    jwksRefreshSeconds: a.jwksRefreshSeconds,
    cacheMaxEntries: 10_000,
    ...(a.issuer ? { issuer: a.issuer } : {}),
    ...(a.audience ? { audience: a.audience } : {}),
    ...(a.jwksFile ? { jwksFile: a.jwksFile } : {}),
    ...(a.jwksUrl ? { jwksUrl: a.jwksUrl } : {}),
    ...(a.hs256Secret ? { hs256Secret: a.hs256Secret } : {}),
    ...(a.signing
      ? {
          signing: {
            ...a.signing,
            ...(a.issuer ? { issuer: a.issuer } : {}),
            ...(a.audience ? { audience: a.audience } : {}),
          },
        }
      : {}),
  };
}

/** A request target's path, without its query (which may hold anything, so it is never logged). */
const pathOf = (url: string): string => {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
};

async function tlsOptions(cfg: Config) {
  const tls = cfg.server.tls;
  if (!tls) return undefined;
  const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
  return { cert, key, minVersion: tls.minVersion };
}

export async function buildGateway(loaded: LoadedConfig, deps: GatewayDeps): Promise<Gateway> {
  let config = loaded.config;
  // the shards and which accounts each serves (every replica reads the same list); replaced on reload
  let layout = loaded.layout;
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics({ perAccount: config.metrics.perAccount });
  const tracing =
    deps.tracing ??
    createTracing({ enabled: config.tracing.enabled, serviceName: config.tracing.serviceName });
  const health = createHealthRegistry({
    intervalMs: config.health.intervalMs,
    gauge: metrics.componentUp,
    onChange: (name, prev, next) => {
      if (prev !== undefined || next.status !== "up") {
        logger.warn(
          { component: name, from: prev ?? "unknown", to: next.status, detail: next.detail },
          "component health changed",
        );
      }
    },
  });

  // shared state
  let redis: Redis | undefined;
  if (config.cache.redisUrl) {
    redis = new Redis(config.cache.redisUrl, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    redis.on("error", (err) => logger.debug({ err: err.message }, "redis error"));
    const r = redis;
    // Give Redis a moment to connect so start-up subscriptions find it; run degraded if it does not come.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      r.once("ready", () => {
        clearTimeout(t);
        resolve();
      });
    });
    health.register(
      "redis",
      async () => {
        const pong = await r.ping();
        return { status: pong === "PONG" ? "up" : "down" };
      },
      // the order ledger lives in Redis: without it no order is sent (fail closed)
      { gates: ["ledger", "orders"], degrades: ["reads", "streams"] },
    );
  }

  // durable state: ledger, halts, revocations (SQLite file by default, Redis when shared)
  const store = await openStateStore(config, { ...(redis ? { redis } : {}), logger, now });
  health.register(
    "state-store",
    async () => {
      await store.ping();
      return { status: "up" };
    },
    { required: false },
  );
  const onStateError = (err: unknown) =>
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, "state store unreachable");
  const stateSync = { store, pollIntervalMs: config.state.pollIntervalMs, now, onError: onStateError };
  const revocations = await createRevocations({
    ...stateSync,
    get maxLifetimeSeconds() {
      return config.auth.maxLifetimeSeconds;
    },
    get clockSkewSeconds() {
      return config.auth.clockSkewSeconds;
    },
  });
  const halts = await createHalts(stateSync);

  // one chain per instance, signed checkpoints, personal fields sealed per data subject
  const trail = await openAuditTrail(config, { logger, now, keyRing: await auditKeyRing(loaded) });
  const audit = trail.log;
  // what routes append through: the audit log, counted by outcome in paddock_audit_records_total
  const auditTrail = {
    append: (entry: AuditEntryInput) => {
      const stopTimer = metrics.auditAppendDuration.startTimer();
      return tracing
        .span("audit.append", () => audit.append(entry), { "paddock.audit.outcome": entry.outcome })
        .then(
          () => {
            stopTimer();
            metrics.auditRecords.inc({ outcome: entry.outcome });
          },
          (err: unknown) => {
            metrics.auditRecords.inc({ outcome: "write_failed" });
            throw err;
          },
        );
    },
  };
  health.register(
    "audit",
    () => {
      const h = audit.health();
      return h.status === "up"
        ? { status: "up" }
        : {
            status: h.status,
            detail: h.detail ?? `audit trail ${h.status} (${h.writeFailures} failed writes)`,
          };
    },
    { gates: ["audit"], degrades: ["orders"] },
  );

  // auth: rebuilt whole on reload (keys, JWKS, algorithms, token limits, clients); callers hold
  // the delegating objects below, so a reload reaches every route without re-registering them
  let auth = await buildAuth(config, now, revocations);
  const verifier: Verifier = {
    verify: (token) => auth.verifier.verify(token),
    stats: () => auth.verifier.stats(),
    close: () => auth.verifier.close(),
  };
  const issuer: () => TokenIssuer | undefined = () => auth.issuer;
  metrics.onCollect(() => {
    const s = verifier.stats();
    metrics.authVerifications.set({ result: "signature_check" }, s.signatureChecks);
    metrics.authVerifications.set({ result: "cache_hit" }, s.cacheHits);
  });

  // fleet
  const clock = { ...systemClock, now };
  const { cluster } = deps;
  // workers share budgets as instances do: through Redis, else through the primary's count
  const workerStore = cluster && !redis ? cluster.slotStore(clock) : undefined;
  const slotStore = redis
    ? createRedisSlotStore({
        redis,
        keyPrefix: `${config.cache.redisKeyPrefix}budget:`,
        // the configured share is the instance's; its workers split it
        fallbackShare: config.cache.redisFallbackShare / (cluster?.count ?? 1),
        clock,
        logger,
      })
    : (workerStore ?? createMemorySlotStore({ clock }));
  const ownBudgets = createBudgetFactory({ store: slotStore, clock });
  const budgets = cluster && !redis ? cluster.shareUpstreamLimits(ownBudgets) : ownBudgets;
  health.register("budget-store", () => budgets.health(), { degrades: ["reads", "orders"] });
  const transport = createTransport({
    connectionsPerAccount: config.upstream.connectionsPerAccount,
    requestTimeoutMs: config.upstream.requestTimeoutMs,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    proxy: config.upstream.proxy,
  });
  const fleet = createFleet(config, { transport, budgets, logger, metrics, now });
  // one shard of several: register in Redis once listening, fan fleet-wide routes out to the others
  const shardSelf = layout?.self;
  const shard: ShardMember | undefined =
    shardSelf !== undefined && redis
      ? createShardMember({
          redis,
          keyPrefix: config.cache.redisKeyPrefix,
          settings: () => ({ ...config.shard, id: shardSelf }),
          layout: () => layout!,
          accountIds: () => fleet.list().map((a) => a.id),
          now,
          logger,
        })
      : undefined;
  const ledger = createOrderLedger({ store, now });
  const stopHaltMirror = mirrorHaltsToFleet(halts, fleet);
  const stopProbes = registerUpstreamProbes({ health, fleet, metrics, logger, config: () => config, now });
  const authenticator = instrumentAuthenticator(
    createAuthenticator(verifier, fleet, createClientKeyPairs({ clients: () => config.auth.clients, now })),
    tracing,
  );
  metrics.trackAccounts(() => fleet.list().map((a) => a.id));
  metrics.onCollect(() => {
    const inForce = halts.list();
    metrics.tradingHalted.set({ scope: "global" }, halts.isHalted() ? 1 : 0);
    metrics.tradingHalted.set(
      { scope: "accounts" },
      [...inForce.keys()].filter((id) => fleet.get(id)).length,
    );
  });

  const https = await tlsOptions(config);
  const access = accessLogger(logger);
  const record = createRequestRecorder({ metrics, logger, access });
  const options = {
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // request.log made lazily: most requests log only their access line (see request-logger.ts)
    childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) =>
      new RequestLogger(parent as unknown as Logger, bindings, opts) as unknown as FastifyBaseLogger,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFrom(req.headers["x-request-id"]),
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    routerOptions: { maxParamLength: 256 },
    forceCloseConnections: "idle" as const,
  };
  // Pass-through reads take the fast path (src/http/fast-reads.ts) before Fastify; it is set
  // once the order service exists, and everything else (and every read it declines) goes to Fastify.
  let fastReads: ReturnType<typeof createFastReads> | undefined;
  const serverFactory = (
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    opts: { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number },
  ) => {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (fastReads?.(req, res, handler) !== true) handler(req, res);
    };
    const server = https ? createHttpsServer(https, onRequest) : createHttpServer(onRequest);
    // what Fastify sets on a server it makes itself
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
    server.requestTimeout = opts.requestTimeout ?? 0;
    server.setTimeout(opts.connectionTimeout ?? 0);
    return server;
  };
  // The HTTPS and HTTP servers offer routes the same API; only the listener differs.
  const app = Fastify({ ...options, serverFactory }) as unknown as FastifyInstance;
  installErrorHandling(app);
  if (shard) {
    const member = shard;
    app.addHook("onListen", async () => {
      const addr = app.server.address();
      if (addr && typeof addr === "object") await member.register(addr, Boolean(config.server.tls));
    });
    health.onDrain(() => void member.deregister().catch(() => undefined));
    health.register(
      "shards",
      () => {
        const missing = (layout?.shards ?? []).filter((s) => member.registry.replicas(s.id).length === 0);
        return missing.length === 0
          ? { status: "up" }
          : { status: "degraded", detail: `no live replica of shard ${missing.map((s) => s.id).join(", ")}` };
      },
      { degrades: ["reads"] },
    );
  }
  // request id echoed on every response; the request's span (when tracing) wraps its hooks and handler
  const traces = new WeakMap<object, RequestTrace>();
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    // canonicalise first, then route: a non-canonical raw target is a 400 before any route runs
    try {
      requestTarget(request.raw);
    } catch (err) {
      sendError(request, reply, err);
      return;
    }
    if (!tracing.enabled) return done();
    const route = request.routeOptions.url;
    const t = tracing.startRequest(request.headers, `${request.method} ${route ?? "unknown"}`, {
      "http.request.method": request.method,
      "http.route": route,
      "url.path": request.url.split("?")[0],
      "paddock.request_id": request.id,
    });
    if (!t) return done();
    traces.set(request, t);
    t.run(done);
  });
  // an account of another shard: proxied to that shard (after the canonical-target check above)
  if (shard) {
    const member = shard;
    app.addHook(
      "onRequest",
      shardProxyHook({
        fleet,
        ownerOf: (id) => {
          const owner = layout?.ownerOf(id)?.shard;
          return owner === member.self ? undefined : owner;
        },
        peers: () => member.peers,
        bodyLimit: () => config.server.bodyLimitBytes,
      }),
    );
  }
  // body parsing leaves the request's async context; enter it again for the handler
  app.addHook("preHandler", (request, _reply, done) => {
    const t = traces.get(request);
    if (t) t.run(done);
    else done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unknown";
    const code = errorCodeOf(reply);
    traces.get(request)?.end(reply.statusCode, { "paddock.error_code": code });
    record({
      route,
      method: request.method,
      path: pathOf(request.url),
      status: reply.statusCode,
      ms: reply.elapsedTime,
      code,
      fields: accessLogFields(request),
    });
    done();
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Paddock",
        version: "1",
        description:
          "Many Alpaca accounts behind one JWT-authenticated API. Alpaca-compatible trading pass-through under " +
          "`/v1/accounts/{accountId}/…` (the routes listed below, from Alpaca's Trading API), market data under " +
          "`/v1/data/…`. Authenticate with `Authorization: Bearer <JWT>`, or Alpaca's key pair (the JWT as " +
          "`APCA-API-SECRET-KEY`, or a registered client's id and secret).",
      },
    },
    // the gateway's own routes with schemas, every error code, public routes, the pass-through table
    transformObject: (doc) =>
      augmentOpenApi((doc as { openapiObject: Record<string, unknown> }).openapiObject) as never, // the hook types its result as the OpenAPI object; ours is the same document, augmented
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.register(websocket, { options: { maxPayload: 1 << 20 } });

  const routeDeps: RouteDeps = {
    config: () => config,
    fleet,
    auth: authenticator,
    logger,
    metrics,
    health,
    redis,
    now,
  };
  const marketData = createMarketDataService({
    config: {
      get marketData() {
        return config.marketData;
      },
      get cache() {
        return config.cache;
      },
    },
    fleet,
    redis,
    registry: metrics.registry,
    now,
  });
  if (redis) health.register("market-data-cache", () => marketData.check(), { degrades: ["reads"] });
  const streams = await createStreamService({
    streams: config.streams,
    dataStreamUrl: config.upstream.dataStreamUrl,
    proxy: config.upstream.proxy,
    fleet,
    logger,
    registry: metrics.registry,
    redis,
    redisKeyPrefix: config.cache.redisKeyPrefix,
    audit: auditTrail,
    isRevoked: (p) => revocations.isRevoked(p),
    now,
    ...(cluster && !redis ? { coordinator: cluster.coordinator } : {}),
  });
  health.register("streams", streamHealthCheck(streams), { degrades: ["streams"] });
  const orders = createOrderService({
    ledger,
    audit: auditTrail,
    isHalted: (accountId) => halts.isHalted() || halts.isHalted(accountId),
    price: (symbol) => latestPrice(marketData, symbol),
    auditBlocked: () =>
      config.audit.required && !audit.writable() ? (audit.health().detail ?? "write failed") : undefined,
    settings: () => config.upstream,
    now,
  });
  const reload = async (options: ReloadOptions = {}): Promise<ReloadResult> => {
    if (!deps.loadConfig) throw new Error("reload is not available: no configuration loader");
    let next: LoadedConfig;
    try {
      next = await deps.loadConfig();
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "config reload refused; keeping the running configuration",
      );
      throw err instanceof ConfigError
        ? new PaddockError("PADDOCK_REQUEST_INVALID", {
            field: "configuration",
            detail: `${err.problems.map((p) => `${p.path}: ${p.message}`).join("; ")} (the running configuration is kept)`,
          })
        : err;
    }
    if (next.layout?.self !== shardSelf) {
      throw new PaddockError("PADDOCK_CONFLICT", {
        field: "shard.id",
        detail: "a replica's shard changes only with a restart; nothing was reloaded",
      });
    }
    const plan = planReload(config, next.config);
    const leaving = await accountsLeaving(next.config, options);
    const nextAuth = plan.applied.some((p) => p === "auth" || p.startsWith("auth."))
      ? await buildAuth(next.config, now, revocations)
      : undefined;
    const previous = config;
    config = next.config;
    layout = next.layout;
    if (nextAuth) {
      const old = auth;
      auth = nextAuth;
      old.verifier.close();
    }
    if (config.logging.level !== previous.logging.level) logger.level = config.logging.level;
    const change = await fleet.reconfigure(config);
    await shard?.updated().catch(() => undefined);
    for (const l of leaving) {
      auditTrail
        .append({
          action: "admin.account_remove",
          outcome: "accepted",
          source: "gateway",
          account: l.id,
          request: { open_orders: l.openOrders, choice: options.openOrders ?? "none" },
        })
        .catch((err: unknown) => logger.error({ err }, "audit append failed"));
    }
    const result = { ...change, applied: plan.applied, restartRequired: plan.restartRequired };
    logger.info(result, "configuration reloaded");
    if (!options.followed) cluster?.reloaded();
    if (plan.restartRequired.length > 0) {
      logger.warn(
        { settings: plan.restartRequired },
        "configuration reloaded; these changed settings take effect only after a restart",
      );
    }
    return result;
  };

  /**
   * Accounts the new configuration removes, with their open orders. Removing one that still has
   * open orders needs the operator's word: cancel them first, or keep them working at Alpaca.
   */
  const accountsLeaving = async (
    next: Config,
    options: ReloadOptions,
  ): Promise<Array<{ id: string; openOrders: number }>> => {
    if (options.followed) return [];
    const kept = new Map(next.accounts.map((a) => [a.id, a.mode]));
    const leaving = fleet.list().filter((a) => kept.get(a.id) !== a.mode);
    const counted = await Promise.all(
      leaving.map(async (a) => {
        const res = await a.request({
          method: "GET",
          path: "/v2/orders?status=open&limit=500",
          kind: "trading",
          priority: "order",
          idempotent: true,
        });
        if (res.status !== 200) {
          throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
            detail: `cannot count the open orders of ${a.id} (Alpaca answered ${res.status}); nothing was reloaded`,
          });
        }
        const orders = JSON.parse(res.body.toString("utf8")) as unknown[];
        return { account: a, openOrders: Array.isArray(orders) ? orders.length : 0 };
      }),
    );
    const busy = counted.filter((c) => c.openOrders > 0);
    if (busy.length > 0 && options.openOrders === undefined) {
      throw new PaddockError("PADDOCK_CONFLICT", {
        field: "accounts",
        detail: `${busy.map((b) => `${b.account.id} has ${b.openOrders} open order(s)`).join(", ")}; reload with open_orders=cancel or open_orders=keep`,
      });
    }
    if (options.openOrders === "cancel") {
      for (const b of busy) {
        const res = await b.account.request({
          method: "DELETE",
          path: "/v2/orders",
          kind: "trading",
          priority: "order",
          idempotent: true,
        });
        auditTrail
          .append({
            action: "order.cancel_all",
            outcome: res.status < 300 ? "accepted" : "rejected",
            source: "upstream",
            upstreamStatus: res.status,
            account: b.account.id,
            request: { reason: "account removed by reload", open_orders: b.openOrders },
          })
          .catch((err: unknown) => logger.error({ err }, "audit append failed"));
      }
    }
    return counted.map((c) => ({ id: c.account.id, openOrders: c.openOrders }));
  };
  const setHalted = async (accountId: string | undefined, halted: boolean, by?: string) => {
    await halts.set(accountId, halted, by);
    logger.warn({ account: accountId ?? "*", halted }, halted ? "trading halted" : "trading resumed");
  };

  const metricsToken = config.metrics.tokenFile
    ? (await readFile(config.metrics.tokenFile, "utf8")).trim()
    : undefined;
  const metricsPort = config.metrics.port;
  await app.register(
    healthRoutes({ health, metrics, token: metricsToken, serveMetrics: metricsPort === undefined }),
  );
  const metricsListener =
    metricsPort === undefined ? undefined : createMetricsListener({ metrics, token: metricsToken, logger });
  if (metricsListener)
    app.addHook("onListen", () => metricsListener.listen(metricsPort ?? 0, config.server.host));
  await app.register(authRoutes({ issuer, grant: () => auth.grant }));
  await app.register(
    fleetRoutes({ ...routeDeps, globalHalt: () => halts.isHalted(), peers: () => shard?.peers }),
  );
  await app.register(adminRoutes({ ...routeDeps, reload, setHalted, revocations, audit: auditTrail }));
  await app.register(tradingRoutes({ ...routeDeps, orders }));
  fastReads = createFastReads({
    fleet,
    auth: authenticator,
    orders,
    logger,
    record,
    disabled: () => tracing.enabled,
    ...(shard
      ? {
          instanceHeaders: () => {
            const self = shard.peers?.self;
            return self === undefined ? undefined : { [SHARD_HEADER]: self };
          },
        }
      : {}),
  });
  // block state in the durable state store: a retry after a restart replays, never re-places
  const blocks = createBlockOrderService({ fleet, orders, store, now, remote: () => shard?.remote() });
  await app.register(blockRoutes({ auth: authenticator, blocks }));
  const accountAdmin = createAccountAdmin({
    configPath: loaded.path,
    checkKeys: alpacaKeyCheck(() => ({
      paper: config.upstream.tradingPaperUrl,
      live: config.upstream.tradingLiveUrl,
    })),
    reload,
    audit: auditTrail,
  });
  await app.register(consoleRoutes({ auth: authenticator, auditPath: () => audit.path, now }));
  await app.register(
    accountsAdminRoutes({
      auth: authenticator,
      fleet,
      admin: accountAdmin,
      setHalted,
      audit: auditTrail,
      ...(shard ? { allAccounts: () => layout?.accounts ?? fleet.list() } : {}),
    }),
  );
  await app.register(marketDataRoutes({ ...routeDeps, service: marketData }));
  await app.register(
    complianceRoutes({ auth: authenticator, erase: (s) => trail.erase(s), audit: auditTrail }),
  );
  await app.register(streamRoutes({ auth: authenticator, service: streams }));

  health.start();
  let closed = false;
  return {
    app,
    fleet,
    audit,
    trail,
    metrics,
    health,
    get issuer() {
      return auth.issuer;
    },
    config: () => config,
    metricsAddress: () => metricsListener?.address(),
    reload,
    async close() {
      if (closed) return;
      closed = true;
      health.stop();
      stopProbes();
      await shard?.deregister().catch(() => undefined);
      await app.close(); // stops accepting, lets in-flight requests finish
      await streams.close();
      await audit.close();
      await fleet.close();
      await budgets.close();
      workerStore?.close();
      await transport.close();
      await shard?.close();
      verifier.close();
      stopHaltMirror();
      halts.close();
      revocations.close();
      await store.close();
      redis?.disconnect();
      await metricsListener?.close();
      await tracing.close();
    },
  };
}
