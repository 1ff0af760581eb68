/**
 * A real gateway (test/helpers/start-gateway.ts: `paddock init` config, real fleet, auth,
 * simulator) with the market-data routes. When app.ts registers them, its own URL is used;
 * until then a listener with the same parts (the gateway's fleet, metrics, health and
 * token verifier) serves them, so these tests run either way.
 */
import Fastify from "fastify";
import { Redis } from "ioredis";
import { authOptionsOf } from "../../../src/app.js";
import { createVerifier } from "../../../src/auth/verifier.js";
import { createAuthenticator } from "../../../src/http/authenticator.js";
import { installErrorHandling } from "../../../src/http/error-handler.js";
import { MARKET_DATA_PREFIX, marketDataRoutes } from "../../../src/http/routes/market-data.js";
import {
  createMarketDataService,
  type MarketDataService,
} from "../../../src/marketdata/market-data-service.js";
import { type StartGatewayOptions, startGateway, type TestGateway } from "../../helpers/start-gateway.js";

export interface DataGateway extends TestGateway {
  /** Base URL of the market-data routes (`…/v1/data`). */
  readonly dataUrl: string;
  /** The service behind them when this harness built it (undefined when app.ts did). */
  readonly service: MarketDataService | undefined;
  /** GET a market-data path (after /v1/data) with a Bearer token. */
  data(pathAndQuery: string, token?: string): Promise<Response>;
}

export async function startDataGateway(opts: StartGatewayOptions = {}): Promise<DataGateway> {
  const gw = await startGateway(opts);
  const withToken = (base: string) => (pathAndQuery: string, token?: string) =>
    gw.call(`${base}${pathAndQuery}`, token === undefined ? {} : { token });
  if (gw.gateway.app.hasRoute({ method: "GET", url: `${MARKET_DATA_PREFIX}/v2/stocks/*` })) {
    return {
      ...gw,
      dataUrl: `${gw.url}${MARKET_DATA_PREFIX}`,
      service: undefined,
      data: withToken(MARKET_DATA_PREFIX),
    };
  }
  const config = gw.gateway.config();
  const redis = config.cache.redisUrl
    ? new Redis(config.cache.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      })
    : undefined;
  redis?.on("error", () => {});
  const verifier = await createVerifier(authOptionsOf(config));
  const fleet = gw.gateway.fleet;
  const service = createMarketDataService({
    config,
    fleet,
    redis,
    registry: gw.gateway.metrics.registry,
    now: Date.now,
  });
  const app = Fastify();
  installErrorHandling(app);
  await app.register(marketDataRoutes({ auth: createAuthenticator(verifier, fleet), service }));
  const front = await app.listen({ port: 0, host: "127.0.0.1" });
  const frontCall = (pathAndQuery: string, token?: string) =>
    fetch(`${front}${MARKET_DATA_PREFIX}${pathAndQuery}`, {
      headers: { authorization: `Bearer ${token ?? ""}` },
    });
  const adminToken = await gw.token({ scopes: ["read", "trade", "data", "admin"] });
  return {
    ...gw,
    dataUrl: `${front}${MARKET_DATA_PREFIX}`,
    service,
    data: (p, token) => frontCall(p, token ?? adminToken),
    async close() {
      await app.close();
      verifier.close();
      redis?.disconnect();
      await gw.close();
    },
  };
}
