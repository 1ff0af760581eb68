/**
 * The simulated exchange and broker: paper accounts opened on first use, order submission with
 * Alpaca's checks (asset, fractional, buying power, short sales, pattern day trader), the order
 * state machine, matching on price ticks and a periodic sweep, bracket/oco/oto legs, and
 * trade-update events for the trading stream.
 */
import { randomUUID } from "node:crypto";
import type { Universe } from "../assets/universe.js";
import { addDays, easternDate, nextTradingDay, previousTradingDay, tradingDay } from "../calendar.js";
import type { ControllableClock } from "../clock.js";
import type { PriceEngine } from "../contract.js";
import { stableUuid } from "../ids.js";
import { isCryptoSymbol } from "../market/crypto-pairs.js";
import { ALPACA_CODES, forbidden, notFound, SimApiError, unprocessable } from "../sim-error.js";
import { type AccountMetrics, computeMetrics } from "./account-metrics.js";
import { openAccount } from "./accounts.js";
import { exitPartners } from "./legs.js";
import { applyFill, isComplete, marketable, remainingQty, roundPrice, roundQty } from "./matching.js";
import { checkOrder } from "./order-checks.js";
import type { OrderRequest, ReplaceRequest } from "./order-input.js";
import { OPEN_STATUSES, type SimAccount, type SimOrder, type TradeEvent, type TradeUpdate } from "./types.js";

export interface ExchangeDeps {
  readonly clock: ControllableClock;
  readonly prices: PriceEngine;
  readonly universe: Universe;
  /** Starting cash of a new paper account. */
  readonly cash: number;
  /** Order and execution ids (default crypto.randomUUID). */
  readonly newId?: () => string;
  /** Dollar volume one evaluation can fill per order before it becomes a partial fill (default 250,000). */
  readonly liquidityNotional?: number;
  /**
   * The last trade on the simulated tape (what the data API serves) at or before an instant.
   * Extended-hours orders outside the regular session fill only at these prices; without it they
   * fill at the engine's price.
   */
  readonly lastTrade?: (symbol: string, atMs: number) => { readonly p: number; readonly t: number };
}

/** Calendar days a gtc order stays open. */
export const GTC_DAYS = 90;

export type TradeUpdateListener = (keyId: string, update: TradeUpdate) => void;

export interface Exchange {
  /** The account of a key, opened with the starting cash on first use. */
  account(keyId: string): SimAccount;
  metrics(account: SimAccount): AccountMetrics;
  /** Current (rounded) trade price of a symbol. */
  priceOf(symbol: string): number;
  submit(keyId: string, req: OrderRequest): SimOrder;
  replace(keyId: string, orderId: string, req: ReplaceRequest): SimOrder;
  cancel(keyId: string, orderId: string): SimOrder;
  /** Cancels every open order of the account; returns them. */
  cancelAll(keyId: string): SimOrder[];
  /** A market order closing all or part of a position. */
  closePosition(keyId: string, symbol: string, opts: { qty?: number; percentage?: number }): SimOrder;
  /** Matches open orders (of one symbol, or all) against current prices. */
  evaluate(symbol?: string): void;
  onTradeUpdate(listener: TradeUpdateListener): () => void;
  /** Orders created per client_order_id, across accounts (for `/_sim/stats`). */
  readonly ordersByClientOrderId: ReadonlyMap<string, number>;
  /** Starts the periodic sweep (expiry, queued orders at the open, trailing stops). */
  start(intervalMs?: number): void;
  stop(): void;
  reset(): void;
}

export function createExchange(deps: ExchangeDeps): Exchange {
  const newId = deps.newId ?? randomUUID;
  const liquidity = deps.liquidityNotional ?? 250_000;
  const { clock, prices, universe } = deps;
  const accounts = new Map<string, SimAccount>();
  const open = new Set<SimOrder>();
  const listeners = new Set<TradeUpdateListener>();
  const byClientId = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribeTicks: (() => void) | undefined;

  const priceOf = (symbol: string, at = clock.now()): number => roundPrice(prices.priceAt(symbol, at));

  function emit(order: SimOrder, event: TradeEvent, extra: Partial<TradeUpdate> = {}): void {
    const update: TradeUpdate = { event, order, at: clock.now(), ...extra };
    for (const l of listeners) l(order.accountKey, update);
  }

  function account(keyId: string): SimAccount {
    let a = accounts.get(keyId);
    if (!a) {
      a = openAccount(keyId, deps.cash, clock.now());
      accounts.set(keyId, a);
    }
    return a;
  }

  const metrics = (a: SimAccount): AccountMetrics => {
    const now = clock.now();
    return computeMetrics(a, now, easternDate(now), (s, t) => prices.priceAt(s, t));
  };

  function getOrder(a: SimAccount, id: string): SimOrder {
    const o = a.orders.get(id);
    if (!o) throw notFound("order not found");
    return o;
  }

  /** When a day order stops being valid: the close of the session it belongs to. */
  function dayExpiry(now: number, extended: boolean): number {
    const today = easternDate(now);
    const td = tradingDay(today);
    const end = (d: { closeMs: number; sessionCloseMs: number }): number =>
      extended ? d.sessionCloseMs : d.closeMs;
    if (td && now < end(td)) return end(td);
    return end(nextTradingDay(today));
  }

  /** A gtc order lives 90 days: it expires at the close of the last trading day within them. */
  function gtcExpiry(now: number, extended: boolean): number {
    const last = addDays(easternDate(now), GTC_DAYS);
    const td = tradingDay(last) ?? previousTradingDay(last);
    return extended ? td.sessionCloseMs : td.closeMs;
  }

  /** Alpaca's position_intent when the client gave none: opening or closing, given the position. */
  function intentFor(a: SimAccount, symbol: string, side: SimOrder["side"]): SimOrder["positionIntent"] {
    const pos = a.positions.get(symbol)?.qty ?? 0;
    if (side === "buy") return pos < 0 ? "buy_to_close" : "buy_to_open";
    return pos > 0 ? "sell_to_close" : "sell_to_open";
  }

  function eligible(o: SimOrder, now: number): boolean {
    if (isCryptoSymbol(o.symbol)) return true; // around the clock, whatever the stock session
    if (clock.forced !== undefined) return clock.forced;
    if (o.timeInForce === "opg") return o.executeAt !== undefined && now >= o.executeAt && clock.isOpen(now);
    if (o.timeInForce === "cls") return o.executeAt !== undefined && now >= o.executeAt;
    return o.extendedHours ? clock.isExtendedOpen(now) : clock.isOpen(now);
  }

  function newOrder(
    a: SimAccount,
    req: OrderRequest,
    fields: Partial<SimOrder> & { type: SimOrder["type"]; side: SimOrder["side"] },
  ): SimOrder {
    const now = clock.now();
    const asset = universe.find(req.symbol);
    const clientOrderId = fields.clientOrderId ?? req.clientOrderId ?? newId();
    const o: SimOrder = {
      id: newId(),
      clientOrderId,
      accountKey: a.keyId,
      createdAt: now,
      updatedAt: now,
      submittedAt: now,
      filledAt: undefined,
      expiredAt: undefined,
      canceledAt: undefined,
      failedAt: undefined,
      replacedAt: undefined,
      replacedBy: undefined,
      replaces: undefined,
      assetId: asset?.id ?? stableUuid("asset", req.symbol),
      symbol: req.symbol,
      qty: req.qty,
      notional: req.notional,
      filledQty: 0,
      filledNotional: 0,
      orderClass: req.orderClass,
      timeInForce: req.timeInForce,
      limitPrice: req.limitPrice,
      stopPrice: req.stopPrice,
      trailPrice: req.trailPrice,
      trailPercent: req.trailPercent,
      hwm: undefined,
      extendedHours: req.extendedHours,
      positionIntent: req.positionIntent ?? intentFor(a, req.symbol, fields.side),
      status: "accepted",
      legs: [],
      parentId: undefined,
      triggered: false,
      expiresAt: undefined,
      executeAt: undefined,
      ...fields,
    };
    const { nextOpen, nextClose } = clock.nextOpenClose(now);
    if (o.timeInForce === "day") o.expiresAt = dayExpiry(now, o.extendedHours);
    if (o.timeInForce === "gtc") o.expiresAt = gtcExpiry(now, o.extendedHours);
    if (o.timeInForce === "opg") o.executeAt = nextOpen;
    if (o.timeInForce === "cls") o.executeAt = nextClose;
    if (o.status === "accepted" && eligible(o, now)) o.status = "new";
    if (a.byClientOrderId.has(clientOrderId))
      throw new SimApiError(422, ALPACA_CODES.malformed, "client_order_id must be unique");
    a.byClientOrderId.set(clientOrderId, o.id);
    byClientId.set(clientOrderId, (byClientId.get(clientOrderId) ?? 0) + 1);
    a.orders.set(o.id, o);
    a.orderLog.push(o);
    a.openOrders.add(o);
    open.add(o);
    return o;
  }

  function checkSubmit(a: SimAccount, req: OrderRequest): void {
    const now = clock.now();
    checkOrder(a, req, {
      asset: universe.find(req.symbol),
      price: priceOf(req.symbol, now),
      today: easternDate(now),
      metrics: () => metrics(a),
    });
  }

  function submit(keyId: string, reqIn: OrderRequest): SimOrder {
    const a = account(keyId);
    // the asset's own spelling: `BTCUSD` → `BTC/USD`
    const listed = universe.find(reqIn.symbol)?.symbol;
    const req = listed === undefined || listed === reqIn.symbol ? reqIn : { ...reqIn, symbol: listed };
    checkSubmit(a, req);
    let parent: SimOrder;
    const exit = req.side === "buy" ? "sell" : "buy";
    if (req.orderClass === "oco") {
      parent = newOrder(a, req, { type: "limit", side: req.side, limitPrice: req.takeProfit?.limitPrice });
      const sl = req.stopLoss!;
      const leg = newOrder(a, req, {
        type: sl.limitPrice === undefined ? "stop" : "stop_limit",
        side: req.side,
        stopPrice: sl.stopPrice,
        limitPrice: sl.limitPrice,
        clientOrderId: newId(),
        parentId: parent.id,
      });
      parent.legs.push(leg.id);
    } else {
      parent = newOrder(a, req, { type: req.type, side: req.side });
      const legClass = req.orderClass === "bracket" || req.orderClass === "oto";
      if (legClass && req.takeProfit) {
        const tp = newOrder(a, req, {
          type: "limit",
          side: exit,
          limitPrice: req.takeProfit.limitPrice,
          stopPrice: undefined,
          trailPrice: undefined,
          trailPercent: undefined,
          status: "held",
          clientOrderId: newId(),
          parentId: parent.id,
        });
        parent.legs.push(tp.id);
      }
      if (legClass && req.stopLoss) {
        const sl = newOrder(a, req, {
          type: req.stopLoss.limitPrice === undefined ? "stop" : "stop_limit",
          side: exit,
          stopPrice: req.stopLoss.stopPrice,
          limitPrice: req.stopLoss.limitPrice,
          trailPrice: undefined,
          trailPercent: undefined,
          status: "held",
          clientOrderId: newId(),
          parentId: parent.id,
        });
        parent.legs.push(sl.id);
      }
    }
    emit(parent, "new");
    evaluateOrder(parent, clock.now());
    if (parent.orderClass === "oco")
      for (const id of parent.legs) evaluateOrder(a.orders.get(id)!, clock.now());
    return parent;
  }

  /** An order left the open set (filled, canceled, expired, replaced). */
  function settle(o: SimOrder): void {
    open.delete(o);
    accounts.get(o.accountKey)?.openOrders.delete(o);
  }

  function finish(o: SimOrder, status: "canceled" | "expired", now: number): void {
    o.status = status;
    o.updatedAt = now;
    if (status === "canceled") o.canceledAt = now;
    else o.expiredAt = now;
    settle(o);
    emit(o, status);
  }

  /** Cancels an order and whatever depends on it (held legs, one-cancels-other siblings). */
  function cascadeCancel(a: SimAccount, o: SimOrder, status: "canceled" | "expired", now: number): void {
    if (!OPEN_STATUSES.has(o.status)) return;
    finish(o, status, now);
    for (const id of o.legs) {
      const leg = a.orders.get(id);
      if (leg && OPEN_STATUSES.has(leg.status)) finish(leg, status, now);
    }
  }

  function onFilled(a: SimAccount, o: SimOrder, now: number): void {
    settle(o);
    if (o.parentId === undefined && o.orderClass !== "oco") {
      // entry filled: held legs go live
      for (const id of o.legs) {
        const leg = a.orders.get(id);
        if (leg && leg.status === "held") {
          leg.status = "new";
          leg.updatedAt = now;
          leg.submittedAt = now;
          if (leg.timeInForce === "day") leg.expiresAt = dayExpiry(now, false);
          emit(leg, "new");
        }
      }
      return;
    }
    cancelPartners(a, o, now);
  }

  /**
   * A queued (accepted) buy that opens or adds to a long position is re-checked when it is released
   * to the market: prices may have moved while it waited. Its own reservation is given back first.
   */
  function affordableAtRelease(a: SimAccount, o: SimOrder, now: number): boolean {
    if (o.side !== "buy" || (a.positions.get(o.symbol)?.qty ?? 0) < 0) return true;
    const m = metrics(a);
    const price = priceOf(o.symbol, now);
    const reservedOwn = o.qty === undefined ? (o.notional ?? 0) : o.qty * (o.limitPrice ?? price);
    const cost = o.qty === undefined ? (o.notional ?? 0) : o.qty * Math.min(o.limitPrice ?? price, price);
    const base = m.multiplier === 4 ? m.daytradingBuyingPower : m.regtBuyingPower;
    return cost <= base - m.reserved + reservedOwn + 1e-6;
  }

  /** Refused after acceptance (Alpaca's `rejected`): the order and its legs are done. */
  function reject(a: SimAccount, o: SimOrder, now: number): void {
    o.status = "rejected";
    o.failedAt = now;
    o.updatedAt = now;
    settle(o);
    emit(o, "rejected");
    for (const id of o.legs) {
      const leg = a.orders.get(id);
      if (leg && OPEN_STATUSES.has(leg.status)) finish(leg, "canceled", now);
    }
  }

  function evaluateOrder(o: SimOrder, now: number, memo?: Map<string, number>): void {
    if (!OPEN_STATUSES.has(o.status) || o.status === "held") return;
    const a = account(o.accountKey);
    if (o.expiresAt !== undefined && now >= o.expiresAt && clock.forced !== true) {
      cascadeCancel(a, o, "expired", now);
      return;
    }
    if (!eligible(o, now)) return;
    if (o.status === "accepted") {
      if (!affordableAtRelease(a, o, now)) {
        reject(a, o, now);
        return;
      }
      o.status = "new";
      o.updatedAt = now;
    }
    const at =
      o.timeInForce === "cls" && clock.forced === undefined && o.executeAt !== undefined ? o.executeAt : now;
    let price: number;
    if (o.extendedHours && deps.lastTrade !== undefined && clock.forced === undefined && !clock.isOpen(now)) {
      // pre-market / after-hours: only a print the tape shows, and each print at most once
      const print = deps.lastTrade(o.symbol, now);
      if (o.lastPrintMs !== undefined && print.t <= o.lastPrintMs) return;
      o.lastPrintMs = print.t;
      price = print.p;
    } else if (memo !== undefined && at === now) {
      price = memo.get(o.symbol) ?? priceOf(o.symbol, at);
      memo.set(o.symbol, price);
    } else price = priceOf(o.symbol, at);
    const canTrade = marketable(o, price);
    const oneShot =
      o.timeInForce === "ioc" ||
      o.timeInForce === "fok" ||
      o.timeInForce === "opg" ||
      o.timeInForce === "cls";
    if (!canTrade) {
      if (oneShot)
        cascadeCancel(a, o, o.timeInForce === "cls" || o.timeInForce === "opg" ? "expired" : "canceled", now);
      return;
    }
    const remaining = remainingQty(o, price);
    const cap = Math.max(1, Math.floor(liquidity / price));
    if (o.timeInForce === "fok" && remaining > cap) {
      cascadeCancel(a, o, "canceled", now);
      return;
    }
    const qty = Math.min(remaining, cap);
    if (qty <= 0) {
      cascadeCancel(a, o, "canceled", now);
      return;
    }
    const asset = universe.find(o.symbol) ?? { id: o.assetId, exchange: "NASDAQ" };
    const executionId = newId();
    const activityId = `${new Date(now)
      .toISOString()
      .replace(/[-:TZ.]/g, "")
      .slice(0, 17)}::${executionId}`;
    const r = applyFill(a, o, qty, price, now, easternDate(now), activityId, asset);
    emit(o, isComplete(o) ? "fill" : "partial_fill", { price, qty, positionQty: r.positionQty, executionId });
    if (o.status === "filled") onFilled(a, o, now);
    else if (oneShot) cascadeCancel(a, o, "canceled", now);
  }

  function evaluate(symbol?: string): void {
    const now = clock.now();
    const memo = new Map<string, number>(); // one price per symbol per pass
    for (const o of [...open]) if (symbol === undefined || o.symbol === symbol) evaluateOrder(o, now, memo);
  }

  function cancel(keyId: string, orderId: string): SimOrder {
    const a = account(keyId);
    const o = getOrder(a, orderId);
    if (!OPEN_STATUSES.has(o.status))
      throw new SimApiError(422, ALPACA_CODES.unprocessable, `order is not cancelable (status ${o.status})`);
    const now = clock.now();
    cascadeCancel(a, o, "canceled", now);
    if (o.parentId !== undefined) cancelPartners(a, o, now);
    return o;
  }

  /** One-cancels-other: a filled or canceled exit leg of a bracket, or side of an oco, cancels its partners. */
  function cancelPartners(a: SimAccount, o: SimOrder, now: number): void {
    for (const other of exitPartners(a, o))
      if (OPEN_STATUSES.has(other.status)) finish(other, "canceled", now);
  }

  function replace(keyId: string, orderId: string, req: ReplaceRequest): SimOrder {
    const a = account(keyId);
    const old = getOrder(a, orderId);
    if (!OPEN_STATUSES.has(old.status) || old.status === "held")
      throw new SimApiError(
        422,
        ALPACA_CODES.unprocessable,
        `order is not replaceable (status ${old.status})`,
      );
    if (req.limitPrice !== undefined && old.type !== "limit" && old.type !== "stop_limit")
      throw unprocessable(`limit_price: not valid for ${old.type} orders`);
    if (req.stopPrice !== undefined && old.type !== "stop" && old.type !== "stop_limit")
      throw unprocessable(`stop_price: not valid for ${old.type} orders`);
    if (req.trail !== undefined && old.type !== "trailing_stop")
      throw unprocessable(`trail: not valid for ${old.type} orders`);
    if (req.clientOrderId !== undefined && a.byClientOrderId.has(req.clientOrderId))
      throw new SimApiError(422, ALPACA_CODES.malformed, "client_order_id must be unique");
    const now = clock.now();
    const qty = req.qty ?? (old.qty === undefined ? undefined : roundQty(old.qty - old.filledQty));
    const next = newOrder(
      a,
      {
        symbol: old.symbol,
        qty,
        notional: qty === undefined ? old.notional : undefined,
        side: old.side,
        type: old.type,
        timeInForce: req.timeInForce ?? old.timeInForce,
        limitPrice: req.limitPrice ?? old.limitPrice,
        stopPrice: req.stopPrice ?? old.stopPrice,
        trailPrice: old.trailPercent === undefined ? (req.trail ?? old.trailPrice) : undefined,
        trailPercent: old.trailPercent === undefined ? undefined : (req.trail ?? old.trailPercent),
        extendedHours: old.extendedHours,
        clientOrderId: req.clientOrderId,
        orderClass: old.orderClass,
        takeProfit: undefined,
        stopLoss: undefined,
        positionIntent: old.positionIntent,
      },
      { type: old.type, side: old.side, replaces: old.id, parentId: old.parentId, legs: [...old.legs] },
    );
    old.status = "replaced";
    old.replacedAt = now;
    old.replacedBy = next.id;
    old.updatedAt = now;
    settle(old);
    for (const id of old.legs) {
      const leg = a.orders.get(id);
      if (leg) leg.parentId = next.id;
    }
    if (old.parentId !== undefined) {
      const parent = a.orders.get(old.parentId);
      if (parent) parent.legs = parent.legs.map((id) => (id === old.id ? next.id : id));
    }
    emit(old, "replaced");
    emit(next, "new");
    evaluateOrder(next, now);
    return next;
  }

  function cancelAll(keyId: string): SimOrder[] {
    const a = account(keyId);
    const out: SimOrder[] = [];
    for (const o of [...a.openOrders]) {
      if (!OPEN_STATUSES.has(o.status)) continue;
      cascadeCancel(a, o, "canceled", clock.now());
      out.push(o);
    }
    return out;
  }

  function closePosition(
    keyId: string,
    symbolIn: string,
    opts: { qty?: number; percentage?: number },
  ): SimOrder {
    const a = account(keyId);
    const asset = universe.find(symbolIn);
    const symbol = asset?.symbol ?? symbolIn.toUpperCase();
    const pos = a.positions.get(symbol);
    if (!pos) throw notFound("position does not exist");
    const held = Math.abs(pos.qty);
    let qty = held;
    if (opts.qty !== undefined) {
      if (opts.qty <= 0) throw unprocessable("qty must be > 0");
      if (opts.qty > held + 1e-9)
        throw forbidden(`insufficient qty available for order (requested: ${opts.qty}, available: ${held})`);
      qty = opts.qty;
    } else if (opts.percentage !== undefined) {
      if (opts.percentage <= 0 || opts.percentage > 100)
        throw unprocessable("percentage must be in (0, 100]");
      qty = roundQty((held * opts.percentage) / 100);
    }
    return submit(keyId, {
      symbol,
      qty,
      notional: undefined,
      side: pos.qty > 0 ? "sell" : "buy",
      type: "market",
      timeInForce: isCryptoSymbol(symbol) ? "gtc" : "day",
      limitPrice: undefined,
      stopPrice: undefined,
      trailPrice: undefined,
      trailPercent: undefined,
      extendedHours: false,
      clientOrderId: undefined,
      orderClass: "simple",
      takeProfit: undefined,
      stopLoss: undefined,
      positionIntent: pos.qty > 0 ? "sell_to_close" : "buy_to_close",
    });
  }

  return {
    account,
    metrics,
    priceOf: (s) => priceOf(s),
    submit,
    replace,
    cancel,
    cancelAll,
    closePosition,
    evaluate,
    onTradeUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ordersByClientOrderId: byClientId,
    start(intervalMs = 200) {
      if (timer) return;
      timer = setInterval(() => evaluate(), intervalMs);
      timer.unref();
      unsubscribeTicks = prices.onTick((symbol) => evaluate(symbol));
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      unsubscribeTicks?.();
      unsubscribeTicks = undefined;
    },
    reset() {
      accounts.clear();
      open.clear();
      byClientId.clear();
    },
  };
}
