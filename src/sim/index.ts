/**
 * The Alpaca-compatible simulator, in process: `startSim(opts)` → a handle with its URL.
 * Used by `paddock sim`, `paddock demo`, the gateway's tests and the benchmarks.
 *
 * Exports: `startSim`, `StartSimOptions`, `SimHandle`, `SimStats`, `SimKey`, `SimLogger`.
 */
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebSocket } from "ws";
import { createUniverse } from "./assets/universe.js";
import { createAuthenticator, type SimKey } from "./auth.js";
import { type ControllableClock, createSimClock } from "./clock.js";
import type { PriceEngine } from "./contract.js";
import { createControl } from "./control.js";
import { createExchange, type Exchange } from "./exchange/exchange.js";
import { createFaultInjector } from "./faults.js";
import { seededRandom } from "./ids.js";
import { createCorporateActions } from "./market/corporate-actions.js";
import { createPriceEngine, DATA_FEEDS, handleDataStream, registerMarketDataRoutes } from "./market/index.js";
import { createTape } from "./market/tape.js";
import { createRateLimiter } from "./rate-limit.js";
import { createSimRouter } from "./router.js";
import { registerAccountRoutes } from "./routes/account.js";
import { registerAssetRoutes } from "./routes/assets.js";
import { registerClockRoutes } from "./routes/clock.js";
import { registerCorporateActionRoutes } from "./routes/corporate-actions.js";
import { registerOrderRoutes } from "./routes/orders.js";
import { registerPositionRoutes } from "./routes/positions.js";
import { registerWatchlistRoutes } from "./routes/watchlists.js";
import { createSimServer, type SimLogger } from "./server.js";
import { createStatsRecorder, type SimStats } from "./stats.js";
import { createStreamRegistry } from "./stream-registry.js";
import { handleTradingStream } from "./trading-stream.js";

export type { SimKey } from "./auth.js";
export type { SimLogger } from "./server.js";
export type { SimStats } from "./stats.js";

export interface StartSimOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly seed?: number;
  /** Starting cash of each paper account (default 100,000). */
  readonly cash?: number;
  /** Requests per minute per key (default 200; 0 turns the limit off). */
  readonly rateLimitPerMinute?: number;
  /** When given, only these key pairs are accepted. */
  readonly keys?: ReadonlyArray<SimKey>;
  readonly logger?: SimLogger;
  /** Real ms between exchange sweeps (expiry, queued orders, trailing stops); default 200. */
  readonly sweepMs?: number;
  /** Real ms between price ticks of tracked symbols (default 1000). */
  readonly tickIntervalMs?: number;
  /** Dollar volume one evaluation fills before an order becomes a partial fill (default 250,000). */
  readonly liquidityNotional?: number;
  /** Real time source (tests). */
  readonly realNow?: () => number;
}

export interface SimHandle {
  /** `http://HOST:PORT` — the trading and market-data REST base. */
  readonly url: string;
  /** `ws://HOST:PORT` — streams at `/stream` and `/v2/{iex|sip|test}`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly clock: ControllableClock;
  readonly prices: PriceEngine;
  readonly exchange: Exchange;
  /** Every REST route the simulator serves, as `METHOD /pattern` (`/v2/orders/:order_id`). */
  readonly routes: readonly string[];
  stats(): SimStats;
  close(): Promise<void>;
}

export async function startSim(opts: StartSimOptions = {}): Promise<SimHandle> {
  const seed = opts.seed ?? 1;
  const host = opts.host ?? "127.0.0.1";
  const clock = createSimClock(opts.realNow === undefined ? {} : { realNow: opts.realNow });
  const prices = createPriceEngine({
    seed,
    clock,
    ...(opts.tickIntervalMs === undefined ? {} : { tickIntervalMs: opts.tickIntervalMs }),
  });
  const universe = createUniverse({
    seed,
    nowMs: clock.now(),
    priceOf: (s) => prices.priceAt(s, clock.now()),
  });
  const tape = createTape({ prices, seed: prices.seed });
  const exchange = createExchange({
    clock,
    prices,
    universe,
    cash: opts.cash ?? 100_000,
    lastTrade: (symbol, atMs) => tape.lastTradeAtOrBefore(symbol, atMs),
    ...(opts.liquidityNotional === undefined ? {} : { liquidityNotional: opts.liquidityNotional }),
  });
  const streams = createStreamRegistry();
  const stats = createStatsRecorder();
  const faults = createFaultInjector(seededRandom(seed));
  const rateLimiter = createRateLimiter(opts.rateLimitPerMinute ?? 200);
  const auth = createAuthenticator(opts.keys);

  const router = createSimRouter();
  const ctx = { clock, prices, exchange, universe };
  registerAccountRoutes(router, ctx);
  registerOrderRoutes(router, ctx);
  registerPositionRoutes(router, ctx);
  registerAssetRoutes(router, ctx);
  registerClockRoutes(router, ctx);
  registerWatchlistRoutes(router, ctx);
  const corporateActions = createCorporateActions({ prices, symbols: universe.assets.map((a) => a.symbol) });
  registerCorporateActionRoutes(router, ctx, corporateActions);

  const upgrades = new Map<string, (socket: WebSocket, req: IncomingMessage) => void>();
  upgrades.set("/stream", (socket) =>
    handleTradingStream(socket, { streams, exchange, authenticate: auth.pair }),
  );
  registerMarketDataRoutes(router, { prices, clock, assets: universe.assets, corporateActions });
  for (const feed of DATA_FEEDS)
    upgrades.set(`/v2/${feed}`, (socket, req) =>
      handleDataStream(socket, req, { feed, prices, clock, streams, authenticate: auth.pair }),
    );

  const control = createControl({ clock, prices, exchange, faults, stats, streams, rateLimiter });
  const sim = createSimServer({
    router,
    auth,
    rateLimiter,
    faults,
    stats,
    control,
    upgrades,
    isPublic: (path) => path.startsWith("/v1beta3/crypto/"),
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      sim.server.once("error", reject);
      sim.server.listen(opts.port ?? 0, host, () => {
        sim.server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    prices.close();
    await sim.shutdown();
    throw err;
  }
  exchange.start(opts.sweepMs ?? 200);
  const port = (sim.server.address() as AddressInfo).port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  opts.logger?.info({ port, host, seed }, "simulator listening");
  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${port}`,
    wsUrl: `ws://${hostPart}:${port}`,
    port,
    clock,
    prices,
    exchange,
    routes: router.routes(),
    stats: () => stats.snapshot(streams.snapshot(), exchange.ordersByClientOrderId),
    close() {
      closed ??= (async () => {
        exchange.stop();
        prices.close();
        await sim.shutdown();
        sim.server.closeAllConnections();
        await new Promise<void>((resolve) => sim.server.close(() => resolve()));
      })();
      return closed;
    },
  };
}
