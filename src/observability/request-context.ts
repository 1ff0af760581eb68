/**
 * Who and what a request is about, for logs and traces: the request id (the caller's
 * `X-Request-Id` when it is sane, else a new UUID), and — once the bearer token is verified —
 * the subject and the account, bound to the request's logger so every later line carries them.
 */
import { randomUUID } from "node:crypto";
import { trace } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import type { Tracing } from "./tracing.js";

/** At most 128 characters of `[A-Za-z0-9._-]`: safe to echo, log and use as a label. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's request id when it is sane; a new UUID otherwise (absent, too long, odd characters). */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Requests whose logger already carries `sub` and `account`. */
const bound = new WeakSet<FastifyRequest>();

/** What a request's logger can do beyond pino's methods when it is a RequestLogger. */
interface Bindable {
  bind?(extra: Record<string, unknown>): void;
  readonly bindings?: Record<string, unknown>;
}

/** The account a request names in its path (`/v1/accounts/:accountId/...`), if any. */
export function accountOf(request: FastifyRequest): string | undefined {
  const id = (request.params as { accountId?: unknown } | undefined)?.accountId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Fields of the access line: the request's bindings (request id, and subject and account once
 * authenticated), else the account the path names.
 */
export function accessLogFields(request: FastifyRequest): Record<string, unknown> {
  const bindings = (request.log as unknown as Bindable).bindings ?? { reqId: request.id };
  if (bound.has(request)) return bindings;
  const account = accountOf(request);
  return account === undefined ? bindings : { ...bindings, account };
}

interface AuthenticatorLike {
  authenticate(
    request: FastifyRequest,
    need: { scope: string; accountId?: string },
  ): Promise<{ sub: string }>;
}

/**
 * Wraps the authenticator: each verification runs in an `auth` span, and a verified caller's
 * subject (and the account asked for) are bound to the request's logger and span.
 */
export function instrumentAuthenticator<A extends AuthenticatorLike>(auth: A, tracing: Tracing): A {
  const bind = (request: FastifyRequest, need: { accountId?: string }, sub: string) => {
    const account = need.accountId ?? accountOf(request);
    if (tracing.enabled) {
      trace.getActiveSpan()?.setAttributes({
        "enduser.id": sub,
        ...(account ? { "paddock.account": account } : {}),
      });
    }
    if (!bound.has(request)) {
      const extra = { sub, ...(account ? { account } : {}) };
      const log = request.log as unknown as Bindable;
      if (log.bind) log.bind(extra);
      else request.log = request.log.child(extra);
      bound.add(request);
    }
  };
  // without tracing, no span and no extra async layer on every request
  const authenticate = tracing.enabled
    ? (request: FastifyRequest, need: { scope: string; accountId?: string }) =>
        tracing.span(
          "auth",
          async () => {
            const principal = await auth.authenticate(request, need);
            bind(request, need, principal.sub);
            return principal;
          },
          { "paddock.scope": need.scope },
        )
    : (request: FastifyRequest, need: { scope: string; accountId?: string }) =>
        auth.authenticate(request, need).then((principal) => {
          bind(request, need, principal.sub);
          return principal;
        });
  return { ...auth, authenticate };
}
