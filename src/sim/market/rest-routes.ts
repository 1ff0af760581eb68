/**
 * `registerMarketDataRoutes(router, deps)`: every market-data REST route of the simulator
 * (stocks under `/v2/stocks/…`, options under `/v1beta1/options/…`), answering SimResponse objects.
 */
import type { PriceEngine, SimClock, SimRouter } from "../contract.js";
import { registerCryptoRoutes } from "./crypto-routes.js";
import { createMarketData, marketDataFor } from "./market-data.js";
import { registerOptionRoutes } from "./option-routes.js";
import { createOptionPricer } from "./options.js";
import { registerStockRoutes } from "./stock-routes.js";

export interface MarketDataRouteDeps {
  readonly prices: PriceEngine;
  readonly clock: SimClock;
  readonly assets: ReadonlyArray<{ symbol: string }>;
}

export function registerMarketDataRoutes(router: SimRouter, deps: MarketDataRouteDeps): void {
  const md = marketDataFor(deps);
  registerStockRoutes(router, md);
  registerOptionRoutes(router, { pricer: createOptionPricer(deps.prices), md });
  registerCryptoRoutes(router, createMarketData({ prices: deps.prices, clock: deps.clock }));
}
