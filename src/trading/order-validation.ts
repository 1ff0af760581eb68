/**
 * Validation of order submissions and replacements before they leave the gateway.
 * Quantities and prices may arrive as JSON strings or numbers (real bots send both);
 * they are normalised to Alpaca's decimal strings. Every error names its field.
 */
import { createHash, randomUUID } from "node:crypto";
import { PaddockError } from "../errors.js";

const TYPES = ["market", "limit", "stop", "stop_limit", "trailing_stop"] as const;
const TIFS = ["day", "gtc", "opg", "cls", "ioc", "fok"] as const;
const SIDES = ["buy", "sell"] as const;
const CLASSES = ["simple", "bracket", "oco", "oto", "mleg", ""] as const;
const INTENTS = ["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"] as const;

/** US equity tickers (BRK.B, BF/B style suffixes allowed) or OCC option symbols. */
const EQUITY = /^[A-Z][A-Z0-9]{0,5}([./][A-Z])?$/;
const OPTION = /^[A-Z]{1,6}\d{6}[CP]\d{8}$/;
/** Crypto pairs as Alpaca writes them: base/quote (`BTC/USD`, `ETH/BTC`, `USDT/USD`). */
const CRYPTO = /^[A-Z0-9]{2,10}\/(USD|USDT|USDC|BTC)$/;
const CRYPTO_TYPES: ReadonlySet<string> = new Set(["market", "limit", "stop_limit"]);
const CRYPTO_TIFS: ReadonlySet<string> = new Set(["gtc", "ioc"]);
const MAX_CLIENT_ORDER_ID = 128;

export type JsonObject = Record<string, unknown>;

const invalid = (field: string, why: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { detail: `${field}: ${why}` });

export function parseJsonObject(raw: Buffer | string | undefined, what = "body"): JsonObject {
  const text = raw === undefined ? "" : raw.toString();
  if (text.trim() === "") throw new PaddockError("PADDOCK_REQUEST_MALFORMED", { detail: `${what}: empty` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PaddockError("PADDOCK_REQUEST_MALFORMED", { detail: `${what}: not valid JSON` });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new PaddockError("PADDOCK_REQUEST_MALFORMED", { detail: `${what}: must be a JSON object` });
  }
  return parsed as JsonObject;
}

/** A positive decimal given as a string or number → canonical decimal string. */
export function decimal(value: unknown, field: string, opts: { allowZero?: boolean } = {}): string {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid(field, "must be a finite number");
    text = String(value);
  } else if (typeof value === "string") {
    // Alpaca refuses " 10" and "10 ": so does the gateway, before it leaves
    if (value !== value.trim()) throw invalid(field, "must not have leading or trailing spaces");
    text = value;
  } else {
    throw invalid(field, "must be a number or a numeric string");
  }
  if (!/^\d+(\.\d+)?$|^\d*\.\d+$/.test(text))
    throw invalid(field, `must be a positive decimal (got ${JSON.stringify(value)})`);
  if (!opts.allowZero && Number(text) <= 0) throw invalid(field, "must be greater than 0");
  return text;
}

/** Decimal places that matter (trailing zeros do not: "187.300" is 187.30). */
export const decimalPlaces = (text: string): number => {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.slice(dot + 1).replace(/0+$/, "").length;
};

/** Most decimal places Alpaca accepts in a quantity. */
export const MAX_QTY_DECIMALS = 9;

/** A quantity: positive, at most 9 decimals, and not one that rounds to zero. */
export function quantity(value: unknown, field: string): string {
  const text = decimal(value, field);
  if (decimalPlaces(text) > MAX_QTY_DECIMALS) {
    const rounded = Number(Number(text).toFixed(MAX_QTY_DECIMALS));
    if (rounded === 0) throw invalid(field, `rounds to 0 at ${MAX_QTY_DECIMALS} decimal places`);
    throw invalid(field, `at most ${MAX_QTY_DECIMALS} decimal places`);
  }
  return text;
}

/** A notional amount: dollars and cents. */
export function notionalAmount(value: unknown, field: string): string {
  const text = decimal(value, field);
  if (decimalPlaces(text) > 2) throw invalid(field, "at most 2 decimal places");
  return text;
}

/**
 * A price under Alpaca's minimum pricing rule: at most 2 decimals at or above $1.00,
 * at most 4 below (otherwise "sub-penny increment does not fulfill minimum pricing criteria").
 */
export function price(value: unknown, field: string): string {
  const text = decimal(value, field);
  const places = decimalPlaces(text);
  const max = Number(text) >= 1 ? 2 : 4;
  if (places > max) {
    throw invalid(
      field,
      `sub-penny increment does not fulfill minimum pricing criteria (at most ${max} decimals ${max === 2 ? "at or above" : "below"} $1.00)`,
    );
  }
  return text;
}

function oneOf<T extends string>(
  body: JsonObject,
  field: string,
  allowed: readonly T[],
  required: boolean,
): T | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw invalid(field, "is required");
    return undefined;
  }
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw invalid(field, `must be one of ${allowed.filter(Boolean).join(", ")}`);
  }
  return v as T;
}

function optional(
  body: JsonObject,
  field: string,
  parse: (v: unknown, field: string) => string = decimal,
): string | undefined {
  const v = body[field];
  return v === undefined || v === null ? undefined : parse(v, field);
}

function bool(body: JsonObject, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid(field, "must be true or false");
  return v;
}

export function clientOrderId(value: unknown, field = "client_order_id"): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length === 0) throw invalid(field, "must be a non-empty string");
  if (value.length > MAX_CLIENT_ORDER_ID)
    throw invalid(field, `must be at most ${MAX_CLIENT_ORDER_ID} characters`);
  return value;
}

export interface ValidatedOrder {
  /** The body to send upstream: the client's, with numbers normalised and a client_order_id assigned if missing. */
  readonly body: JsonObject;
  readonly symbol: string;
  readonly assetClass: "us_equity" | "us_option" | "crypto";
  readonly side: "buy" | "sell";
  readonly type: (typeof TYPES)[number];
  readonly qty?: string;
  readonly notional?: string;
  readonly limitPrice?: string;
  readonly stopPrice?: string;
  readonly clientOrderId: string;
  /** True when the gateway made the client_order_id up (the client must be told it). */
  readonly assignedClientOrderId: boolean;
  /** Hash of the order without its client_order_id: a resubmission must match it. */
  readonly fingerprint: string;
}

function legs(body: JsonObject, orderClass: string | undefined): void {
  const tp = body.take_profit;
  const sl = body.stop_loss;
  if (tp !== undefined && (tp === null || typeof tp !== "object"))
    throw invalid("take_profit", "must be an object");
  if (sl !== undefined && (sl === null || typeof sl !== "object"))
    throw invalid("stop_loss", "must be an object");
  // copies: the client's nested objects are not changed in place
  if (tp) {
    const t = { ...(tp as JsonObject) };
    t.limit_price = price(t.limit_price, "take_profit.limit_price");
    body.take_profit = t;
  }
  if (sl) {
    const s = { ...(sl as JsonObject) };
    s.stop_price = price(s.stop_price, "stop_loss.stop_price");
    if (s.limit_price !== undefined && s.limit_price !== null)
      s.limit_price = price(s.limit_price, "stop_loss.limit_price");
    body.stop_loss = s;
  }
  if (orderClass === "bracket" || orderClass === "oco") {
    const what = orderClass === "oco" ? "an oco" : "a bracket";
    if (!tp) throw invalid("take_profit", `is required for ${what} order`);
    if (!sl) throw invalid("stop_loss", `is required for ${what} order`);
  }
  if (orderClass === "oto" && !tp && !sl) {
    throw invalid("take_profit", "or stop_loss is required for an oto order");
  }
}

export const fingerprintOf = (body: JsonObject): string => {
  const { client_order_id: _ignored, ...rest } = body;
  const keys = Object.keys(rest).sort();
  return createHash("sha256").update(JSON.stringify(rest, keys)).digest("hex").slice(0, 32);
};

/** Validates and normalises an order submission; throws 422/400 naming the field. */
export function validateOrder(
  input: JsonObject,
  makeId: () => string = () => `pdk-${randomUUID()}`,
): ValidatedOrder {
  const body: JsonObject = { ...input };
  const symbolRaw = body.symbol;
  if (typeof symbolRaw !== "string" || symbolRaw.trim() === "") throw invalid("symbol", "is required");
  const symbol = symbolRaw.trim().toUpperCase();
  let assetClass: ValidatedOrder["assetClass"];
  if (OPTION.test(symbol)) assetClass = "us_option";
  else if (CRYPTO.test(symbol)) assetClass = "crypto";
  else if (EQUITY.test(symbol)) assetClass = "us_equity";
  else {
    throw invalid(
      "symbol",
      `not a US equity, OCC option or crypto pair (BTC/USD) symbol: ${JSON.stringify(symbolRaw)}`,
    );
  }
  body.symbol = symbol;
  const crypto = assetClass === "crypto";
  // crypto prices follow each pair's own increment (Alpaca checks it); equities the sub-penny rule
  const priceOf = crypto ? decimal : price;

  const side = oneOf(body, "side", SIDES, true)!;
  const type = oneOf(body, "type", TYPES, true)!;
  const tif = oneOf(body, "time_in_force", TIFS, true)!;
  const orderClass = oneOf(body, "order_class", CLASSES, false);
  oneOf(body, "position_intent", INTENTS, false);

  const hasQty = body.qty !== undefined && body.qty !== null;
  const hasNotional = body.notional !== undefined && body.notional !== null;
  if (hasQty === hasNotional) throw invalid("qty", "give exactly one of qty or notional");
  const qty = hasQty ? quantity(body.qty, "qty") : undefined;
  const notional = hasNotional ? notionalAmount(body.notional, "notional") : undefined;
  if (qty !== undefined) body.qty = qty;
  if (notional !== undefined) {
    body.notional = notional;
    if (type !== "market" && type !== "limit")
      throw invalid("notional", "only market or limit orders take a notional");
    if (!crypto && tif !== "day") throw invalid("time_in_force", "notional orders must be day orders");
  }
  if (crypto) {
    // Alpaca's crypto rules: market, limit or stop_limit; gtc or ioc; simple orders; around the clock
    if (!CRYPTO_TYPES.has(type)) throw invalid("type", "crypto orders must be market, limit or stop_limit");
    if (!CRYPTO_TIFS.has(tif)) throw invalid("time_in_force", "crypto orders must be gtc or ioc");
    if (orderClass !== undefined && orderClass !== "" && orderClass !== "simple")
      throw invalid("order_class", "crypto orders must be simple");
  }

  const limitPrice = optional(body, "limit_price", priceOf);
  const stopPrice = optional(body, "stop_price", priceOf);
  if (limitPrice !== undefined) body.limit_price = limitPrice;
  if (stopPrice !== undefined) body.stop_price = stopPrice;
  // OCO (Alpaca's documented exit pair): type limit, the limits live in take_profit / stop_loss
  const oco = orderClass === "oco";
  if (oco && limitPrice !== undefined) {
    throw invalid("limit_price", "an oco order carries its limits in take_profit and stop_loss");
  }
  if ((type === "limit" || type === "stop_limit") && limitPrice === undefined && !oco) {
    throw invalid("limit_price", `is required for a ${type} order`);
  }
  if ((type === "stop" || type === "stop_limit") && stopPrice === undefined) {
    throw invalid("stop_price", `is required for a ${type} order`);
  }
  if (type === "trailing_stop") {
    const tp = optional(body, "trail_price", price);
    const tpc = optional(body, "trail_percent");
    if ((tp === undefined) === (tpc === undefined)) {
      throw invalid(
        "trail_price",
        "give exactly one of trail_price or trail_percent for a trailing_stop order",
      );
    }
    if (tp !== undefined) body.trail_price = tp;
    if (tpc !== undefined) body.trail_percent = tpc;
  }
  const extended = bool(body, "extended_hours");
  if (extended && crypto) throw invalid("extended_hours", "crypto trades around the clock; not applicable");
  if (extended && (type !== "limit" || (tif !== "day" && tif !== "gtc"))) {
    throw invalid("extended_hours", "needs a limit order with time_in_force day or gtc");
  }
  legs(body, orderClass);

  let id = clientOrderId(body.client_order_id);
  const assigned = id === undefined;
  if (id === undefined) {
    id = makeId();
    body.client_order_id = id;
  }
  return {
    body,
    symbol,
    assetClass,
    side,
    type,
    ...(qty === undefined ? {} : { qty }),
    ...(notional === undefined ? {} : { notional }),
    ...(limitPrice === undefined ? {} : { limitPrice }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
    clientOrderId: id,
    assignedClientOrderId: assigned,
    fingerprint: fingerprintOf(body),
  };
}

const REPLACEABLE = ["qty", "time_in_force", "limit_price", "stop_price", "trail", "client_order_id"];

/**
 * Validates a replacement (PATCH /v2/orders/{id}): the fields Alpaca reads are checked
 * and normalised, at least one must be given; anything else (an order's own `id`, say)
 * Alpaca ignores, so it is forwarded untouched.
 */
export function validateReplace(input: JsonObject): JsonObject {
  const body: JsonObject = { ...input };
  if (!REPLACEABLE.some((f) => body[f] !== undefined && body[f] !== null))
    throw invalid("body", "give at least one of qty, time_in_force, limit_price, stop_price, trail");
  if (body.qty !== undefined && body.qty !== null) body.qty = quantity(body.qty, "qty");
  for (const f of ["limit_price", "stop_price"]) {
    if (body[f] !== undefined && body[f] !== null) body[f] = price(body[f], f);
  }
  if (body.trail !== undefined && body.trail !== null) body.trail = decimal(body.trail, "trail");
  oneOf(body, "time_in_force", TIFS, false);
  clientOrderId(body.client_order_id);
  return body;
}
