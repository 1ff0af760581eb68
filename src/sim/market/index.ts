/**
 * The simulator's market data: deterministic prices, market-data REST and market-data streams.
 *
 * Exports:
 * - `createPriceEngine({ seed, clock, tickIntervalMs? }): MarketPriceEngine` — a `PriceEngine`
 *   (contract.ts) whose price of S at t is a pure function of (seed, S, t), plus `trackSymbol` /
 *   `untrackSymbol` (which symbols tick), `clearOverrides()` and `close()`. See price-engine.ts.
 * - `roundPrice(p)` — the engine's price rounding (cents, or 1/100 cent below $1).
 */

export type { MarketPriceEngine, PriceEngineOptions } from "./price-engine.js";
export { createPriceEngine, roundPrice } from "./price-engine.js";
