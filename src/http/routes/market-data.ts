/**
 * Alpaca-compatible market data: `/v1/data/<Alpaca data path>` maps to Alpaca's data host
 * for the endpoints of src/marketdata/endpoints.ts (stocks incl. auctions and meta, options,
 * crypto, crypto perpetuals, news, screener, corporate actions, forex, indices, fixed
 * income); anything else is a gateway 404. Served through the market-data cache with the
 * credentials of the accounts configured for data. Scope `data`. An official SDK works
 * with its data base path set to `http://gateway/v1/data`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { MarketDataService } from "../../marketdata/market-data-service.js";
import type { RouteDeps } from "../route-deps.js";

export const MARKET_DATA_PREFIX = "/v1/data";

export interface MarketDataRouteDeps extends Pick<RouteDeps, "auth"> {
  /** Built by app.ts (one per gateway): the cache, single-flight and upstream fetches. */
  readonly service: MarketDataService;
}

export function marketDataRoutes(deps: MarketDataRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const { service } = deps;

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      await deps.auth.authenticate(request, { scope: "data" });
      const url = request.raw.url ?? request.url;
      const q = url.indexOf("?");
      const full = q < 0 ? url : url.slice(0, q);
      const answer = await service.handle({
        path: full.slice(MARKET_DATA_PREFIX.length),
        query: q < 0 ? "" : url.slice(q + 1),
      });
      reply
        .code(answer.status)
        .header("content-type", answer.contentType)
        .header("x-paddock-cache", answer.cache);
      return reply.send(answer.body);
    };
    // one route: the endpoint table in marketdata/endpoints.ts decides (unknown paths: 404)
    app.get(`${MARKET_DATA_PREFIX}/*`, { schema: { hide: true } }, handler);
  };
}
