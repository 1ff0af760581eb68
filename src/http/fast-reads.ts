/**
 * The fast path of the trading pass-through: a GET of a read route of the Alpaca table, for
 * an account of this instance, answered straight from Node's request and response objects,
 * before Fastify builds its request, reply, hooks and routing for it. It does what the
 * Fastify route and the gateway's hooks do for such a request, in the same order and with the
 * same answer: the canonical-target check, the route table, authentication and the account's
 * scope, the order service's read (budget, breakers, retries, metrics of what went upstream),
 * the pass-through headers, `X-Request-Id`, the error envelope, the HTTP metrics and the
 * access line.
 *
 * Anything else — another method, a target that is not canonical, a route that is not a read,
 * an unknown account, a failed authentication, tracing on, an upgrade — is left to Fastify,
 * which answers it (with the error, when there is one) as before: `tryServe` returns false, or,
 * when authentication fails after it took the request, hands the untouched request to Fastify.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fleet, HttpMethod } from "../accounts/types.js";
import type { Logger } from "../observability/logger.js";
import { requestIdFrom } from "../observability/request-context.js";
import { RequestLogger } from "../observability/request-logger.js";
import type { AnsweredRequest } from "../observability/request-record.js";
import { checkRouteParams, matchTradingSegments } from "../trading/alpaca-routes.js";
import type { OrderService } from "../trading/order-service.js";
import { requestTarget } from "./canonical-target.js";
import { errorHeaders, logError, toPaddockError } from "./error-handler.js";
import { passThroughHeaders, passThroughRoute } from "./pass-through-reply.js";
import type { HeaderAuthenticator } from "./route-deps.js";

export interface FastReadsDeps {
  readonly fleet: Fleet;
  readonly auth: HeaderAuthenticator;
  readonly orders: OrderService;
  /** The root logger (a request's own lines are its children). */
  readonly logger: Logger;
  /** Counts, times and logs an answered request (request-record.ts), as the onResponse hook does. */
  readonly record: (r: AnsweredRequest) => void;
  /** The fast path stands aside while this is true (tracing wraps every request in a span). */
  readonly disabled: () => boolean;
  /** Headers every answer of this instance carries (e.g. `X-Paddock-Shard` of a shard's replica). */
  readonly instanceHeaders?: () => Readonly<Record<string, string>> | undefined;
}

export function createFastReads(deps: FastReadsDeps) {
  const { fleet, auth, orders, logger, record } = deps;
  const method: HttpMethod = "GET";

  /**
   * Serves `req` if it is a pass-through read; false leaves it to `fallback` (Fastify), which
   * is also called with the request when its authentication fails.
   */
  return function tryServe(
    req: IncomingMessage,
    res: ServerResponse,
    fallback: (req: IncomingMessage, res: ServerResponse) => void,
  ): boolean {
    if (req.method !== method || deps.disabled() || req.headers.upgrade !== undefined) return false;
    const url = req.url;
    if (url === undefined || !url.startsWith("/v1/accounts/")) return false;
    let target: ReturnType<typeof requestTarget>;
    try {
      target = requestTarget(req);
    } catch {
      return false; // Fastify's onRequest hook answers the 400
    }
    if (!target) return false;
    const segments = target.segments;
    const accountId = segments[2]!;
    const account = fleet.get(accountId);
    const version = segments[3];
    const route = version === undefined ? undefined : passThroughRoute(version);
    if (!account || route === undefined) return false;
    const match = matchTradingSegments(method, segments.slice(3));
    if (!match || match.route.action !== undefined) return false;
    try {
      checkRouteParams(match);
    } catch {
      return false;
    }
    const kind = match.route;
    const path = target.query === "" ? match.upstreamPath : `${match.upstreamPath}?${target.query}`;
    const started = performance.now();
    const requestId = requestIdFrom(req.headers["x-request-id"]);

    const finish = (
      status: number,
      headers: Record<string, string | string[]>,
      body: Buffer | string,
      fields: Readonly<Record<string, unknown>>,
      code?: string,
    ) => {
      headers["x-request-id"] = requestId;
      const own = deps.instanceHeaders?.();
      if (own) for (const k in own) headers[k] = own[k]!;
      const bodiless = status === 204 || status === 304;
      if (!bodiless) headers["content-length"] = String(Buffer.byteLength(body));
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(status, headers);
        if (bodiless) res.end();
        else res.end(body);
      }
      record({ route, method, path: target.path, status, ms: performance.now() - started, code, fields });
    };

    auth.authenticateHeaders(req.headers, { scope: kind.scope, accountId }).then(
      (principal) => {
        const fields = { reqId: requestId, sub: principal.sub, account: accountId };
        const log = new RequestLogger(logger, fields);
        // a read whose client has gone away is dropped before it spends the account's budget
        const gone = new AbortController();
        res.once("close", () => {
          if (!res.writableEnded) gone.abort();
        });
        orders
          .handle({
            account,
            method,
            path,
            body: undefined,
            kind,
            requestId,
            subject: principal.sub,
            signal: gone.signal,
            log,
          })
          .then(
            (out) => {
              const body = out.res.body;
              finish(out.res.status, passThroughHeaders(out.res, account, out.headers), body, fields);
            },
            (err: unknown) => {
              const e = toPaddockError(err);
              logError(log, e, requestId);
              const headers: Record<string, string | string[]> = {
                ...errorHeaders(e),
                "content-type": "application/json; charset=utf-8",
              };
              finish(e.status, headers, JSON.stringify(e.toBody(requestId)), fields, e.code);
            },
          );
      },
      // Fastify answers the same error with its hooks (the caller is not known, so nothing else differs)
      () => fallback(req, res),
    );
    return true;
  };
}
