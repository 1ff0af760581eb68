/**
 * Option prices for OCC symbols (`AAPL250117C00150000`: root, YYMMDD expiry, C/P, strike × 1000),
 * priced off the underlying's path with Black–Scholes (rate 4%, volatility = the underlying's
 * daily volatility annualised over 365 days, expiry at 16:00 New York). An option "price engine"
 * wraps this so the same tape and bar machinery serve option trades, quotes and bars.
 */
import { easternToUtc } from "../calendar.js";
import type { PriceEngine } from "../contract.js";
import type { MarketPriceEngine } from "./price-engine.js";

export interface OccSymbol {
  readonly symbol: string;
  readonly underlying: string;
  readonly expiryMs: number;
  readonly expiration: string;
  readonly type: "call" | "put";
  readonly strike: number;
}

export const OCC_RE = /^([A-Z]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;
const YEAR_MS = 365 * 86_400_000;
const RATE = 0.04;

export function parseOcc(symbol: string): OccSymbol | undefined {
  const m = OCC_RE.exec(symbol);
  if (!m) return undefined;
  const y = 2000 + Number(m[2]);
  const mo = Number(m[3]);
  const d = Number(m[4]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return {
    symbol,
    underlying: m[1] ?? "",
    expiryMs: easternToUtc(y, mo, d, 16, 0),
    expiration: `${y}-${m[3]}-${m[4]}`,
    type: m[5] === "C" ? "call" : "put",
    strike: Number(m[6]) / 1000,
  };
}

export function occSymbol(
  underlying: string,
  expiration: string,
  type: "call" | "put",
  strike: number,
): string {
  const ymd = expiration.slice(2).replaceAll("-", "");
  return `${underlying}${ymd}${type === "call" ? "C" : "P"}${String(Math.round(strike * 1000)).padStart(8, "0")}`;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function cdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}
const pdf = (x: number): number => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);

export interface OptionValue {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  readonly theta: number;
  readonly vega: number;
  readonly rho: number;
  readonly iv: number;
}

export function blackScholes(o: OccSymbol, spot: number, sigma: number, atMs: number): OptionValue {
  const T = Math.max((o.expiryMs - atMs) / YEAR_MS, 1e-6);
  const K = o.strike;
  const sq = sigma * Math.sqrt(T);
  const d1 = (Math.log(spot / K) + (RATE + (sigma * sigma) / 2) * T) / sq;
  const d2 = d1 - sq;
  const disc = Math.exp(-RATE * T);
  const call = o.type === "call";
  const price = call ? spot * cdf(d1) - K * disc * cdf(d2) : K * disc * cdf(-d2) - spot * cdf(-d1);
  const gamma = pdf(d1) / (spot * sq);
  const vega = (spot * pdf(d1) * Math.sqrt(T)) / 100;
  const thetaYear =
    -(spot * pdf(d1) * sigma) / (2 * Math.sqrt(T)) + (call ? -1 : 1) * RATE * K * disc * cdf(call ? d2 : -d2);
  const rho = ((call ? 1 : -1) * K * T * disc * cdf(call ? d2 : -d2)) / 100;
  const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    price: Math.max(0.01, Math.round(price * 100) / 100),
    delta: r4(call ? cdf(d1) : cdf(d1) - 1),
    gamma: r4(gamma),
    theta: r4(thetaYear / 365),
    vega: r4(vega),
    rho: r4(rho),
    iv: r4(sigma),
  };
}

export interface OptionPricer extends PriceEngine {
  readonly seed: number;
  value(o: OccSymbol, atMs: number): OptionValue;
  /** The underlying's override revision (option history depends on it). */
  revision(symbol: string): number;
}

/** A price engine for OCC symbols, derived from the underlying's engine (read-only). */
export function createOptionPricer(prices: PriceEngine): OptionPricer {
  const ext = prices as Partial<MarketPriceEngine>;
  const sigmaOf = (underlying: string): number => {
    const dv =
      typeof ext.dailyVolatility === "function" ? ext.dailyVolatility.call(prices, underlying) : 0.02;
    return dv * Math.sqrt(365);
  };
  const value = (o: OccSymbol, atMs: number): OptionValue =>
    blackScholes(o, prices.priceAt(o.underlying, atMs), sigmaOf(o.underlying), atMs);
  return {
    seed: typeof ext.seed === "number" ? ext.seed : 0,
    value,
    revision(symbol) {
      const o = parseOcc(symbol);
      return typeof ext.revision === "function" ? ext.revision.call(prices, o ? o.underlying : symbol) : 0;
    },
    priceAt(symbol, atMs) {
      const o = parseOcc(symbol);
      return o ? value(o, atMs).price : prices.priceAt(symbol, atMs);
    },
    setPrice() {
      // Option prices follow their underlying; set the underlying's price instead.
    },
    onTick() {
      return () => {};
    },
  };
}

/** A deterministic chain: the next four Friday expirations, ±10 strikes around the spot. */
export function optionChain(underlying: string, spot: number, nowMs: number): OccSymbol[] {
  const step = spot < 25 ? 1 : spot < 100 ? 2.5 : spot < 250 ? 5 : 10;
  const center = Math.round(spot / step) * step;
  const out: OccSymbol[] = [];
  const d = new Date(nowMs);
  let friday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ((5 - d.getUTCDay() + 7) % 7));
  for (let w = 0; w < 4; w++, friday += 7 * 86_400_000) {
    const exp = new Date(friday).toISOString().slice(0, 10);
    for (let k = -10; k <= 10; k++) {
      const strike = center + k * step;
      if (strike <= 0) continue;
      for (const type of ["call", "put"] as const) {
        const o = parseOcc(occSymbol(underlying, exp, type, strike));
        if (o && o.expiryMs > nowMs) out.push(o);
      }
    }
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}
