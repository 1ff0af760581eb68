/**
 * A small gateway for the streams tests: Fastify + @fastify/websocket + the
 * streams route plugin, a stand-in fleet whose accounts forward to the fake
 * Alpaca with undici, and a stand-in authenticator (tokens are looked up in a
 * table; the real JWT verifier is tested by its own suite).
 */
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { request as undiciRequest } from "undici";
import type { Account, Fleet, UpstreamRequest } from "../../../src/accounts/types.js";
import type { Principal, Scope } from "../../../src/auth/types.js";
import { createVerifier } from "../../../src/auth/verifier.js";
import type { Config } from "../../../src/config/schema.js";
import { isPaddockError, PaddockError } from "../../../src/errors.js";
import { createAuthenticator } from "../../../src/http/authenticator.js";
import type { Authenticator } from "../../../src/http/route-deps.js";
import { streamRoutes } from "../../../src/http/routes/streams.js";
import { silentLogger } from "../../../src/observability/logger.js";
import {
  createStreamService,
  type StreamService,
  type StreamServiceDeps,
} from "../../../src/streams/stream-service.js";
import type { AuditAppender } from "../../../src/streams/trade-sinks.js";

export interface HarnessOptions {
  readonly upstreamUrl: string;
  readonly accounts?: number;
  readonly streams?: Partial<Config["streams"]>;
  readonly redis?: Redis;
  readonly redisKeyPrefix?: string;
  readonly audit?: AuditAppender;
  /** The coordinator a worker of `serve --workers` gets from its primary (no Redis). */
  readonly coordinator?: StreamServiceDeps["coordinator"];
  /** Timing knobs that are not configuration (tests shorten leases and backoff). */
  readonly tuning?: Pick<
    StreamServiceDeps,
    "leaseTtlMs" | "leaseRenewMs" | "backoff" | "authTimeoutMs" | "marketOpen"
  >;
  /** Use the gateway's real JWT verifier and authenticator (HS256 with this secret). */
  readonly hs256Secret?: string;
}

export interface Harness {
  readonly url: string;
  readonly wsUrl: string;
  readonly app: FastifyInstance;
  readonly service: StreamService;
  readonly registry: Registry;
  readonly fleet: FakeFleet;
  /** Registers a token for a principal. */
  token(p: { scopes: Scope[]; accounts: "*" | string[]; ttlSeconds?: number }): string;
  close(): Promise<void>;
}

let tokenCounter = 0;

export interface FakeFleet extends Fleet {
  /** Changes an account's key id and tells the listeners, as a config reload would. */
  rekey(id: string, keyId: string): void;
}

export function fakeFleet(upstreamUrl: string, n: number): FakeFleet {
  const listeners = new Set<(c: { added: string[]; removed: string[]; rekeyed: string[] }) => void>();
  const keys = new Map<string, string>();
  const accounts: Account[] = Array.from({ length: n }, (_, i) => {
    const id = `acct-${i + 1}`;
    keys.set(id, `KEY-${i + 1}`);
    const keyId = () => keys.get(id)!;
    return {
      id,
      mode: "paper",
      tags: [],
      feed: "iex",
      limits: { pdtCheck: false },
      tradingUrl: upstreamUrl,
      streamUrl: `${upstreamUrl.replace(/^http/, "ws")}/stream`,
      credentials: () => ({ keyId: keyId(), secretKey: `secret-${i + 1}` }),
      status: () => ({
        budget: { limit: 200, remaining: 200, resetAt: 0, queued: 0 },
        breaker: "closed",
        halted: false,
      }),
      async request(req: UpstreamRequest) {
        const res = await undiciRequest(`${upstreamUrl}${req.path}`, {
          method: req.method,
          headers: { "apca-api-key-id": keyId(), "apca-api-secret-key": `secret-${i + 1}` },
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        return { status: res.statusCode, headers: res.headers, body };
      },
    };
  });
  return {
    get: (id) => accounts.find((a) => a.id === id),
    list: () => accounts,
    dataAccounts: () => accounts,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    rekey(id, keyId) {
      keys.set(id, keyId);
      for (const l of listeners) l({ added: [], removed: [], rekeyed: [id] });
    },
  };
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const principals = new Map<string, Principal>();
  const fleet = fakeFleet(opts.upstreamUrl, opts.accounts ?? 3);
  const check = (token: string, need: { scope: Scope; accountId?: string }): Principal => {
    const p = principals.get(token);
    if (!p) throw new PaddockError("PADDOCK_AUTH_INVALID");
    if (!p.scopes.has(need.scope)) throw new PaddockError("PADDOCK_AUTH_SCOPE", { detail: need.scope });
    if (need.accountId !== undefined) {
      if (p.accounts !== "*" && !p.accounts.has(need.accountId))
        throw new PaddockError("PADDOCK_AUTH_ACCOUNT", { detail: need.accountId });
      if (!fleet.get(need.accountId)) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN");
    }
    return p;
  };
  const auth: Authenticator = {
    async authenticate(request, need) {
      const m = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "");
      if (!m) throw new PaddockError("PADDOCK_AUTH_MISSING");
      return check(m[1]!, need);
    },
    async verifyToken(token, need) {
      return check(token, need);
    },
    async verifyKeyPair(_keyId, secret, need) {
      return check(secret, need);
    },
  };
  const realAuth = opts.hs256Secret
    ? createAuthenticator(
        await createVerifier({
          algorithms: ["HS256"],
          clockSkewSeconds: 0,
          maxLifetimeSeconds: 86_400,
          maxTokenBytes: 8192,
          publicKeyFiles: [],
          jwksRefreshSeconds: 600,
          hs256Secret: opts.hs256Secret,
          cacheMaxEntries: 100,
        }),
        fleet,
      )
    : undefined;
  const registry = new Registry();
  const streams: Config["streams"] = {
    maxClients: 500,
    maxSymbolsPerClient: 100,
    sendBufferBytes: 4_194_304,
    silenceTimeoutMs: 60_000,
    unsubscribeGraceMs: 200,
    recordTradeUpdates: false,
    upstreamConnectsPerSecond: 1000,
    maxPendingClients: 500,
    authTimeoutMs: 10_000,
    ...opts.streams,
  };
  // what app.ts does: build the service, then hand it to the route plugin
  const service = await createStreamService({
    streams,
    dataStreamUrl: opts.upstreamUrl.replace(/^http/, "ws"),
    fleet,
    logger: silentLogger(),
    registry,
    redis: opts.redis,
    redisKeyPrefix: opts.redisKeyPrefix ?? "paddock:",
    audit: opts.audit,
    now: Date.now,
    ...(opts.coordinator ? { coordinator: opts.coordinator } : {}),
    ...opts.tuning,
  });
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    if (isPaddockError(err)) return reply.code(err.status).send(err.toBody());
    return reply.code(500).send({ code: 50010000, message: String(err) });
  });
  app.addHook("onClose", () => service.close());
  await app.register(websocket);
  await app.register(streamRoutes({ auth: realAuth ?? auth, service }));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    app,
    service,
    registry,
    fleet,
    token(p) {
      const token = `tok-${++tokenCounter}`;
      const now = Math.floor(Date.now() / 1000);
      principals.set(token, {
        sub: token,
        scopes: new Set(p.scopes),
        accounts: p.accounts === "*" ? "*" : new Set(p.accounts),
        iat: now,
        exp: now + (p.ttlSeconds ?? 3600),
      });
      return token;
    },
    close: () => app.close(),
  };
}
