/**
 * Alpaca-compatible trading pass-through: `/v1/accounts/{accountId}/<Alpaca path>` → the
 * account's Alpaca trading base, for the routes of the table in src/trading/alpaca-routes.ts
 * only (matched on the canonical target; anything else is a gateway 404), method, query and
 * body unchanged, with the account's keys. The route parses, authorises, calls the order service (src/trading/order-service.ts,
 * which validates, holds, risk-checks, sends safely and audits) and replies.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Account, HttpMethod, UpstreamResponse } from "../../accounts/types.js";
import { PaddockError } from "../../errors.js";
import { checkRouteParams, matchTradingSegments } from "../../trading/alpaca-routes.js";
import type { OrderService } from "../../trading/order-service.js";
import { requestTarget } from "../canonical-target.js";
import { sendError } from "../error-handler.js";
import { PASS_THROUGH_VERSIONS, passThroughHeaders, passThroughRoute } from "../pass-through-reply.js";
import type { RouteDeps } from "../route-deps.js";

export interface TradingDeps extends RouteDeps {
  readonly orders: OrderService;
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
      extra?: Record<string, string>,
    ) => {
      r.headers(passThroughHeaders(res, account, extra));
      r.code(res.status);
      return r.send(res.body.length > 0 ? res.body : undefined);
    };

    const handler = async (request: FastifyRequest, r: FastifyReply) => {
      const method = request.method as HttpMethod;
      try {
        // the raw target, canonical (else 400), decides the route; Fastify's decoding never does
        const target = requestTarget(request.raw)!;
        const accountId = target.segments[2]!;
        const rest = target.segments.slice(3);
        const match = matchTradingSegments(method, rest);
        if (!match) {
          throw new PaddockError("PADDOCK_NOT_FOUND", {
            detail: `${method} /${rest.join("/")} is not an Alpaca trading route`,
          });
        }
        const kind = match.route;
        const path = target.query === "" ? match.upstreamPath : `${match.upstreamPath}?${target.query}`;
        const principal = await deps.auth.authenticate(request, { scope: kind.scope, accountId });
        checkRouteParams(match);
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

    // documented route by route in /openapi.json (from the table), not as wildcards
    for (const version of PASS_THROUGH_VERSIONS) {
      app.all(passThroughRoute(version)!, { schema: { hide: true } }, handler);
    }
  };
}
