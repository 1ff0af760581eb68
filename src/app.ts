/**
 * buildGateway(config, deps) → the Fastify app and the parts behind it, wired in a
 * fixed order: infrastructure (Redis, metrics, health, audit) → auth → fleet →
 * hooks → routes. It never listens; `serve` and the tests do.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { Redis } from "ioredis";
import { createFleet, type ManagedFleet } from "./accounts/fleet.js";
import { type AuditLog, createAuditLog } from "./audit/audit-log.js";
import { createMqttSink } from "./audit/mqtt-sink.js";
import type { AuditEntryInput } from "./audit/record.js";
import type { AuditSink } from "./audit/sink.js";
import { type ClientCredentialsGrant, createClientCredentialsGrant } from "./auth/client-credentials.js";
import { createTokenIssuer, type TokenIssuer } from "./auth/token-issuer.js";
import type { AuthOptions } from "./auth/types.js";
import { createVerifier, type Verifier } from "./auth/verifier.js";
import { ConfigError, type LoadedConfig } from "./config/load.js";
import { planReload, type ReloadOptions, type ReloadResult } from "./config/reload-plan.js";
import type { Config } from "./config/schema.js";
import { PaddockError } from "./errors.js";
import { alpacaKeyCheck, createAccountAdmin } from "./fleet/account-admin.js";
import { createBlockOrderService } from "./fleet/block-orders.js";
import { createMemoryBlockStore, createRedisBlockStore } from "./fleet/block-store.js";
import { createAuthenticator } from "./http/authenticator.js";
import { installErrorHandling } from "./http/error-handler.js";
import type { RouteDeps } from "./http/route-deps.js";
import { accountsAdminRoutes } from "./http/routes/accounts-admin.js";
import { adminRoutes } from "./http/routes/admin.js";
import { authRoutes } from "./http/routes/auth.js";
import { blockRoutes } from "./http/routes/blocks.js";
import { consoleRoutes } from "./http/routes/console.js";
import { fleetRoutes } from "./http/routes/fleet.js";
import { healthRoutes } from "./http/routes/health.js";
import { marketDataRoutes } from "./http/routes/market-data.js";
import { streamRoutes } from "./http/routes/streams.js";
import { tradingRoutes } from "./http/routes/trading.js";
import { latestPrice } from "./marketdata/latest-price.js";
import { createMarketDataService } from "./marketdata/market-data-service.js";
import { createHealthRegistry, type HealthRegistry } from "./observability/health.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { createBudgetFactory } from "./resilience/budget.js";
import { createOrderLedger } from "./trading/order-ledger.js";
import { createOrderService } from "./trading/order-service.js";
import { createTransport } from "./upstream/client.js";
import { registerUpstreamProbes } from "./upstream/probes.js";

export interface GatewayDeps {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  /** Re-reads and validates the configuration (for SIGHUP and /v1/admin/reload). */
  readonly loadConfig?: () => Promise<LoadedConfig>;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly fleet: ManagedFleet;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly health: HealthRegistry;
  readonly issuer: TokenIssuer | undefined;
  readonly config: () => Config;
  reload(options?: ReloadOptions): Promise<ReloadResult>;
  close(): Promise<void>;
}

interface AuthParts {
  readonly verifier: Verifier;
  readonly issuer: TokenIssuer | undefined;
  readonly grant: ClientCredentialsGrant | undefined;
}

async function buildAuth(cfg: Config, now: () => number): Promise<AuthParts> {
  const options = authOptionsOf(cfg);
  const verifier = await createVerifier(options, { now });
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

async function tlsOptions(cfg: Config) {
  const tls = cfg.server.tls;
  if (!tls) return undefined;
  const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
  return { cert, key, minVersion: tls.minVersion };
}

export async function buildGateway(loaded: LoadedConfig, deps: GatewayDeps): Promise<Gateway> {
  let config = loaded.config;
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? createMetrics();
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
      { required: false },
    );
  }

  const sinks: AuditSink[] = [];
  if (config.audit.mqttUrl) {
    sinks.push(
      createMqttSink({ url: config.audit.mqttUrl, topicPrefix: config.audit.mqttTopicPrefix }, { logger }),
    );
  }
  const audit = await createAuditLog(
    {
      dir: config.audit.dir,
      durability: config.audit.durability,
      batchMaxDelayMs: config.audit.batchMaxDelayMs,
      rotate: { maxBytes: config.audit.rotateMaxBytes, daily: config.audit.rotateDaily },
      sinks,
    },
    { now, logger },
  );
  // what routes append through: the audit log, counted by outcome in paddock_audit_records_total
  const auditTrail = {
    append: (entry: AuditEntryInput) =>
      audit.append(entry).then(
        () => void metrics.auditRecords.inc({ outcome: entry.outcome }),
        (err: unknown) => {
          metrics.auditRecords.inc({ outcome: "write_failed" });
          throw err;
        },
      ),
  };
  health.register("audit", () => {
    const h = audit.health();
    return h.ok ? { status: "up" } : { status: "down", detail: h.detail ?? "audit sink failing" };
  });

  // auth: rebuilt whole on reload (keys, JWKS, algorithms, token limits, clients); callers hold
  // the delegating objects below, so a reload reaches every route without re-registering them
  let auth = await buildAuth(config, now);
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
  const budgets = createBudgetFactory({
    ...(redis ? { redis } : {}),
    keyPrefix: `${config.cache.redisKeyPrefix}budget:`,
    fallbackShare: config.cache.redisFallbackShare,
    now,
    logger,
  });
  health.register("budget-store", () => budgets.health(), { required: false });
  const transport = createTransport({
    connectionsPerAccount: config.upstream.connectionsPerAccount,
    requestTimeoutMs: config.upstream.requestTimeoutMs,
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    proxy: config.upstream.proxy,
  });
  const fleet = createFleet(config, { transport, budgets, logger, metrics, now });
  const ledger = createOrderLedger({
    ...(redis ? { redis } : {}),
    keyPrefix: `${config.cache.redisKeyPrefix}orders:`,
    now,
  });
  const stopProbes = registerUpstreamProbes({ health, fleet, metrics, logger, config: () => config, now });
  const authenticator = createAuthenticator(verifier, fleet);
  let globalHalt = false;

  const https = await tlsOptions(config);
  const options = {
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    routerOptions: { maxParamLength: 256 },
    forceCloseConnections: "idle" as const,
  };
  // The HTTPS and HTTP servers offer routes the same API; only the listener differs.
  const app = (https ? Fastify({ ...options, https }) : Fastify(options)) as unknown as FastifyInstance;
  installErrorHandling(app);
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unknown";
    metrics.httpRequests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        url: request.url.split("?")[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request",
    );
    done();
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Paddock",
        version: "1",
        description:
          "Many Alpaca accounts behind one JWT-authenticated API. Alpaca-compatible trading pass-through under " +
          "`/v1/accounts/{accountId}/v2/...` (any Alpaca trading v2 path), market data under `/v1/data/...`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
      security: [{ bearer: [] }],
    },
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
  if (redis) health.register("market-data-cache", () => marketData.check(), { required: false });
  const orders = createOrderService({
    ledger,
    audit: auditTrail,
    isHalted: (accountId) => globalHalt || fleet.get(accountId)?.status().halted === true,
    price: (symbol) => latestPrice(marketData, symbol),
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
    const plan = planReload(config, next.config);
    const leaving = await accountsLeaving(next.config, options);
    const nextAuth = plan.applied.some((p) => p === "auth" || p.startsWith("auth."))
      ? await buildAuth(next.config, now)
      : undefined;
    const previous = config;
    config = next.config;
    if (nextAuth) {
      const old = auth;
      auth = nextAuth;
      old.verifier.close();
    }
    if (config.logging.level !== previous.logging.level) logger.level = config.logging.level;
    const change = await fleet.reconfigure(config);
    for (const l of leaving) {
      void auditTrail.append({
        action: "admin.account_remove",
        outcome: "accepted",
        source: "gateway",
        account: l.id,
        request: { open_orders: l.openOrders, choice: options.openOrders ?? "none" },
      });
    }
    const result = { ...change, applied: plan.applied, restartRequired: plan.restartRequired };
    logger.info(result, "configuration reloaded");
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
        void auditTrail.append({
          action: "order.cancel_all",
          outcome: res.status < 300 ? "accepted" : "rejected",
          source: "upstream",
          upstreamStatus: res.status,
          account: b.account.id,
          request: { reason: "account removed by reload", open_orders: b.openOrders },
        });
      }
    }
    return counted.map((c) => ({ id: c.account.id, openOrders: c.openOrders }));
  };
  const setHalted = (accountId: string | undefined, halted: boolean) => {
    if (accountId === undefined) globalHalt = halted;
    else fleet.setHalted(accountId, halted);
    logger.warn({ account: accountId ?? "*", halted }, halted ? "trading halted" : "trading resumed");
  };

  await app.register(healthRoutes({ health, metrics }));
  await app.register(authRoutes({ issuer, grant: () => auth.grant }));
  await app.register(fleetRoutes({ ...routeDeps, globalHalt: () => globalHalt }));
  await app.register(adminRoutes({ ...routeDeps, reload, setHalted, audit: auditTrail }));
  await app.register(tradingRoutes({ ...routeDeps, orders }));
  // block state: Redis when configured (survives restarts), else memory, until src/state is wired here
  const blockStore = redis
    ? createRedisBlockStore(redis, config.cache.redisKeyPrefix)
    : createMemoryBlockStore();
  const blocks = createBlockOrderService({ fleet, orders, store: blockStore, now });
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
    accountsAdminRoutes({ auth: authenticator, fleet, admin: accountAdmin, setHalted, audit: auditTrail }),
  );
  await app.register(marketDataRoutes({ ...routeDeps, service: marketData }));
  await app.register(streamRoutes({ ...routeDeps, audit: auditTrail }));

  health.start();
  let closed = false;
  return {
    app,
    fleet,
    audit,
    metrics,
    health,
    get issuer() {
      return auth.issuer;
    },
    config: () => config,
    reload,
    async close() {
      if (closed) return;
      closed = true;
      health.stop();
      stopProbes();
      await app.close(); // stops accepting, lets in-flight requests finish
      await audit.close();
      await fleet.close();
      await budgets.close();
      await transport.close();
      verifier.close();
      redis?.disconnect();
    },
  };
}
