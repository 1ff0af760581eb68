/**
 * The simulator's own model of Alpaca's wire format: numbers become strings, timestamps RFC 3339
 * UTC with fractional seconds, absent values null. Field names follow the official SDK's models.
 */
import type { SimAsset } from "../assets/universe.js";
import type { AccountMetrics } from "../exchange/account-metrics.js";
import { roundPrice } from "../exchange/matching.js";
import type { FillActivity, SimAccount, SimOrder, SimPosition, SimWatchlist } from "../exchange/types.js";
import { isCryptoSymbol } from "../market/crypto-pairs.js";

export const ts = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();

/** A decimal as Alpaca prints it: no exponent, no trailing zeros, at most `dp` places. */
export function dec(n: number | undefined, dp = 9): string | null {
  if (n === undefined || !Number.isFinite(n)) return null;
  const s = n.toFixed(dp);
  const trimmed = s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  return trimmed === "-0" ? "0" : trimmed;
}

export function money(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return dec(Math.round(n * 100) / 100, 2) ?? "0";
}

export function orderWire(o: SimOrder, legs?: ReadonlyArray<SimOrder>): Record<string, unknown> {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    created_at: ts(o.createdAt),
    updated_at: ts(o.updatedAt),
    submitted_at: ts(o.submittedAt),
    filled_at: ts(o.filledAt),
    expired_at: ts(o.expiredAt),
    // day and gtc orders expire at expiresAt; opg/cls at their auction; ioc/fok at once
    expires_at: ts(o.expiresAt ?? o.executeAt ?? o.submittedAt),
    canceled_at: ts(o.canceledAt),
    failed_at: ts(o.failedAt),
    replaced_at: ts(o.replacedAt),
    replaced_by: o.replacedBy ?? null,
    replaces: o.replaces ?? null,
    asset_id: o.assetId,
    symbol: o.symbol,
    asset_class: isCryptoSymbol(o.symbol) ? "crypto" : "us_equity",
    notional: dec(o.notional, 2),
    qty: dec(o.qty),
    filled_qty: dec(o.filledQty) ?? "0",
    filled_avg_price: o.filledQty > 0 ? dec(roundPrice(o.filledNotional / o.filledQty), 4) : null,
    order_class: o.orderClass,
    order_type: o.type,
    type: o.type,
    side: o.side,
    position_intent: o.positionIntent ?? null,
    time_in_force: o.timeInForce,
    limit_price: dec(o.limitPrice, 4),
    stop_price: dec(o.stopPrice, 4),
    status: o.status,
    extended_hours: o.extendedHours,
    legs: legs === undefined ? null : legs.map((l) => orderWire(l)),
    trail_percent: dec(o.trailPercent, 4),
    trail_price: dec(o.trailPrice, 4),
    hwm: dec(o.hwm, 4),
    subtag: null,
    source: null,
  };
}

export function accountWire(a: SimAccount, m: AccountMetrics, today: string): Record<string, unknown> {
  return {
    id: a.id,
    admin_configurations: {},
    user_configurations: null,
    account_number: a.accountNumber,
    status: "ACTIVE",
    crypto_status: "ACTIVE",
    options_approved_level: 2,
    options_trading_level: 2,
    currency: "USD",
    buying_power: money(m.buyingPower),
    regt_buying_power: money(m.regtBuyingPower),
    daytrading_buying_power: money(m.daytradingBuyingPower),
    effective_buying_power: money(m.buyingPower),
    non_marginable_buying_power: money(m.nonMarginableBuyingPower),
    options_buying_power: money(Math.max(0, m.cash)),
    bod_dtbp: money(m.daytradingBuyingPower),
    cash: money(m.cash),
    accrued_fees: "0",
    portfolio_value: money(m.equity),
    pattern_day_trader: m.daytradeCount >= 4,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: ts(a.createdAt),
    trade_suspended_by_user: a.config.suspend_trade,
    multiplier: String(m.multiplier),
    shorting_enabled: !a.config.no_shorting && m.multiplier > 1,
    equity: money(m.equity),
    last_equity: money(m.lastEquity),
    long_market_value: money(m.longMarketValue),
    short_market_value: money(m.shortMarketValue),
    position_market_value: money(m.longMarketValue - m.shortMarketValue),
    initial_margin: money(m.initialMargin),
    maintenance_margin: money(m.maintenanceMargin),
    last_maintenance_margin: money(m.maintenanceMargin),
    sma: money(m.equity),
    daytrade_count: m.daytradeCount,
    balance_asof: today,
    crypto_tier: 1,
    intraday_adjustments: "0",
    pending_reg_taf_fees: "0",
    pending_transfer_in: "0",
  };
}

export function positionWire(
  p: SimPosition,
  price: number,
  lastdayPrice: number,
  marginable: boolean,
  qtyAvailable: number,
): Record<string, unknown> {
  const marketValue = p.qty * price;
  const unrealized = marketValue - p.costBasis;
  const intraday = p.qty * (price - lastdayPrice);
  const absCost = Math.abs(p.costBasis);
  const absLastValue = Math.abs(p.qty * lastdayPrice);
  const crypto = isCryptoSymbol(p.symbol);
  return {
    asset_id: p.assetId,
    // Alpaca lists a crypto position without the slash (`BTCUSD`)
    symbol: crypto ? p.symbol.replace("/", "") : p.symbol,
    exchange: p.exchange,
    asset_class: crypto ? "crypto" : "us_equity",
    asset_marginable: marginable,
    qty: dec(p.qty),
    qty_available: dec(qtyAvailable),
    avg_entry_price: dec(p.costBasis / p.qty, 4),
    side: p.qty >= 0 ? "long" : "short",
    market_value: money(marketValue),
    cost_basis: money(p.costBasis),
    unrealized_pl: money(unrealized),
    unrealized_plpc: dec(absCost === 0 ? 0 : unrealized / absCost, 6),
    unrealized_intraday_pl: money(intraday),
    unrealized_intraday_plpc: dec(absLastValue === 0 ? 0 : intraday / absLastValue, 6),
    current_price: dec(price, 4),
    lastday_price: dec(lastdayPrice, 4),
    change_today: dec(lastdayPrice === 0 ? 0 : (price - lastdayPrice) / lastdayPrice, 6),
  };
}

export function assetWire(a: SimAsset): Record<string, unknown> {
  return { ...a, attributes: [...a.attributes] };
}

export function activityWire(f: FillActivity): Record<string, unknown> {
  return {
    id: f.id,
    activity_type: f.activityType,
    transaction_time: ts(f.transactionTime),
    type: f.type,
    price: dec(f.price, 4),
    qty: dec(f.qty),
    side: f.side,
    symbol: f.symbol,
    leaves_qty: dec(f.leavesQty),
    order_id: f.orderId,
    cum_qty: dec(f.cumQty),
    order_status: f.orderStatus,
  };
}

export function watchlistWire(
  w: SimWatchlist,
  accountId: string,
  assets?: ReadonlyArray<SimAsset>,
): Record<string, unknown> {
  return {
    id: w.id,
    account_id: accountId,
    name: w.name,
    created_at: ts(w.createdAt),
    updated_at: ts(w.updatedAt),
    ...(assets === undefined ? {} : { assets: assets.map(assetWire) }),
  };
}
