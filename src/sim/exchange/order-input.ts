/**
 * Parsing and field-level validation of order requests (submit and replace), as Alpaca does it:
 * quantities and prices may be JSON strings or numbers; every error names the field.
 */
import { badRequest, unprocessable } from "../sim-error.js";
import {
  ORDER_CLASSES,
  ORDER_TYPES,
  type OrderClass,
  type OrderType,
  POSITION_INTENTS,
  type PositionIntent,
  SIDES,
  type Side,
  TIME_IN_FORCE,
  type TimeInForce,
} from "./types.js";

export interface OrderRequest {
  readonly symbol: string;
  readonly qty: number | undefined;
  readonly notional: number | undefined;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly trailPrice: number | undefined;
  readonly trailPercent: number | undefined;
  readonly extendedHours: boolean;
  readonly clientOrderId: string | undefined;
  readonly orderClass: OrderClass;
  readonly takeProfit: { readonly limitPrice: number } | undefined;
  readonly stopLoss: { readonly stopPrice: number; readonly limitPrice: number | undefined } | undefined;
  readonly positionIntent: PositionIntent | undefined;
}

export interface ReplaceRequest {
  readonly qty: number | undefined;
  readonly timeInForce: TimeInForce | undefined;
  readonly limitPrice: number | undefined;
  readonly stopPrice: number | undefined;
  readonly trail: number | undefined;
  readonly clientOrderId: string | undefined;
}

type Json = Readonly<Record<string, unknown>>;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A decimal given as a JSON number or a numeric string; undefined when absent or null. */
export function decimalField(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) n = Number(v);
  else throw unprocessable(`${field}: invalid decimal ${JSON.stringify(v)}`);
  if (!Number.isFinite(n)) throw unprocessable(`${field}: invalid decimal ${JSON.stringify(v)}`);
  return n;
}

function positive(body: Json, field: string): number | undefined {
  const n = decimalField(body, field);
  if (n !== undefined && n <= 0) throw unprocessable(`${field} must be > 0`);
  return n;
}

/** Alpaca's message for a price finer than its tick. */
export const SUB_PENNY = "sub-penny increment does not fulfill minimum pricing criteria";

/** Whether `n` is a whole number of `10^-dp` (tolerating binary floating-point noise). */
export function hasAtMostDecimals(n: number, dp: number): boolean {
  const scaled = n * 10 ** dp;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled));
}

/** A price: positive, and on the equity tick (cents at or above $1.00, 1/100 cent below). */
function price(body: Json, field: string, label = field): number | undefined {
  const n = positive(body, field);
  if (n !== undefined && !hasAtMostDecimals(n, n >= 1 ? 2 : 4)) throw unprocessable(`${label}: ${SUB_PENNY}`);
  return n;
}

/** Quantities are kept to 9 decimals: one that rounds to zero is refused, not placed. */
function quantity(body: Json, field: string): number | undefined {
  const n = positive(body, field);
  if (n !== undefined && Math.round(n * 1e9) === 0)
    throw unprocessable(`${field}: must be at least 0.000000001 (it rounds to zero)`);
  return n;
}

function enumField<T extends string>(body: Json, field: string, values: readonly T[]): T | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
  throw unprocessable(`invalid ${field}: ${JSON.stringify(v)} (expected one of ${values.join(", ")})`);
}

function boolField(body: Json, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw unprocessable(`${field}: invalid boolean ${JSON.stringify(v)}`);
}

function clientOrderId(body: Json): string | undefined {
  const v = body.client_order_id;
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw unprocessable("client_order_id must be a string");
  if (v.length > 128) throw unprocessable("client_order_id must be no more than 128 characters");
  return v;
}

export interface ParseOptions {
  /** Whether a symbol is a crypto pair (besides any symbol with a slash, `BTC/USD`). */
  readonly isCrypto?: (symbol: string) => boolean;
}

/** Crypto: market, limit and stop-limit orders, gtc or ioc, simple, never extended hours. */
function checkCrypto(
  type: OrderType,
  timeInForce: TimeInForce,
  orderClass: OrderClass,
  extendedHours: boolean,
): void {
  if (type !== "market" && type !== "limit" && type !== "stop_limit")
    throw unprocessable(`type: crypto orders must be market, limit or stop_limit (got ${type})`);
  if (timeInForce !== "gtc" && timeInForce !== "ioc")
    throw unprocessable(`time_in_force: crypto orders must be gtc or ioc (got ${timeInForce})`);
  if (orderClass !== "simple") throw unprocessable("order_class: crypto orders must be simple");
  if (extendedHours) throw unprocessable("extended_hours: crypto trades around the clock; not applicable");
}

export function parseOrderRequest(body: unknown, opts: ParseOptions = {}): OrderRequest {
  if (!isRecord(body)) throw badRequest("request body must be a JSON object");
  const symbolRaw = body.symbol;
  if (typeof symbolRaw !== "string" || symbolRaw.trim() === "") throw unprocessable("symbol is required");
  const symbol = symbolRaw.trim().toUpperCase();
  const crypto = symbol.includes("/") || (opts.isCrypto?.(symbol) ?? false);
  const side = enumField(body, "side", SIDES);
  if (!side) throw unprocessable("side is required");
  const type = enumField(body, "type", ORDER_TYPES) ?? enumField(body, "order_type", ORDER_TYPES);
  if (!type) throw unprocessable("type is required");
  const timeInForce = enumField(body, "time_in_force", TIME_IN_FORCE);
  if (!timeInForce) throw unprocessable("time_in_force is required");
  const orderClass = enumField(body, "order_class", [...ORDER_CLASSES, ""] as const) || "simple";
  const qty = quantity(body, "qty");
  const notional = positive(body, "notional");
  if (notional !== undefined && notional < 1) throw unprocessable("notional: must be at least 1 (USD)");
  if (qty !== undefined && notional !== undefined)
    throw unprocessable("qty and notional cannot both be given");
  if (qty === undefined && notional === undefined) throw unprocessable("qty or notional is required");
  const limitPrice = price(body, "limit_price");
  const stopPrice = price(body, "stop_price");
  const trailPrice = positive(body, "trail_price");
  const trailPercent = positive(body, "trail_percent");
  const extendedHours = boolField(body, "extended_hours") ?? false;

  if ((type === "limit" || type === "stop_limit") && limitPrice === undefined && orderClass !== "oco")
    throw unprocessable(`limit_price is required for ${type} orders`);
  if ((type === "stop" || type === "stop_limit") && stopPrice === undefined)
    throw unprocessable(`stop_price is required for ${type} orders`);
  if (type === "market" && limitPrice !== undefined && orderClass === "simple")
    throw unprocessable("limit_price must not be given for market orders");
  if (type === "trailing_stop") {
    if ((trailPrice === undefined) === (trailPercent === undefined))
      throw unprocessable("exactly one of trail_price or trail_percent is required for trailing_stop orders");
    if (trailPercent !== undefined && trailPercent >= 100) throw unprocessable("trail_percent must be < 100");
  } else if (trailPrice !== undefined || trailPercent !== undefined) {
    throw unprocessable("trail_price and trail_percent are only valid for trailing_stop orders");
  }

  const fractional = notional !== undefined || (qty !== undefined && !Number.isInteger(qty));
  if (crypto) checkCrypto(type, timeInForce, orderClass, extendedHours);
  else if (fractional) {
    if (type !== "market" && type !== "limit")
      throw unprocessable("fractional orders must be market or limit orders (qty/notional)");
    if (timeInForce !== "day") throw unprocessable("fractional orders must be DAY orders (time_in_force)");
    if (orderClass !== "simple") throw unprocessable("fractional orders must be simple orders (order_class)");
  }
  if (!crypto && extendedHours && (type !== "limit" || (timeInForce !== "day" && timeInForce !== "gtc")))
    throw unprocessable(
      "extended hours orders must be limit orders with time_in_force day or gtc (extended_hours)",
    );

  const tp = body.take_profit;
  const sl = body.stop_loss;
  if (tp !== undefined && tp !== null && !isRecord(tp)) throw unprocessable("take_profit must be an object");
  if (sl !== undefined && sl !== null && !isRecord(sl)) throw unprocessable("stop_loss must be an object");
  const takeProfitLimit = isRecord(tp) ? price(tp, "limit_price", "take_profit.limit_price") : undefined;
  if (isRecord(tp) && takeProfitLimit === undefined)
    throw unprocessable("take_profit.limit_price is required");
  const stopLossStop = isRecord(sl) ? price(sl, "stop_price", "stop_loss.stop_price") : undefined;
  if (isRecord(sl) && stopLossStop === undefined) throw unprocessable("stop_loss.stop_price is required");
  const stopLossLimit = isRecord(sl) ? price(sl, "limit_price", "stop_loss.limit_price") : undefined;
  const takeProfit = takeProfitLimit === undefined ? undefined : { limitPrice: takeProfitLimit };
  const stopLoss =
    stopLossStop === undefined ? undefined : { stopPrice: stopLossStop, limitPrice: stopLossLimit };

  switch (orderClass) {
    case "simple":
      if (takeProfit || stopLoss)
        throw unprocessable("take_profit/stop_loss need order_class bracket, oco or oto");
      break;
    case "bracket":
      if (!takeProfit || !stopLoss) throw unprocessable("bracket orders require take_profit and stop_loss");
      if (type !== "market" && type !== "limit")
        throw unprocessable("bracket orders must be market or limit orders (type)");
      if (timeInForce !== "day" && timeInForce !== "gtc")
        throw unprocessable("bracket orders must be day or gtc (time_in_force)");
      break;
    case "oco":
      if (!takeProfit || !stopLoss) throw unprocessable("oco orders require take_profit and stop_loss");
      if (type !== "limit") throw unprocessable("oco orders must be limit orders (type)");
      break;
    case "oto":
      if ((takeProfit === undefined) === (stopLoss === undefined))
        throw unprocessable("oto orders require exactly one of take_profit or stop_loss");
      break;
  }
  if (takeProfit && stopLoss) {
    // protects a long position: a bracket/oto buying, or an oco selling (the oco's side is the exit)
    const long = orderClass === "oco" ? side === "sell" : side === "buy";
    const ok = long ? takeProfit.limitPrice > stopLoss.stopPrice : takeProfit.limitPrice < stopLoss.stopPrice;
    if (!ok)
      throw unprocessable(`take_profit.limit_price must be ${long ? "above" : "below"} stop_loss.stop_price`);
  }
  return {
    symbol,
    qty,
    notional,
    side,
    type,
    timeInForce,
    limitPrice,
    stopPrice,
    trailPrice,
    trailPercent,
    extendedHours,
    clientOrderId: clientOrderId(body),
    orderClass,
    takeProfit,
    stopLoss,
    positionIntent: enumField(body, "position_intent", POSITION_INTENTS),
  };
}

export function parseReplaceRequest(body: unknown): ReplaceRequest {
  if (!isRecord(body)) throw badRequest("request body must be a JSON object");
  const req: ReplaceRequest = {
    qty: quantity(body, "qty"),
    timeInForce: enumField(body, "time_in_force", TIME_IN_FORCE),
    limitPrice: price(body, "limit_price"),
    stopPrice: price(body, "stop_price"),
    trail: positive(body, "trail"),
    clientOrderId: clientOrderId(body),
  };
  if (Object.values(req).every((v) => v === undefined))
    throw unprocessable("replace needs at least one of qty, time_in_force, limit_price, stop_price, trail");
  return req;
}
