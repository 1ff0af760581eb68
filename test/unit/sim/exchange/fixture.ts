/** An exchange on a hand-driven clock and a table of prices (a stand-in for the market engine). */
import { createUniverse } from "../../../../src/sim/assets/universe.js";
import { createSimClock } from "../../../../src/sim/clock.js";
import type { PriceEngine } from "../../../../src/sim/contract.js";
import { createExchange, type Exchange } from "../../../../src/sim/exchange/exchange.js";
import { type OrderRequest, parseOrderRequest } from "../../../../src/sim/exchange/order-input.js";
import type { TradeUpdate } from "../../../../src/sim/exchange/types.js";

export interface ExchangeFixture {
  readonly exchange: Exchange;
  readonly clock: ReturnType<typeof createSimClock>;
  readonly prices: Map<string, number>;
  readonly updates: Array<{ keyId: string; update: TradeUpdate; status: string }>;
  /** Moves real time (and so simulated time). */
  advance(ms: number): void;
  setPrice(symbol: string, price: number): void;
  order(keyId: string, body: Record<string, unknown>): ReturnType<Exchange["submit"]>;
}

/** Tuesday 2024-06-11 15:00 UTC = 11:00 New York, a regular session. */
export const SESSION_MS = Date.parse("2024-06-11T15:00:00Z");

/** Built once: deriving 500+ assets' attributes is the slow part of a fixture. */
let universe: ReturnType<typeof createUniverse> | undefined;

export function exchangeFixture(
  opts: { cash?: number; liquidityNotional?: number; startMs?: number } = {},
): ExchangeFixture {
  let real = opts.startMs ?? SESSION_MS;
  const clock = createSimClock({ realNow: () => real });
  const prices = new Map<string, number>([
    ["AAPL", 100],
    ["MSFT", 400],
    ["TSLA", 200],
  ]);
  const engine: PriceEngine = {
    priceAt: (symbol) => prices.get(symbol) ?? 50,
    setPrice: (symbol, price) => {
      prices.set(symbol, price);
    },
    onTick: () => () => {},
  };
  universe ??= createUniverse({ seed: 1, nowMs: SESSION_MS, priceOf: () => 100 });
  let n = 0;
  const exchange = createExchange({
    clock,
    prices: engine,
    universe,
    cash: opts.cash ?? 100_000,
    newId: () => `id-${++n}`,
    ...(opts.liquidityNotional === undefined ? {} : { liquidityNotional: opts.liquidityNotional }),
  });
  const updates: ExchangeFixture["updates"] = [];
  exchange.onTradeUpdate((keyId, update) => updates.push({ keyId, update, status: update.order.status }));
  return {
    exchange,
    clock,
    prices,
    updates,
    advance(ms) {
      real += ms;
      exchange.evaluate();
    },
    setPrice(symbol, price) {
      prices.set(symbol, price);
      exchange.evaluate(symbol);
    },
    order(keyId, body) {
      const req: OrderRequest = parseOrderRequest({ time_in_force: "day", type: "market", ...body });
      return exchange.submit(keyId, req);
    },
  };
}
