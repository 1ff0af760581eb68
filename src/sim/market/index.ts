/**
 * The simulator's market data: deterministic prices, market-data REST and market-data streams.
 *
 * Exports:
 * - `createPriceEngine({ seed, clock, tickIntervalMs? }): MarketPriceEngine` — a `PriceEngine`
 *   (contract.ts) whose price of S at t is a pure function of (seed, S, t), plus `trackSymbol` /
 *   `untrackSymbol` (which symbols tick), `revision`, `clearOverrides()` and `close()`.
 * - `registerMarketDataRoutes(router, { prices, clock, assets })` — `/v2/stocks/…` bars, trades,
 *   quotes (history, latest), snapshots, and `/v1beta1/options/…` for OCC symbols.
 * - `roundPrice(p)`, `parseTimeframe(text)`, `parseOcc(symbol)`, `isTradingAt(symbol, ms)`.
 */

export type { OccSymbol } from "./options.js";
export { parseOcc } from "./options.js";
export type { MarketPriceEngine, PriceEngineOptions } from "./price-engine.js";
export { createPriceEngine, roundPrice } from "./price-engine.js";
export type { MarketDataRouteDeps } from "./rest-routes.js";
export { registerMarketDataRoutes } from "./rest-routes.js";
export { isTradingAt } from "./sessions.js";
export type { Timeframe } from "./timeframe.js";
export { parseTimeframe } from "./timeframe.js";
