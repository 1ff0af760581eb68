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

/** The account a request names in its path (`/v1/accounts/:accountId/...`), if any. */
export function accountOf(request: FastifyRequest): string | undefined {
  const id = (request.params as { accountId?: unknown } | undefined)?.accountId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Fields the access log line adds itself: the account when authentication did not bind it. */
export function accessLogFields(request: FastifyRequest): { account?: string } {
  if (bound.has(request)) return {};
  const account = accountOf(request);
  return account === undefined ? {} : { account };
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
  return {
    ...auth,
    authenticate: (request: FastifyRequest, need: { scope: string; accountId?: string }) =>
      tracing.span(
        "auth",
        async () => {
          const principal = await auth.authenticate(request, need);
          const account = need.accountId ?? accountOf(request);
          trace.getActiveSpan()?.setAttributes({
            "enduser.id": principal.sub,
            ...(account ? { "paddock.account": account } : {}),
          });
          if (!bound.has(request)) {
            request.log = request.log.child({ sub: principal.sub, ...(account ? { account } : {}) });
            bound.add(request);
          }
          return principal;
        },
        { "paddock.scope": need.scope },
      ),
  };
}
