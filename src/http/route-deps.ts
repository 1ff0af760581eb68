/**
 * What a route plugin receives. Each plugin in src/http/routes is a function of these
 * deps returning a Fastify plugin; app.ts registers them in a fixed order.
 */
import type { FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { Fleet } from "../accounts/types.js";
import type { Principal, Scope } from "../auth/types.js";
import type { Config } from "../config/schema.js";
import type { HealthRegistry } from "../observability/health.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

export interface Authenticator {
  /**
   * Verifies the request's Bearer token (cached per token) — or, without an Authorization
   * header, its `APCA-API-KEY-ID`/`APCA-API-SECRET-KEY` pair (see verifyKeyPair) — and checks the scope and,
   * when given, the account. Throws PaddockError (401/403/404/431); never reaches upstream on failure.
   */
  authenticate(request: FastifyRequest, need: { scope: Scope; accountId?: string }): Promise<Principal>;
  /** The same for a raw token (WebSocket auth messages carry the JWT as the secret). */
  verifyToken(token: string, need: { scope: Scope; accountId?: string }): Promise<Principal>;
  /**
   * The same for Alpaca's key pair (REST headers without Authorization, stream auth
   * messages): the secret may be a gateway JWT (any key id), or a registered OAuth2
   * client's `client_id`/`client_secret` (checked once against its hash, then cached).
   */
  verifyKeyPair(
    keyId: string,
    secret: string,
    need: { scope: Scope; accountId?: string },
  ): Promise<Principal>;
}

/** `authenticate` from a raw request's headers (the pass-through's fast path, before Fastify sees it). */
export interface HeaderAuthenticator {
  authenticateHeaders(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    need: { scope: Scope; accountId?: string },
  ): Promise<Principal>;
}

export interface RouteDeps {
  /** The running configuration, read at use: a reload reaches every route. */
  readonly config: () => Config;
  readonly fleet: Fleet;
  readonly auth: Authenticator;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthRegistry;
  /** Shared Redis when cache.redisUrl is set. */
  readonly redis: Redis | undefined;
  readonly now: () => number;
}
