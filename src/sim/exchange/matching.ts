/**
 * Matching rules, kept free of I/O: whether an order can execute at a price (limits, stops,
 * trailing stops, time in force) and the book-keeping of one fill (order, cash, position, activity).
 */
import type { FillActivity, SimAccount, SimOrder } from "./types.js";

/** Prices: cents at or above $1, hundredths of a cent below. */
export const roundPrice = (p: number): number =>
  p >= 1 ? Math.round(p * 100) / 100 : Math.round(p * 10_000) / 10_000;

/** Quantities: 9 decimal places (Alpaca's fractional precision). */
export const roundQty = (q: number): number => Math.round(q * 1e9) / 1e9;

const EPS = 1e-9;

/** Quantity still to fill at `price` (notional orders convert at the price). */
export function remainingQty(order: SimOrder, price: number): number {
  if (order.qty !== undefined) return roundQty(order.qty - order.filledQty);
  const money = (order.notional ?? 0) - order.filledNotional;
  return Math.max(0, Math.floor((money / price) * 1e9) / 1e9);
}

export function isComplete(order: SimOrder): boolean {
  if (order.qty !== undefined) return order.filledQty >= order.qty - EPS;
  return (order.notional ?? 0) - order.filledNotional < 0.01;
}

/** Updates a trailing stop's high-water mark and stop price at a new price. */
export function updateTrailing(order: SimOrder, price: number): void {
  if (order.type !== "trailing_stop") return;
  const hwm =
    order.hwm === undefined
      ? price
      : order.side === "sell"
        ? Math.max(order.hwm, price)
        : Math.min(order.hwm, price);
  order.hwm = hwm;
  const offset = order.trailPrice ?? (hwm * (order.trailPercent ?? 0)) / 100;
  order.stopPrice = roundPrice(order.side === "sell" ? hwm - offset : hwm + offset);
}

/** Whether the order may execute at `price` now (stop triggers are recorded on the order). */
export function marketable(order: SimOrder, price: number): boolean {
  if (order.type === "trailing_stop") updateTrailing(order, price);
  if (
    (order.type === "stop" || order.type === "stop_limit" || order.type === "trailing_stop") &&
    !order.triggered
  ) {
    const stop = order.stopPrice ?? 0;
    const hit = order.side === "buy" ? price >= stop : price <= stop;
    if (!hit) return false;
    order.triggered = true;
  }
  if (order.type === "limit" || order.type === "stop_limit") {
    const limit = order.limitPrice ?? 0;
    return order.side === "buy" ? price <= limit : price >= limit;
  }
  return true;
}

export interface FillResult {
  readonly activity: FillActivity;
  readonly positionQty: number;
  readonly dayTrade: boolean;
}

/**
 * Books one fill: order quantities and status, cash, the position (average cost, side flips),
 * a FILL activity, and day-trade detection (a reducing fill on a position opened the same day).
 */
export function applyFill(
  account: SimAccount,
  order: SimOrder,
  qtyIn: number,
  price: number,
  atMs: number,
  today: string,
  activityId: string,
  asset: { readonly id: string; readonly exchange: string },
): FillResult {
  const qty = roundQty(qtyIn);
  const signed = order.side === "buy" ? qty : -qty;
  account.cash -= signed * price;
  let pos = account.positions.get(order.symbol);
  let dayTrade = false;
  if (!pos || Math.abs(pos.qty) < EPS || Math.sign(pos.qty) === Math.sign(signed)) {
    if (!pos) {
      pos = {
        symbol: order.symbol,
        assetId: asset.id,
        exchange: asset.exchange,
        qty: 0,
        costBasis: 0,
        lastOpenDate: today,
      };
      account.positions.set(order.symbol, pos);
    }
    pos.qty = roundQty(pos.qty + signed);
    pos.costBasis += signed * price;
    pos.lastOpenDate = today;
  } else {
    if (pos.lastOpenDate === today && !account.dayTradeOrders.has(order.id)) {
      account.dayTradeOrders.add(order.id);
      account.dayTrades.push(today);
      dayTrade = true;
    }
    const avg = pos.costBasis / pos.qty;
    const closing = Math.min(Math.abs(pos.qty), qty);
    pos.qty = roundQty(pos.qty + Math.sign(signed) * closing);
    pos.costBasis = avg * pos.qty;
    const flip = roundQty(qty - closing);
    if (flip > 0) {
      pos.qty = Math.sign(signed) * flip;
      pos.costBasis = pos.qty * price;
      pos.lastOpenDate = today;
    }
  }
  const positionQty = pos.qty;
  if (Math.abs(pos.qty) < EPS) account.positions.delete(order.symbol);

  order.filledQty = roundQty(order.filledQty + qty);
  order.filledNotional += qty * price;
  order.updatedAt = atMs;
  const complete = isComplete(order);
  order.status = complete ? "filled" : "partially_filled";
  if (complete) order.filledAt = atMs;
  const activity: FillActivity = {
    id: activityId,
    activityType: "FILL",
    transactionTime: atMs,
    type: complete ? "fill" : "partial_fill",
    price,
    qty,
    side: order.side,
    symbol: order.symbol,
    leavesQty: complete ? 0 : order.qty === undefined ? 0 : roundQty(order.qty - order.filledQty),
    orderId: order.id,
    cumQty: order.filledQty,
    orderStatus: order.status,
  };
  account.activities.push(activity);
  return { activity, positionQty, dayTrade };
}
