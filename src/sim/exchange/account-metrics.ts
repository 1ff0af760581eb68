/**
 * Derived account figures: market values, equity, margin and buying power.
 *
 * Buying power (documented in docs/simulator.md): the margin multiplier follows Alpaca's tiers —
 * equity under 2,000 → 1 (cash-like), under 25,000 → 2 (Reg T), otherwise 4 (pattern-day-trader
 * intraday) — capped by the account configuration's `max_margin_multiplier`.
 * Reg T buying power = 2 × (equity − initial margin); day-trading buying power =
 * 4 × (equity − maintenance margin); with multiplier 1 it is the cash. Open buy orders (and
 * short-opening sells) reserve what they may cost.
 */
import { previousTradingDay } from "../calendar.js";
import { OPEN_STATUSES, type SimAccount } from "./types.js";

export interface AccountMetrics {
  readonly cash: number;
  readonly longMarketValue: number;
  /** Negative or zero. */
  readonly shortMarketValue: number;
  readonly equity: number;
  readonly lastEquity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly multiplier: 1 | 2 | 4;
  readonly regtBuyingPower: number;
  readonly daytradingBuyingPower: number;
  /** What a new order may still use: the multiplier's buying power minus open-order reservations. */
  readonly buyingPower: number;
  readonly nonMarginableBuyingPower: number;
  readonly reserved: number;
  readonly daytradeCount: number;
}

export type PriceAt = (symbol: string, atMs: number) => number;

export function marginMultiplier(equity: number, cap: "1" | "2" | "4"): 1 | 2 | 4 {
  const tier = equity < 2000 ? 1 : equity < 25_000 ? 2 : 4;
  return Math.min(tier, Number(cap)) as 1 | 2 | 4;
}

/** Cash and positions as they stood at `atMs`, replayed from the fills. */
export function stateAt(account: SimAccount, atMs: number): { cash: number; positions: Map<string, number> } {
  let cash = account.initialCash;
  const positions = new Map<string, number>();
  for (const f of account.activities) {
    if (f.transactionTime > atMs) break;
    const signed = f.side === "buy" ? f.qty : -f.qty;
    cash -= signed * f.price;
    positions.set(f.symbol, (positions.get(f.symbol) ?? 0) + signed);
  }
  return { cash, positions };
}

export function equityAt(account: SimAccount, atMs: number, priceAt: PriceAt): number {
  if (atMs < account.createdAt) return account.initialCash;
  const { cash, positions } = stateAt(account, atMs);
  let eq = cash;
  for (const [symbol, qty] of positions) if (qty !== 0) eq += qty * priceAt(symbol, atMs);
  return eq;
}

/** Number of day trades in the last five trading days up to and including `today`. */
export function daytradeCount(account: SimAccount, today: string): number {
  if (account.dayTrades.length === 0) return 0;
  let from = today;
  for (let i = 0; i < 4; i++) from = previousTradingDay(from).date;
  return account.dayTrades.filter((d) => d >= from && d <= today).length;
}

const lastEquityCache = new WeakMap<SimAccount, { today: string; fills: number; value: number }>();

/** Equity at the previous trading day's close (cached per account, day and number of fills). */
function lastEquity(account: SimAccount, today: string, priceAt: PriceAt): number {
  const hit = lastEquityCache.get(account);
  if (hit && hit.today === today && hit.fills === account.activities.length) return hit.value;
  const value = equityAt(account, previousTradingDay(today).closeMs, priceAt);
  lastEquityCache.set(account, { today, fills: account.activities.length, value });
  return value;
}

export function computeMetrics(
  account: SimAccount,
  nowMs: number,
  today: string,
  priceAt: PriceAt,
): AccountMetrics {
  let lmv = 0;
  let smv = 0;
  for (const p of account.positions.values()) {
    if (p.qty === 0) continue;
    const v = p.qty * priceAt(p.symbol, nowMs);
    if (v >= 0) lmv += v;
    else smv += v;
  }
  const cash = account.cash;
  const equity = cash + lmv + smv;
  const multiplier = marginMultiplier(equity, account.config.max_margin_multiplier);
  const gross = lmv - smv;
  const initialMargin = multiplier === 1 ? gross : gross * 0.5;
  const maintenanceMargin = gross * 0.3;
  const regt = multiplier === 1 ? Math.max(0, cash) : Math.max(0, (equity - initialMargin) * 2);
  const dtbp = multiplier === 4 ? Math.max(0, (equity - maintenanceMargin) * 4) : 0;
  let reserved = 0;
  for (const o of account.openOrders) {
    if (!OPEN_STATUSES.has(o.status) || o.status === "held") continue;
    const position = account.positions.get(o.symbol)?.qty ?? 0;
    const opening = o.side === "buy" ? position >= 0 : position <= 0;
    if (!opening) continue;
    const remaining =
      o.qty === undefined
        ? (o.notional ?? 0) - o.filledNotional
        : (o.qty - o.filledQty) * (o.limitPrice ?? priceAt(o.symbol, nowMs));
    reserved += remaining;
  }
  const base = multiplier === 4 ? dtbp : regt;
  return {
    cash,
    longMarketValue: lmv,
    shortMarketValue: smv,
    equity,
    lastEquity: lastEquity(account, today, priceAt),
    initialMargin,
    maintenanceMargin,
    multiplier,
    regtBuyingPower: regt,
    daytradingBuyingPower: dtbp,
    buyingPower: Math.max(0, base - reserved),
    nonMarginableBuyingPower: Math.max(0, cash - reserved),
    reserved,
    daytradeCount: daytradeCount(account, today),
  };
}
