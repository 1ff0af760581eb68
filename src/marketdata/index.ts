export { classifyEndpoint, type Endpoint } from "./endpoints.js";
export { createMarketDataMetrics, type MarketDataMetrics } from "./market-data-metrics.js";
export {
  type CacheOutcome,
  createMarketDataService,
  type MarketDataAnswer,
  type MarketDataConfig,
  type MarketDataDeps,
  type MarketDataRequest,
  type MarketDataService,
} from "./market-data-service.js";
