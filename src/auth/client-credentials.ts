/**
 * OAuth2 client-credentials grant (RFC 6749 §4.4) for `POST /v1/auth/token`.
 * Pure: the HTTP route passes the parsed form and the Authorization header in
 * and sends back `status`, `headers` and `body` as they are.
 *
 * - Client authentication: HTTP Basic (§2.3.1, id and secret form-urlencoded
 *   inside) or `client_id` + `client_secret` form fields; never both.
 * - The client is authenticated before the scope is looked at, and an unknown
 *   client is checked against a dummy hash with the same scrypt parameters,
 *   so unknown id and wrong secret answer alike and take similar time.
 * - `scope` is optional (default: all the client's scopes); asking for a scope
 *   the client does not have is `invalid_scope`, not a silent narrowing.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { PaddockError } from "../errors.js";
import { DEFAULT_SCRYPT, parseSecretHash, verifyClientSecret } from "./client-secret.js";
import { MAX_TOKEN_TTL_SECONDS, type TokenIssuer } from "./token-issuer.js";
import { isScope, type Principal, type Scope } from "./types.js";

export interface OAuthClient {
  readonly id: string;
  readonly secretHash: string;
  readonly scopes: ReadonlyArray<Scope>;
  readonly accounts: "*" | ReadonlyArray<string>;
  /** Lifetime of its tokens (default 3600). */
  readonly ttlSeconds?: number;
}

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope";

export interface GrantResult {
  readonly status: number;
  /** `Cache-Control: no-store` always (§5.1); `WWW-Authenticate` on 401. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

export interface ClientCredentialsGrant {
  grant(form: Readonly<Record<string, unknown>>, basicAuthHeader?: string): Promise<GrantResult>;
}

export const DEFAULT_CLIENT_TTL_SECONDS = 3600;
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

const failure = (status: 400 | 401, error: OAuthErrorCode, description: string): GrantResult => ({
  status,
  headers: status === 401 ? { ...NO_STORE, "WWW-Authenticate": 'Basic realm="paddock"' } : NO_STORE,
  body: { error, error_description: description },
});

const configInvalid = (detail: string): PaddockError =>
  new PaddockError("PADDOCK_CONFIG_INVALID", { detail });

export function createClientCredentialsGrant(
  clients: ReadonlyArray<OAuthClient>,
  issuer: TokenIssuer,
): ClientCredentialsGrant {
  const byId = new Map<string, OAuthClient>();
  for (const [i, c] of clients.entries()) {
    const field = `auth.clients[${i}]`;
    if (typeof c.id !== "string" || c.id.length === 0) throw configInvalid(`${field}.id: must be non-empty`);
    if (byId.has(c.id)) throw configInvalid(`${field}.id: duplicate client id`);
    if (parseSecretHash(c.secretHash) === undefined) {
      throw configInvalid(`${field}.secretHash: not a scrypt$N$r$p$salt$hash string`);
    }
    if (c.scopes.length === 0 || !c.scopes.every(isScope)) {
      throw configInvalid(`${field}.scopes: each must be read, trade, data or admin`);
    }
    const ttl = c.ttlSeconds ?? DEFAULT_CLIENT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TOKEN_TTL_SECONDS) {
      throw configInvalid(`${field}.ttlSeconds: between 1 and ${MAX_TOKEN_TTL_SECONDS}`);
    }
    byId.set(c.id, c);
  }
  // Same cost parameters as the first client (all hashes normally share them); it never matches anything.
  const first = clients[0] === undefined ? undefined : parseSecretHash(clients[0].secretHash);
  const p = first ?? DEFAULT_SCRYPT;
  const dummyHash = `scrypt$${p.N}$${p.r}$${p.p}$${"A".repeat(22)}$${"A".repeat(43)}`;

  return {
    async grant(form, basicAuthHeader) {
      const fields: Record<string, string | undefined> = {};
      for (const name of ["grant_type", "client_id", "client_secret", "scope"]) {
        const value = form[name];
        if (value !== undefined && typeof value !== "string") {
          return failure(400, "invalid_request", `parameter ${name} must appear once`);
        }
        fields[name] = value;
      }
      const grantType = fields.grant_type;
      if (grantType === undefined || grantType === "") {
        return failure(400, "invalid_request", "grant_type is required");
      }
      if (grantType !== "client_credentials") {
        return failure(400, "unsupported_grant_type", "only client_credentials is supported");
      }

      let clientId: string | undefined;
      let secret: string | undefined;
      if (basicAuthHeader !== undefined && basicAuthHeader !== "") {
        const basic = parseBasic(basicAuthHeader);
        if (basic === undefined) return failure(401, "invalid_client", "malformed Basic credentials");
        if (fields.client_secret !== undefined) {
          return failure(
            400,
            "invalid_request",
            "use one client authentication method, not Basic and client_secret",
          );
        }
        if (fields.client_id !== undefined && fields.client_id !== basic.id) {
          return failure(400, "invalid_request", "client_id does not match the Basic credentials");
        }
        clientId = basic.id;
        secret = basic.secret;
      } else {
        clientId = fields.client_id;
        secret = fields.client_secret;
      }
      if (clientId === undefined || clientId === "" || secret === undefined || secret === "") {
        return failure(
          401,
          "invalid_client",
          "client authentication required (Basic or client_id and client_secret)",
        );
      }

      const client = byId.get(clientId);
      const ok = await verifyClientSecret(secret, client?.secretHash ?? dummyHash);
      if (client === undefined || !ok) return failure(401, "invalid_client", "client authentication failed");

      let scopes: Scope[] = [...client.scopes];
      const requested = fields.scope?.split(" ").filter((s) => s.length > 0) ?? [];
      if (requested.length > 0) {
        for (const s of requested) {
          if (!isScope(s)) return failure(400, "invalid_scope", "unknown scope requested");
          if (!client.scopes.includes(s)) {
            return failure(400, "invalid_scope", `scope "${s}" is not granted to this client`);
          }
        }
        scopes = [...new Set(requested as Scope[])];
      }

      const ttl = client.ttlSeconds ?? DEFAULT_CLIENT_TTL_SECONDS;
      const accessToken = await issuer.issue({
        sub: client.id,
        clientId: client.id,
        scopes,
        accounts: client.accounts,
        ttlSeconds: ttl,
      });
      return {
        status: 200,
        headers: NO_STORE,
        body: { access_token: accessToken, token_type: "Bearer", expires_in: ttl, scope: scopes.join(" ") },
      };
    },
  };
}

function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`. */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (m?.[1] === undefined) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (id === undefined || secret === undefined) return undefined;
  return { id, secret };
}

/**
 * Registered clients sending their `client_id`/`client_secret` as Alpaca's key pair
 * (`APCA-API-KEY-ID` / `APCA-API-SECRET-KEY`), for bots that only have those two
 * settings. The secret is checked once against the stored scrypt hash, then the pair is
 * cached (by a SHA-256 of id, stored hash and secret, never the secret itself) for the
 * client's token lifetime. The principal is the one a client-credentials token for all
 * the client's scopes would carry.
 */
export interface ClientKeyPairs {
  /** The principal for this pair, or undefined when the id is unknown or the secret wrong. */
  verify(clientId: string, secret: string): Promise<Principal | undefined>;
}

export interface ClientKeyPairOptions {
  /** The configured clients (a getter, so a reload reaches them). */
  readonly clients: () => ReadonlyArray<OAuthClient>;
  readonly now: () => number;
  /** Most cached pairs (default 10,000). */
  readonly maxEntries?: number;
  /** How long a wrong pair is remembered, so repeating it costs no scrypt (default 30 s). */
  readonly negativeTtlMs?: number;
  /** The secret check (default: scrypt against the stored hash); tests count calls. */
  readonly verifySecret?: (secret: string, stored: string) => Promise<boolean>;
}

export function createClientKeyPairs(opts: ClientKeyPairOptions): ClientKeyPairs {
  const cache = new LRUCache<string, { principal: Principal | undefined; until: number }>({
    max: opts.maxEntries ?? 10_000,
  });
  const negativeTtl = opts.negativeTtlMs ?? 30_000;
  const verifySecret = opts.verifySecret ?? verifyClientSecret;
  return {
    async verify(clientId, secret) {
      if (clientId === "" || secret === "") return undefined;
      const client = opts.clients().find((c) => c.id === clientId);
      if (client === undefined) return undefined;
      const key = createHash("sha256")
        .update(`${client.id}\u0000${client.secretHash}\u0000${secret}`)
        .digest("base64url");
      const now = opts.now();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.principal;
      if (!(await verifySecret(secret, client.secretHash))) {
        cache.set(key, { principal: undefined, until: now + negativeTtl });
        return undefined;
      }
      const ttl = client.ttlSeconds ?? DEFAULT_CLIENT_TTL_SECONDS;
      const iat = Math.floor(now / 1000);
      const principal: Principal = Object.freeze({
        sub: client.id,
        clientId: client.id,
        scopes: new Set(client.scopes),
        accounts: client.accounts === "*" ? "*" : new Set(client.accounts),
        iat,
        exp: iat + ttl,
      });
      cache.set(key, { principal, until: now + ttl * 1000 });
      return principal;
    },
  };
}
