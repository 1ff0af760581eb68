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
