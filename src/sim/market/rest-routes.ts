/**
 * `registerMarketDataRoutes(router, deps)`: every market-data REST route of the simulator
 * (stocks under `/v2/stocks/…`, options under `/v1beta1/options/…`), answering SimResponse objects.
 */
import type { PriceEngine, SimClock, SimRouter } from "../contract.js";
import { registerAuctionRoutes } from "./auction-routes.js";
import { registerCorporateActionDataRoutes } from "./corporate-action-routes.js";
import { type CorporateActions, createCorporateActions } from "./corporate-actions.js";
import { registerCryptoRoutes } from "./crypto-routes.js";
import { createMarketData, marketDataFor } from "./market-data.js";
import { registerMetaRoutes } from "./meta-routes.js";
import { registerNewsRoutes } from "./news.js";
import { registerOptionRoutes } from "./option-routes.js";
import { createOptionPricer } from "./options.js";
import { registerScreenerRoutes } from "./screener-routes.js";
import { registerStockRoutes } from "./stock-routes.js";

export interface MarketDataRouteDeps {
  readonly prices: PriceEngine;
  readonly clock: SimClock;
  /** Listed stocks; `exchange` (listing venue) and `name` feed auctions and news. */
  readonly assets: ReadonlyArray<{ symbol: string; exchange?: string; name?: string }>;
  /** The simulated corporate actions (default: built from the listed stocks). */
  readonly corporateActions?: CorporateActions;
}

export function registerMarketDataRoutes(router: SimRouter, deps: MarketDataRouteDeps): void {
  const md = marketDataFor(deps);
  registerStockRoutes(router, md);
  registerOptionRoutes(router, { pricer: createOptionPricer(deps.prices), md });
  registerCryptoRoutes(router, createMarketData({ prices: deps.prices, clock: deps.clock }));
  const bySymbol = new Map(deps.assets.map((a) => [a.symbol, a]));
  registerScreenerRoutes(router, md);
  registerAuctionRoutes(router, md, (s) => bySymbol.get(s)?.exchange);
  registerMetaRoutes(router);
  registerCorporateActionDataRoutes(
    router,
    md,
    deps.corporateActions ??
      createCorporateActions({ prices: deps.prices, symbols: deps.assets.map((a) => a.symbol) }),
  );
  registerNewsRoutes(router, md, (s) => bySymbol.get(s)?.name?.replace(/ Common Stock$/, "") ?? s);
}
