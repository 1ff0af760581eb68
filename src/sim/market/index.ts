/**
 * The simulator's market data: deterministic prices, market-data REST and market-data streams.
 *
 * Exports:
 * - `createPriceEngine({ seed, clock, tickIntervalMs? }): MarketPriceEngine` — a `PriceEngine`
 *   (contract.ts) whose price of S at t is a pure function of (seed, S, t), plus `trackSymbol` /
 *   `untrackSymbol` (which symbols tick), `revision`, `clearOverrides()` and `close()`.
 * - `registerMarketDataRoutes(router, { prices, clock, assets })` — `/v2/stocks/…` bars, trades,
 *   quotes (history, latest), snapshots, and `/v1beta1/options/…` for OCC symbols.
 * - `handleDataStream(socket, req, { feed, prices, clock, streams, authenticate, tickIntervalMs?,
 *   wildcardSymbols?, maxSymbols?, allowFeed?, authTimeoutMs? })` — one `/v2/{iex|sip|test}`
 *   connection (Alpaca's market-data stream protocol, JSON or msgpack); all connections share one
 *   tick loop per price engine that sends one batched message per tick per connection.
 * - `roundPrice(p)`, `parseTimeframe(text)`, `parseOcc(symbol)`, `isTradingAt(symbol, ms)`
 *   (whether a symbol's history has trading at an instant: NYSE regular session; FAKEPACA always).
 *
 * How the halves fit: REST history (trades, quotes, bars) follows the NYSE calendar; "latest"
 * views and the streams follow the clock (`isOpen`, so a forced-open clock streams at night
 * too, trades REST history will not list). Every trade, quote and bar — REST or stream — comes
 * from one seeded tape (tape.ts) priced by the engine, so the two always agree. Fills can call
 * `trackSymbol` for symbols with open orders to get `onTick` callbacks (nothing is tracked by
 * default; the streams do not need ticks). `clearOverrides()` is what `/_sim/reset` should call.
 */

export type { DataStreamDeps } from "./data-stream.js";
export { DATA_FEEDS, handleDataStream } from "./data-stream.js";
export type { OccSymbol } from "./options.js";
export { parseOcc } from "./options.js";
export type { MarketPriceEngine, PriceEngineOptions } from "./price-engine.js";
export { createPriceEngine, roundPrice } from "./price-engine.js";
export type { MarketDataRouteDeps } from "./rest-routes.js";
export { registerMarketDataRoutes } from "./rest-routes.js";
export { isTradingAt } from "./sessions.js";
export type { Timeframe } from "./timeframe.js";
export { parseTimeframe } from "./timeframe.js";
