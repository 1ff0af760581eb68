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
import { createRevocations } from "./auth/revocations.js";
import { createTokenIssuer, type TokenIssuer } from "./auth/token-issuer.js";
import type { AuthOptions } from "./auth/types.js";
import { createVerifier, type Verifier } from "./auth/verifier.js";
import type { LoadedConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { createAuthenticator } from "./http/authenticator.js";
import { installErrorHandling } from "./http/error-handler.js";
import type { RouteDeps } from "./http/route-deps.js";
import { adminRoutes } from "./http/routes/admin.js";
import { authRoutes } from "./http/routes/auth.js";
import { fleetRoutes } from "./http/routes/fleet.js";
import { healthRoutes } from "./http/routes/health.js";
import { marketDataRoutes } from "./http/routes/market-data.js";
import { streamRoutes } from "./http/routes/streams.js";
import { tradingRoutes } from "./http/routes/trading.js";
import { createHealthRegistry, type HealthRegistry } from "./observability/health.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { createBudgetFactory } from "./resilience/budget.js";
import { openStateStore } from "./state/open-state-store.js";
import { createHalts, mirrorHaltsToFleet } from "./trading/halts.js";
import { createOrderLedger } from "./trading/order-ledger.js";
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
  reload(): Promise<{ added: string[]; removed: string[]; rekeyed: string[] }>;
  close(): Promise<void>;
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

  // auth
  const verifier: Verifier = await createVerifier(authOptionsOf(config), {
    now,
    isRevoked: (p) => revocations.isRevoked(p),
  });
  metrics.onCollect(() => {
    const s = verifier.stats();
    metrics.authVerifications.set({ result: "signature_check" }, s.signatureChecks);
    metrics.authVerifications.set({ result: "cache_hit" }, s.cacheHits);
  });
  const signing = authOptionsOf(config).signing;
  const issuer = signing ? await createTokenIssuer(signing, { now }) : undefined;
  const grant: ClientCredentialsGrant | undefined =
    issuer && config.auth.clients.length > 0
      ? createClientCredentialsGrant(config.auth.clients, issuer)
      : undefined;

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
  const ledger = createOrderLedger({ store, now });
  const stopHaltMirror = mirrorHaltsToFleet(halts, fleet);
  const stopProbes = registerUpstreamProbes({ health, fleet, metrics, logger, config: () => config, now });
  const authenticator = createAuthenticator(verifier, fleet);

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

  const routeDeps: RouteDeps = { config, fleet, auth: authenticator, logger, metrics, health, redis, now };
  const reload = async () => {
    if (!deps.loadConfig) throw new Error("reload is not available: no configuration loader");
    let next: LoadedConfig;
    try {
      next = await deps.loadConfig();
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "config reload refused; keeping the running configuration",
      );
      throw err;
    }
    config = next.config;
    const change = await fleet.reconfigure(config);
    logger.info(change, "configuration reloaded");
    return change;
  };
  const setHalted = async (accountId: string | undefined, halted: boolean, by?: string) => {
    await halts.set(accountId, halted, by);
    logger.warn({ account: accountId ?? "*", halted }, halted ? "trading halted" : "trading resumed");
  };

  await app.register(healthRoutes({ health, metrics }));
  await app.register(authRoutes({ issuer, grant }));
  await app.register(fleetRoutes(routeDeps));
  await app.register(adminRoutes({ ...routeDeps, reload, setHalted, revocations, audit: auditTrail }));
  await app.register(
    tradingRoutes({ ...routeDeps, ledger, audit: auditTrail, isHalted: () => halts.isHalted() }),
  );
  await app.register(marketDataRoutes(routeDeps));
  await app.register(streamRoutes({ ...routeDeps, audit: auditTrail }));

  health.start();
  let closed = false;
  return {
    app,
    fleet,
    audit,
    metrics,
    health,
    issuer,
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
      stopHaltMirror();
      halts.close();
      revocations.close();
      await store.close();
      redis?.disconnect();
    },
  };
}
