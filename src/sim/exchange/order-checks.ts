/**
 * Alpaca's submission checks beyond field validation: the asset (known, tradable, fractionable),
 * client_order_id uniqueness, quantity available to sell, short-sale rules, buying power and the
 * pattern-day-trader rule. Throws the Alpaca error; returns nothing when the order may go in.
 */
import type { SimAsset } from "../assets/universe.js";
import { ALPACA_CODES, forbidden, SimApiError, unprocessable } from "../sim-error.js";
import type { AccountMetrics } from "./account-metrics.js";
import { remainingQty, roundQty } from "./matching.js";
import type { OrderRequest } from "./order-input.js";
import { OPEN_STATUSES, type SimAccount } from "./types.js";

/** Equity under which the pattern-day-trader rule applies. */
export const PDT_EQUITY = 25_000;

export interface OrderCheckContext {
  readonly asset: SimAsset | undefined;
  /** Current price of the symbol. */
  readonly price: number;
  /** New York date of now. */
  readonly today: string;
  /** Account figures, computed only when a check needs them. */
  readonly metrics: () => AccountMetrics;
}

export function checkOrder(a: SimAccount, req: OrderRequest, ctx: OrderCheckContext): void {
  if (a.config.suspend_trade) throw forbidden("trading is suspended for this account (suspend_trade)");
  const { asset, price } = ctx;
  if (!asset) throw unprocessable(`symbol: asset "${req.symbol}" not found`);
  if (!asset.tradable) throw unprocessable(`symbol: asset "${req.symbol}" is not tradable`);
  if (asset.class === "crypto") {
    checkCryptoOrder(a, req, asset, ctx);
    return;
  }
  const fractional = req.notional !== undefined || (req.qty !== undefined && !Number.isInteger(req.qty));
  if (fractional && (!asset.fractionable || !a.config.fractional_trading))
    throw unprocessable(`qty: asset "${req.symbol}" is not fractionable`);
  if (req.clientOrderId !== undefined && a.byClientOrderId.has(req.clientOrderId))
    throw new SimApiError(422, ALPACA_CODES.malformed, "client_order_id must be unique");

  const position = a.positions.get(req.symbol)?.qty ?? 0;
  const qty = req.qty ?? (req.notional ?? 0) / price;
  let pendingSells = 0;
  for (const o of a.openOrders) {
    if (!OPEN_STATUSES.has(o.status) || o.status === "held" || o.symbol !== req.symbol) continue;
    if (o.side === "sell") pendingSells += remainingQty(o, price);
  }
  let openingQty: number;
  let closingQty: number;
  if (req.side === "sell") {
    if (position > 0) {
      const available = roundQty(Math.max(0, position - pendingSells));
      if (qty > available + 1e-9)
        throw forbidden(`insufficient qty available for order (requested: ${qty}, available: ${available})`, {
          symbol: req.symbol,
          existing_qty: String(position),
          held_for_orders: String(pendingSells),
        });
      openingQty = 0;
      closingQty = qty;
    } else {
      openingQty = qty;
      closingQty = 0;
      if (a.config.no_shorting) throw forbidden("account is not allowed to short (no_shorting)");
      if (!asset.shortable || !asset.easy_to_borrow)
        throw forbidden(`asset "${req.symbol}" cannot be sold short (not shortable or hard to borrow)`);
      if (fractional) throw forbidden("fractional orders cannot be sold short (qty)");
    }
  } else {
    closingQty = position < 0 ? Math.min(qty, -position) : 0;
    openingQty = qty - closingQty;
  }
  const m = ctx.metrics();
  if (openingQty > 0) {
    if (req.side === "sell" && m.multiplier === 1)
      throw forbidden("account is not allowed to short: equity below 2,000 (buying power multiplier 1)");
    const unit = req.limitPrice ?? req.stopPrice ?? price;
    const cost = req.notional ?? openingQty * unit;
    if (cost > m.buyingPower + 1e-6)
      throw forbidden("insufficient buying power", {
        buying_power: m.buyingPower.toFixed(2),
        cost_basis: cost.toFixed(2),
      });
  }
  if (closingQty > 0) {
    const pos = a.positions.get(req.symbol);
    if (pos && pos.lastOpenDate === ctx.today && m.equity < PDT_EQUITY && m.daytradeCount >= 3)
      throw new SimApiError(403, ALPACA_CODES.pdt, "trade denied due to pattern day trading protection", {
        daytrade_count: m.daytradeCount,
      });
  }
}

/** Whether `x` is a whole number of `step`s (tolerating binary floating-point noise). */
const onStep = (x: number, step: number): boolean => {
  const n = x / step;
  return Math.abs(n - Math.round(n)) <= 1e-6;
};

/**
 * Crypto: no margin, no shorting, no day-trade rule. A buy is paid from cash (the non-marginable
 * buying power); a sell needs the coins; a quantity under the asset's `min_order_size` is refused.
 */
function checkCryptoOrder(a: SimAccount, req: OrderRequest, asset: SimAsset, ctx: OrderCheckContext): void {
  if (req.clientOrderId !== undefined && a.byClientOrderId.has(req.clientOrderId))
    throw new SimApiError(422, ALPACA_CODES.malformed, "client_order_id must be unique");
  const symbol = asset.symbol;
  const qty = req.qty ?? (req.notional ?? 0) / ctx.price;
  const min = Number(asset.min_order_size);
  // selling the whole position is always allowed, whatever its precision (notional buys leave odd sizes)
  const wholePosition =
    req.side === "sell" && Math.abs((a.positions.get(symbol)?.qty ?? Number.NaN) - qty) < 1e-9;
  if (req.qty !== undefined && !wholePosition && qty < min - 1e-12)
    throw unprocessable(`qty: must be at least ${asset.min_order_size} for ${symbol} (min_order_size)`);
  if (req.qty !== undefined && !wholePosition && !onStep(req.qty, Number(asset.min_trade_increment)))
    throw unprocessable(
      `qty: must be a multiple of ${asset.min_trade_increment} for ${symbol} (min_trade_increment)`,
    );
  for (const [field, price] of [
    ["limit_price", req.limitPrice],
    ["stop_price", req.stopPrice],
  ] as const)
    if (price !== undefined && !onStep(price, Number(asset.price_increment)))
      throw unprocessable(
        `${field}: must be a multiple of ${asset.price_increment} for ${symbol} (price_increment)`,
      );
  if (req.side === "sell") {
    let pendingSells = 0;
    for (const o of a.openOrders)
      if (OPEN_STATUSES.has(o.status) && o.symbol === symbol && o.side === "sell")
        pendingSells += remainingQty(o, ctx.price);
    const available = roundQty(Math.max(0, (a.positions.get(symbol)?.qty ?? 0) - pendingSells));
    if (qty > available + 1e-9)
      throw forbidden(
        `insufficient balance for ${symbol.split("/")[0]} (requested: ${roundQty(qty)}, available: ${available})`,
      );
    return;
  }
  const cost = req.notional ?? qty * (req.limitPrice ?? ctx.price);
  const cash = ctx.metrics().nonMarginableBuyingPower;
  if (cost > cash + 1e-6)
    throw forbidden("insufficient buying power", {
      buying_power: cash.toFixed(2),
      cost_basis: cost.toFixed(2),
    });
}
