/**
 * Alpaca-compatible trading pass-through: `/v1/accounts/{accountId}/v2/*` → the
 * account's Alpaca trading base `/v2/*`, method, query and body unchanged, with the
 * account's keys. The route parses, authorises, calls the order service (src/trading/order-service.ts,
 * which validates, holds, risk-checks, sends safely and audits) and replies.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Account, HttpMethod, UpstreamResponse } from "../../accounts/types.js";
import type { OrderService, TradingRouteKind } from "../../trading/order-service.js";
import { sendError } from "../error-handler.js";
import type { RouteDeps } from "../route-deps.js";

export interface TradingDeps extends RouteDeps {
  readonly orders: OrderService;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "date",
  "server",
]);

/** What a trading request is: its audit action, scheduling class and whether it may be repeated. */
export function classify(method: HttpMethod, path: string): TradingRouteKind {
  const p = path.replace(/\/+$/, "");
  if (method === "GET") return { action: undefined, priority: "read", idempotent: true };
  if (p === "/v2/orders" && method === "POST")
    return { action: "order.submit", priority: "order", idempotent: false };
  if (p === "/v2/orders" && method === "DELETE")
    return { action: "order.cancel_all", priority: "order", idempotent: true };
  if (/^\/v2\/orders\/[^/]+$/.test(p)) {
    if (method === "PATCH") return { action: "order.replace", priority: "order", idempotent: false };
    if (method === "DELETE") return { action: "order.cancel", priority: "order", idempotent: true };
  }
  if (p === "/v2/positions" && method === "DELETE")
    return { action: "position.close_all", priority: "order", idempotent: false };
  if (/^\/v2\/positions\/[^/]+$/.test(p) && method === "DELETE") {
    return { action: "position.close", priority: "order", idempotent: false };
  }
  if (/^\/v2\/positions\/[^/]+\/(exercise|do-not-exercise)$/.test(p)) {
    return { action: "position.exercise", priority: "order", idempotent: false };
  }
  return { action: undefined, priority: "read", idempotent: false };
}

export function tradingRoutes(deps: TradingDeps): FastifyPluginAsync {
  return async (app) => {
    // Bodies are forwarded byte for byte; only order bodies are parsed.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

    const reply = (
      res: UpstreamResponse,
      account: Account,
      r: FastifyReply,
      extra: Record<string, string> = {},
    ) => {
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) r.header(k, v);
      }
      const b = account.status().budget;
      if (b.limit > 0) {
        r.header("x-ratelimit-limit", String(b.limit));
        r.header("x-ratelimit-remaining", String(b.remaining));
        r.header("x-ratelimit-reset", String(Math.ceil(b.resetAt / 1000)));
      }
      for (const [k, v] of Object.entries(extra)) r.header(k, v);
      r.code(res.status);
      return r.send(res.body.length > 0 ? res.body : undefined);
    };

    const handler = async (request: FastifyRequest<{ Params: { accountId: string } }>, r: FastifyReply) => {
      const { accountId } = request.params;
      const method = request.method as HttpMethod;
      const prefix = `/v1/accounts/${accountId}`;
      const path = request.url.startsWith(prefix) ? request.url.slice(prefix.length) : request.url;
      const kind = classify(method, path.split("?")[0]!);
      try {
        const principal = await deps.auth.authenticate(request, {
          scope: method === "GET" ? "read" : "trade",
          accountId,
        });
        const account = deps.fleet.get(accountId)!;
        // a read whose client has gone away is dropped before it spends the account's budget
        const gone = kind.action === undefined ? new AbortController() : undefined;
        if (gone) {
          r.raw.once("close", () => {
            if (!r.raw.writableEnded) gone.abort();
          });
        }
        const out = await deps.orders.handle({
          account,
          method,
          path,
          body: request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined,
          kind,
          requestId: request.id,
          subject: principal.sub,
          ...(gone ? { signal: gone.signal } : {}),
          log: request.log,
        });
        return reply(out.res, account, r, out.headers);
      } catch (err) {
        return sendError(request, r, err);
      }
    };

    app.all("/v1/accounts/:accountId/v2/*", handler);
  };
}
