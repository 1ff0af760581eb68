/**
 * The simulator's deterministic price engine.
 *
 * Price model: the log-price of symbol S at time t is a pure function of (seed, S, t):
 *   log p(t) = log base(S) + vol(S) * Σ_k a_k · noise_k(t)
 * where noise_k is linear interpolation between hashed, unit-variance node values on a grid of
 * spacing 2^k seconds (k = 0…24, one second to ~194 days) and a_k ∝ √(2^k). Increments over any
 * horizon up to months therefore behave like a random walk (variance ∝ horizon), while over
 * years the path stays around its base level. Nothing is stored: history for any past range is
 * recomputed on demand (about 50 hash evaluations per price).
 * - base(S): known levels for the big names, otherwise log-uniform in $5–$500 from a hash.
 * - vol(S): daily (24 h) volatility between 1% and 3% from a hash.
 * - Prices are rounded to cents ($1 and above) or to 1/100 cent below $1.
 *
 * Overrides: `setPrice(S, p, t)` multiplies the path from t on by p / path(t), so the price at t
 * is exactly p and the path keeps moving from there (the scale is an offset in log space). At
 * most 32 overrides are kept per symbol (the oldest is forgotten) and `clearOverrides()` drops
 * them all (`/_sim/reset`).
 *
 * Ticks: `onTick(listener)` receives (symbol, price, atMs) for every *tracked* symbol once per
 * `tickIntervalMs` of real time (default 1000 ms; tests pass a faster interval), at the clock's
 * simulated now, whether or not the market is open (listeners decide what to do after hours).
 * Track a symbol with `trackSymbol` (reference counted: open orders, stream subscriptions) and
 * release it with `untrackSymbol`. The timer runs only while there is at least one listener and
 * one tracked symbol, is unref'd (never keeps the process alive) and stops with `close()`.
 */
import type { PriceEngine, SimClock } from "../contract.js";
import { CRYPTO_PAIRS } from "./crypto-pairs.js";
import { hash4, hashString, mix32, unit } from "./hash.js";

export interface PriceEngineOptions {
  readonly seed: number;
  readonly clock: SimClock;
  /** Real milliseconds between ticks (default 1000). */
  readonly tickIntervalMs?: number;
}

export interface MarketPriceEngine extends PriceEngine {
  readonly seed: number;
  /** The path's reference level for a symbol (no overrides), in dollars. */
  basePrice(symbol: string): number;
  /** The symbol's daily (24 h) log-return standard deviation, 0.01–0.03. */
  dailyVolatility(symbol: string): number;
  /** Unrounded price including overrides (for option pricing and tests). */
  rawPriceAt(symbol: string, atMs: number): number;
  /** Start emitting ticks for a symbol (reference counted). */
  trackSymbol(symbol: string): void;
  /** Release one reference taken with `trackSymbol`. */
  untrackSymbol(symbol: string): void;
  /** Symbols currently emitting ticks. */
  trackedSymbols(): string[];
  /** Changes whenever a symbol's overrides change (lets callers cache derived history). */
  revision(symbol: string): number;
  /** Drop every `setPrice` override. */
  clearOverrides(): void;
  /** Stop the tick timer and forget listeners. */
  close(): void;
}

const OCTAVES = 25;
const MAX_OVERRIDES_PER_SYMBOL = 32;
const SQRT3 = Math.sqrt(3);
const DAY_S = 86_400;
/**
 * Variance of the summed noise over a horizon τ (seconds) is ≈ CALIBRATION · τ for unit
 * amplitudes a_k = √(2^k); measured empirically over the octave stack (see the unit test).
 */
const CALIBRATION = 3.9;

const KNOWN_LEVELS: Readonly<Record<string, number>> = {
  AAPL: 190,
  MSFT: 420,
  NVDA: 125,
  AMZN: 185,
  GOOGL: 170,
  GOOG: 172,
  META: 480,
  TSLA: 240,
  "BRK.B": 410,
  AVGO: 170,
  JPM: 200,
  V: 275,
  SPY: 480,
  QQQ: 430,
  IWM: 200,
  FAKEPACA: 100,
  ...Object.fromEntries(CRYPTO_PAIRS.map((p) => [p.symbol, p.level])),
};

interface SymbolParams {
  readonly id: number;
  readonly logBase: number;
  readonly base: number;
  /** Multiplier for the unit-amplitude octave stack. */
  readonly scale: number;
  readonly dailyVol: number;
  /** One hashed salt per octave: a node's value is mix32(salt ^ n·φ). */
  readonly salts: Int32Array;
  /** Memo of the last node pair per octave (sequential queries reuse the coarse octaves). */
  readonly memoN: Float64Array;
  readonly memoV0: Float64Array;
  readonly memoV1: Float64Array;
}

interface Override {
  readonly atMs: number;
  readonly factor: number;
}

export function roundPrice(p: number): number {
  return p >= 1 ? Math.round(p * 100) / 100 : Math.round(p * 10_000) / 10_000;
}

export function createPriceEngine(opts: PriceEngineOptions): MarketPriceEngine {
  const seed = opts.seed | 0;
  const clock = opts.clock;
  const tickIntervalMs = opts.tickIntervalMs ?? 1000;
  if (!(tickIntervalMs > 0)) throw new RangeError("tickIntervalMs must be > 0");

  // Bounded cache of per-symbol parameters (cheap to recompute; the cache only saves hashing).
  const params = new Map<string, SymbolParams>();
  const overrides = new Map<string, Override[]>();
  const tracked = new Map<string, number>();
  const listeners = new Set<(symbol: string, price: number, atMs: number) => void>();
  const revisions = new Map<string, number>();
  let epoch = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const amplitudes: number[] = [];
  for (let k = 0; k < OCTAVES; k++) amplitudes.push(Math.sqrt(2 ** k) * SQRT3);

  function paramsOf(symbol: string): SymbolParams {
    const hit = params.get(symbol);
    if (hit) return hit;
    const id = hashString(symbol);
    const known = KNOWN_LEVELS[symbol];
    const base = known ?? 5 * 100 ** unit(hash4(seed, id, 0x0ba5e, 1));
    const dailyVol = 0.01 + 0.02 * unit(hash4(seed, id, 0x0101, 2));
    const scale = dailyVol / Math.sqrt(CALIBRATION * DAY_S);
    const salts = new Int32Array(OCTAVES);
    for (let k = 0; k < OCTAVES; k++) salts[k] = hash4(seed, id, k, 0x5a17);
    const memoN = new Float64Array(OCTAVES).fill(Number.NaN);
    const p: SymbolParams = {
      id,
      logBase: Math.log(base),
      base,
      scale,
      dailyVol,
      salts,
      memoN,
      memoV0: new Float64Array(OCTAVES),
      memoV1: new Float64Array(OCTAVES),
    };
    if (params.size >= 50_000) params.clear();
    params.set(symbol, p);
    return p;
  }

  /** Σ_k a_k · noise_k(t) with unit-variance uniform nodes. */
  function noise(p: SymbolParams, atMs: number): number {
    const { salts, memoN, memoV0, memoV1 } = p;
    const tS = atMs / 1000;
    let sum = 0;
    let span = 1;
    for (let k = 0; k < OCTAVES; k++) {
      const x = tS / span;
      const n = Math.floor(x);
      const f = x - n;
      let v0: number;
      let v1: number;
      if (memoN[k] === n) {
        v0 = memoV0[k] as number;
        v1 = memoV1[k] as number;
      } else {
        const salt = salts[k] as number;
        // Math.imul by an odd constant and xor are bijections on 32 bits: distinct nodes, distinct hashes.
        v0 = mix32(salt ^ Math.imul(n | 0, 0x9e3779b1)) / 2_147_483_648 - 1;
        v1 = mix32(salt ^ Math.imul((n + 1) | 0, 0x9e3779b1)) / 2_147_483_648 - 1;
        memoN[k] = n;
        memoV0[k] = v0;
        memoV1[k] = v1;
      }
      sum += (amplitudes[k] as number) * (v0 + (v1 - v0) * f);
      span *= 2;
    }
    return sum;
  }

  function pathPrice(symbol: string, atMs: number): number {
    const p = paramsOf(symbol);
    return Math.exp(p.logBase + p.scale * noise(p, atMs));
  }

  function factorAt(symbol: string, atMs: number): number {
    const list = overrides.get(symbol);
    if (!list) return 1;
    let factor = 1;
    for (const o of list) {
      if (o.atMs <= atMs) factor = o.factor;
      else break;
    }
    return factor;
  }

  function rawPriceAt(symbol: string, atMs: number): number {
    return pathPrice(symbol, atMs) * factorAt(symbol, atMs);
  }

  function tick(): void {
    const now = clock.now();
    for (const symbol of tracked.keys()) {
      const price = roundPrice(rawPriceAt(symbol, now));
      for (const l of listeners) l(symbol, price, now);
    }
  }

  function syncTimer(): void {
    const want = listeners.size > 0 && tracked.size > 0;
    if (want && !timer) {
      timer = setInterval(tick, tickIntervalMs);
      timer.unref();
    } else if (!want && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    seed,
    priceAt(symbol, atMs) {
      return roundPrice(rawPriceAt(symbol, atMs));
    },
    rawPriceAt,
    setPrice(symbol, price, atMs) {
      if (!(Number.isFinite(price) && price > 0)) throw new RangeError("price must be a positive number");
      const factor = price / pathPrice(symbol, atMs);
      const list = (overrides.get(symbol) ?? []).filter((o) => o.atMs !== atMs);
      list.push({ atMs, factor });
      list.sort((a, b) => a.atMs - b.atMs);
      while (list.length > MAX_OVERRIDES_PER_SYMBOL) list.shift();
      overrides.set(symbol, list);
      revisions.set(symbol, (revisions.get(symbol) ?? 0) + 1);
    },
    revision(symbol) {
      return epoch * 1_000_000 + (revisions.get(symbol) ?? 0);
    },
    onTick(listener) {
      listeners.add(listener);
      syncTimer();
      return () => {
        listeners.delete(listener);
        syncTimer();
      };
    },
    basePrice(symbol) {
      return paramsOf(symbol).base;
    },
    dailyVolatility(symbol) {
      return paramsOf(symbol).dailyVol;
    },
    trackSymbol(symbol) {
      tracked.set(symbol, (tracked.get(symbol) ?? 0) + 1);
      syncTimer();
    },
    untrackSymbol(symbol) {
      const n = tracked.get(symbol);
      if (n === undefined) return;
      if (n <= 1) tracked.delete(symbol);
      else tracked.set(symbol, n - 1);
      syncTimer();
    },
    trackedSymbols() {
      return [...tracked.keys()];
    },
    clearOverrides() {
      overrides.clear();
      revisions.clear();
      epoch++;
    },
    close() {
      listeners.clear();
      tracked.clear();
      syncTimer();
    },
  };
}
