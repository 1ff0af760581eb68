/**
 * The market-data context the REST routes and streams share: the tape (trades, quotes), bars
 * aggregated from it, the "latest" views, and which symbols exist (the asset list plus
 * `FAKEPACA`; every well-formed symbol when no asset list is given).
 */
import type { PriceEngine, SimClock } from "../contract.js";
import { type BarSource, createBarSource } from "./bars.js";
import { createLatestView, type LatestView } from "./latest.js";
import type { MarketPriceEngine } from "./price-engine.js";
import { ALWAYS_OPEN_SYMBOL } from "./sessions.js";
import { createTape, type Tape } from "./tape.js";

export interface MarketDataDeps {
  readonly prices: PriceEngine;
  readonly clock: SimClock;
  readonly assets?: ReadonlyArray<{ symbol: string }>;
}

export interface MarketData {
  readonly prices: PriceEngine;
  readonly clock: SimClock;
  readonly tape: Tape;
  readonly bars: BarSource;
  readonly latest: LatestView;
  /** Whether the simulator lists a symbol. */
  isKnown(symbol: string): boolean;
  /** The listed symbols (empty when no asset list was given). */
  readonly listed: readonly string[];
}

const contexts = new WeakMap<PriceEngine, WeakMap<SimClock, MarketData>>();

/** The engine's seed and override revision when it is ours; neutral values otherwise. */
function engineExtras(prices: PriceEngine): { seed: number; revision: (s: string) => number } {
  const ext = prices as Partial<MarketPriceEngine>;
  const revision = ext.revision;
  return {
    seed: typeof ext.seed === "number" ? ext.seed : 0,
    revision: typeof revision === "function" ? (s) => revision.call(prices, s) : () => 0,
  };
}

export function createMarketData(deps: MarketDataDeps): MarketData {
  const { prices, clock } = deps;
  const { seed, revision } = engineExtras(prices);
  const tape = createTape({ prices, seed });
  const bars = createBarSource({ tape, revision });
  const latest = createLatestView({ tape, bars, clock });
  const listed = new Set((deps.assets ?? []).map((a) => a.symbol));
  return {
    prices,
    clock,
    tape,
    bars,
    latest,
    isKnown: (symbol) => symbol === ALWAYS_OPEN_SYMBOL || listed.size === 0 || listed.has(symbol),
    listed: [...listed],
  };
}

/** One shared context per (price engine, clock) pair, so REST and streams reuse caches. */
export function marketDataFor(deps: MarketDataDeps): MarketData {
  let byClock = contexts.get(deps.prices);
  if (!byClock) {
    byClock = new WeakMap();
    contexts.set(deps.prices, byClock);
  }
  let md = byClock.get(deps.clock);
  if (!md || (deps.assets && deps.assets.length > 0)) {
    md = createMarketData(deps);
    byClock.set(deps.clock, md);
  }
  return md;
}
