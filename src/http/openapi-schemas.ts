/**
 * The OpenAPI document at `/openapi.json`: the gateway's own routes with their schemas
 * (fleet, portfolio, admin, auth, health), the error envelope with every code of
 * src/errors.ts, the public routes marked `security: []`, and the trading pass-through
 * listed route by route from the one table in src/trading/alpaca-routes.ts. It augments
 * what @fastify/swagger generates (its `transformObject` hook), so a route added with a
 * schema elsewhere still appears.
 */
import { ERROR_CODES } from "../errors.js";
import { TRADING_ROUTES, type TradingRoute } from "../trading/alpaca-routes.js";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
const errorResponse = (description: string): Json => jsonBody(ref("Error"), description);

/** Gateway errors every authenticated route can answer. */
const AUTH_ERRORS: Json = {
  "401": errorResponse("No or invalid token (PADDOCK_AUTH_*)"),
  "403": errorResponse("Scope or account not granted"),
  "431": errorResponse("Token too large"),
};

const PUBLIC: Json[] = [];

/** With shards (docs/deploy.md): who answered, and the shards whose accounts are missing from this answer. */
const SHARD_FIELDS = {
  shard: { type: "string", description: "The shard of the replica that answered (with shards only)" },
  partial: { type: "boolean", description: "True when a shard did not answer (with shards only)" },
  missing_shards: {
    type: "array",
    items: {
      type: "object",
      properties: { shard: { type: "string" }, error: { type: "string" } },
    },
  },
} as const;

const SCHEMAS: Record<string, Json> = {
  Error: {
    type: "object",
    description:
      "Alpaca's error envelope. Gateway-made errors carry the header `X-Paddock-Source: gateway`; " +
      "`x-paddock-codes` lists every gateway code (docs/errors.md).",
    required: ["code", "message"],
    properties: {
      code: {
        type: "integer",
        enum: [...new Set(Object.values(ERROR_CODES).map((c) => c.alpaca))].sort((a, b) => a - b),
      },
      message: { type: "string" },
      request_id: { type: "string" },
      client_order_id: { type: "string" },
    },
    additionalProperties: true,
    "x-paddock-codes": Object.fromEntries(
      Object.entries(ERROR_CODES).map(([name, c]) => [
        name,
        { status: c.status, code: c.alpaca, retryable: c.retryable, message: c.message },
      ]),
    ),
  },
  Budget: {
    type: "object",
    required: ["limit_per_minute", "remaining", "reset_at", "queued"],
    properties: {
      limit_per_minute: { type: "integer" },
      remaining: { type: "integer" },
      reset_at: { type: "string", format: "date-time" },
      queued: { type: "integer" },
    },
  },
  AccountView: {
    type: "object",
    required: ["id", "mode", "status", "budget", "breaker", "halted"],
    properties: {
      id: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
      mode: { type: "string", enum: ["paper", "live"] },
      tags: { type: "array", items: { type: "string" } },
      status: { type: "string", enum: ["active", "halted", "unavailable"] },
      budget: ref("Budget"),
      breaker: { type: "string", enum: ["closed", "open", "half_open"] },
      halted: { type: "boolean" },
      last_upstream_error: { type: "string", nullable: true },
    },
  },
  AccountList: {
    type: "object",
    required: ["accounts"],
    properties: {
      accounts: { type: "array", items: ref("AccountView") },
      next_cursor: { type: "string", nullable: true },
      total: { type: "integer" },
      global_halt: { type: "boolean" },
      ...SHARD_FIELDS,
    },
  },
  Portfolio: {
    type: "object",
    required: ["totals", "positions", "accounts"],
    properties: {
      ...SHARD_FIELDS,
      totals: {
        type: "object",
        properties: {
          equity: { type: "string" },
          cash: { type: "string" },
          accounts: { type: "integer" },
          accounts_failed: { type: "integer" },
        },
      },
      positions: {
        type: "array",
        items: {
          type: "object",
          properties: {
            symbol: { type: "string" },
            qty: { type: "string" },
            market_value: { type: "string" },
            unrealized_pl: { type: "string" },
            accounts: { type: "array", items: { type: "string" } },
          },
        },
      },
      accounts: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            mode: { type: "string" },
            status: { type: "string", enum: ["ok", "error"] },
            equity: { type: "string" },
            cash: { type: "string" },
            buying_power: { type: "string" },
            positions: { type: "array", items: { type: "object", additionalProperties: true } },
            error: { type: "string" },
          },
        },
      },
    },
  },
  HaltResult: {
    type: "object",
    required: ["halted", "scope"],
    properties: { halted: { type: "boolean" }, scope: { type: "string" } },
  },
  ReloadResult: {
    type: "object",
    required: ["reloaded"],
    properties: {
      reloaded: { type: "boolean" },
      added: { type: "array", items: { type: "string" } },
      removed: { type: "array", items: { type: "string" } },
      rekeyed: { type: "array", items: { type: "string" } },
    },
  },
  TokenRequest: {
    type: "object",
    required: ["grant_type"],
    properties: {
      grant_type: { type: "string", enum: ["client_credentials"] },
      client_id: { type: "string" },
      client_secret: { type: "string" },
      scope: { type: "string", description: "Space-separated subset of read trade data admin." },
    },
  },
  TokenResponse: {
    type: "object",
    required: ["access_token", "token_type", "expires_in", "scope"],
    properties: {
      access_token: { type: "string" },
      token_type: { type: "string", enum: ["Bearer"] },
      expires_in: { type: "integer" },
      scope: { type: "string" },
    },
  },
  OAuthError: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "string",
        enum: ["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"],
      },
      error_description: { type: "string" },
    },
  },
  Jwks: {
    type: "object",
    required: ["keys"],
    properties: { keys: { type: "array", items: { type: "object", additionalProperties: true } } },
  },
  Liveness: { type: "object", properties: { status: { type: "string", enum: ["ok"] } } },
  Readiness: {
    type: "object",
    required: ["status"],
    properties: {
      status: { type: "string", enum: ["up", "degraded", "down"] },
      components: { type: "object", additionalProperties: true },
    },
    additionalProperties: true,
  },
};

const op = (o: {
  id: string;
  summary: string;
  tag: string;
  ok: Json;
  public?: boolean;
  params?: Json[];
  body?: Json;
  errors?: Json;
}): Json => ({
  operationId: o.id,
  summary: o.summary,
  tags: [o.tag],
  ...(o.public ? { security: PUBLIC } : {}),
  ...(o.params ? { parameters: o.params } : {}),
  ...(o.body ? { requestBody: o.body } : {}),
  responses: { "200": o.ok, ...(o.public ? {} : AUTH_ERRORS), ...o.errors },
});

const accountIdParam = (name: string): Json => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
});

const halt = (halted: boolean, scoped: boolean): Json =>
  op({
    id: `${halted ? "halt" : "resume"}${scoped ? "Account" : "All"}`,
    summary: scoped
      ? `${halted ? "Halt" : "Resume"} new orders on one account (scope admin over it)`
      : `${halted ? "Halt" : "Resume"} new orders on every account (scope admin, accounts "*")`,
    tag: "admin",
    ok: jsonBody(ref("HaltResult"), "The kill switch's new state"),
    ...(scoped
      ? { params: [accountIdParam("id")], errors: { "404": errorResponse("Unknown account") } }
      : {}),
  });

/** The gateway's own routes. */
export function gatewayPaths(): Record<string, Json> {
  return {
    "/livez": {
      get: op({
        id: "livez",
        summary: "Liveness",
        tag: "health",
        public: true,
        ok: jsonBody(ref("Liveness"), "The process is up"),
      }),
    },
    "/readyz": {
      get: op({
        id: "readyz",
        summary: "Readiness with component checks (upstream per mode, Redis, audit sink)",
        tag: "health",
        public: true,
        ok: jsonBody(ref("Readiness"), "Ready (possibly degraded)"),
        errors: { "503": jsonBody(ref("Readiness"), "A required component is down") },
      }),
    },
    "/metrics": {
      get: op({
        id: "metrics",
        summary: "Prometheus metrics",
        tag: "health",
        public: true,
        ok: {
          description: "Prometheus text format",
          content: { "text/plain": { schema: { type: "string" } } },
        },
      }),
    },
    "/.well-known/jwks.json": {
      get: op({
        id: "jwks",
        summary: "The public keys of the gateway's own signing key",
        tag: "auth",
        public: true,
        ok: jsonBody(ref("Jwks"), "JSON Web Key Set"),
      }),
    },
    "/v1/auth/token": {
      post: op({
        id: "issueToken",
        summary: "OAuth2 client-credentials grant (RFC 6749 §4.4): client secret → gateway JWT",
        tag: "auth",
        public: true,
        body: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: ref("TokenRequest") } },
        },
        ok: jsonBody(ref("TokenResponse"), "A signed JWT"),
        errors: {
          "400": jsonBody(ref("OAuthError"), "invalid_request, unsupported_grant_type, invalid_scope"),
          "401": jsonBody(ref("OAuthError"), "invalid_client"),
        },
      }),
    },
    "/v1/accounts": {
      get: op({
        id: "listAccounts",
        summary: "The caller's accounts: mode, status, rate budget left, breaker state",
        tag: "fleet",
        ok: jsonBody(ref("AccountList"), "Accounts the token may use"),
      }),
    },
    "/v1/portfolio": {
      get: op({
        id: "portfolio",
        summary: "Positions and equity aggregated over the caller's accounts",
        tag: "fleet",
        ok: jsonBody(ref("Portfolio"), "Totals, positions by symbol, and each account"),
      }),
    },
    "/v1/admin/halt": { post: halt(true, false) },
    "/v1/admin/resume": { post: halt(false, false) },
    "/v1/admin/accounts/{id}/halt": { post: halt(true, true) },
    "/v1/admin/accounts/{id}/resume": { post: halt(false, true) },
    "/v1/admin/reload": {
      post: op({
        id: "reload",
        summary: "Re-read and validate the configuration; add, remove and re-key accounts",
        tag: "admin",
        ok: jsonBody(ref("ReloadResult"), "What changed"),
        errors: { "500": errorResponse("The new configuration was refused; the running one is kept") },
      }),
    },
  };
}

const opId = (r: TradingRoute): string =>
  `alpaca_${r.method.toLowerCase()}_${r.operation.replace(/[^A-Za-z0-9_]/g, "_")}`;

/** The trading pass-through: one operation per route of the table, under `/v1/accounts/{accountId}`. */
export function passThroughPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const r of TRADING_ROUTES) {
    const path = `/v1/accounts/{accountId}${r.template}`;
    const params = [
      accountIdParam("accountId"),
      ...Object.entries(r.params).map(([name, kind]) => ({
        name,
        in: "path",
        required: true,
        schema: kind === "uuid" ? { type: "string", format: "uuid" } : { type: "string" },
        description: kind === "uuid" ? "Not a UUID → 422 code 40010001, like Alpaca" : `a ${kind}`,
      })),
    ];
    const operation: Json = {
      operationId: opId(r),
      summary: `Alpaca ${r.operation}, passed through with the account's keys`,
      tags: ["trading pass-through"],
      parameters: params,
      ...(r.method === "GET" || r.method === "DELETE"
        ? {}
        : {
            requestBody: {
              required: r.action === "order.submit" || r.action === "order.replace",
              content: { "application/json": { schema: { type: "object", additionalProperties: true } } },
            },
          }),
      responses: {
        "200": { description: "Alpaca's answer, unchanged (status, body and headers)" },
        "400": errorResponse("Request target not canonical (PADDOCK_REQUEST_TARGET)"),
        ...AUTH_ERRORS,
        "404": errorResponse("Unknown account"),
        "422": errorResponse("Invalid field or path parameter, named in the message"),
        "429": errorResponse("The account's budget is spent; see Retry-After"),
        "503": errorResponse("Circuit open; see Retry-After"),
      },
      "x-paddock-scope": r.scope,
      "x-paddock-priority": r.priority,
      "x-paddock-idempotent": r.idempotent,
      ...(r.action ? { "x-paddock-audit-action": r.action } : {}),
    };
    paths[path] = { ...(paths[path] as Json | undefined), [r.method.toLowerCase()]: operation };
  }
  return paths;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** @fastify/swagger `transformObject`: the generated document plus everything above. */
export function augmentOpenApi(generated: Json): Json {
  const components = (generated.components as Json | undefined) ?? {};
  const paths: Record<string, Json> = { ...((generated.paths as Record<string, Json> | undefined) ?? {}) };
  // routes documented by nobody else still say how they fail
  for (const item of Object.values(paths)) {
    for (const m of METHODS) {
      const o = item[m] as Json | undefined;
      if (o && (o.responses === undefined || Object.keys(o.responses as Json).length === 0)) {
        o.responses = { "200": { description: "OK" }, ...AUTH_ERRORS };
      }
    }
  }
  for (const [p, item] of Object.entries({ ...gatewayPaths(), ...passThroughPaths() })) {
    paths[p] = { ...paths[p], ...item };
  }
  return {
    ...generated,
    components: {
      ...components,
      securitySchemes: {
        ...(components.securitySchemes as Json | undefined),
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apcaKeyId: {
          type: "apiKey",
          in: "header",
          name: "APCA-API-KEY-ID",
          description: "Any value with a gateway JWT as the secret, or a registered client's client_id",
        },
        apcaSecretKey: {
          type: "apiKey",
          in: "header",
          name: "APCA-API-SECRET-KEY",
          description: "The gateway JWT, or a registered client's client_secret",
        },
      },
      schemas: { ...(components.schemas as Json | undefined), ...SCHEMAS },
    },
    security: [{ bearer: [] }, { apcaKeyId: [], apcaSecretKey: [] }],
    paths,
  };
}
