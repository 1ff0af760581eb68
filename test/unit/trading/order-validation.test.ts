import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import {
  decimal,
  parseJsonObject,
  validateOrder,
  validateReplace,
} from "../../../src/trading/order-validation.js";
import { checkRisk } from "../../../src/trading/risk.js";

const base = { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day", qty: "1" };
const fails = (body: Record<string, unknown>): string => {
  try {
    validateOrder(body);
  } catch (err) {
    if (isPaddockError(err)) return `${err.status} ${err.message}`;
    throw err;
  }
  return "ok";
};

describe("validateOrder", () => {
  it("accepts numbers or strings and normalises them, assigning a client_order_id", () => {
    const v = validateOrder({ ...base, qty: 2.5, type: "limit", limit_price: 187.2 }, () => "pdk-fixed");
    expect(v.body).toMatchObject({
      qty: "2.5",
      limit_price: "187.2",
      client_order_id: "pdk-fixed",
      symbol: "AAPL",
    });
    expect(v.assignedClientOrderId).toBe(true);
    const own = validateOrder({ ...base, client_order_id: "mine-1" });
    expect(own.clientOrderId).toBe("mine-1");
    expect(own.assignedClientOrderId).toBe(false);
  });

  it("names the bad field", () => {
    expect(fails({ ...base, symbol: undefined })).toBe("422 invalid request: symbol: is required");
    expect(fails({ ...base, side: "hold" })).toBe("422 invalid request: side: must be one of buy, sell");
    expect(fails({ ...base, type: "limit" })).toBe(
      "422 invalid request: limit_price: is required for a limit order",
    );
    expect(fails({ ...base, type: "stop_limit", limit_price: "1" })).toMatch(/stop_price: is required/);
    expect(fails({ ...base, qty: "0" })).toBe("422 invalid request: qty: must be greater than 0");
    expect(fails({ ...base, qty: "-1" })).toMatch(/qty: must be a positive decimal/);
    expect(fails({ ...base, qty: "abc" })).toMatch(/qty: must be a positive decimal/);
    expect(fails({ ...base, notional: "10" })).toBe(
      "422 invalid request: qty: give exactly one of qty or notional",
    );
    expect(fails({ ...base, qty: undefined })).toMatch(/qty: give exactly one/);
    expect(fails({ ...base, time_in_force: "week" })).toMatch(/time_in_force: must be one of day, gtc/);
    expect(fails({ ...base, type: "trailing_stop" })).toMatch(/trail_price: give exactly one/);
    expect(fails({ ...base, extended_hours: true })).toMatch(/extended_hours: needs a limit order/);
    expect(fails({ ...base, qty: undefined, notional: "5", time_in_force: "gtc" })).toMatch(
      /time_in_force: notional orders/,
    );
    expect(fails({ ...base, order_class: "bracket" })).toMatch(/take_profit: is required for a bracket/);
    expect(fails({ ...base, client_order_id: "x".repeat(129) })).toMatch(
      /client_order_id: must be at most 128/,
    );
    expect(fails({ ...base, symbol: "not a symbol!" })).toMatch(/symbol: not a US equity/);
  });

  it("accepts OCC options and crypto pairs under crypto's own rules", () => {
    expect(validateOrder({ ...base, symbol: "AAPL250117C00150000" }).assetClass).toBe("us_option");
    const btc = { ...base, symbol: "btc/usd", qty: "0.000123456", time_in_force: "gtc" };
    const ok = validateOrder(btc);
    expect(ok.assetClass).toBe("crypto");
    expect(ok.body.symbol).toBe("BTC/USD");
    // a crypto limit price follows the pair's increment (Alpaca's to check), not the sub-penny rule
    expect(validateOrder({ ...btc, type: "limit", limit_price: "64123.455" }).limitPrice).toBe("64123.455");
    expect(validateOrder({ ...btc, qty: undefined, notional: "25", time_in_force: "ioc" }).notional).toBe(
      "25",
    );
    expect(fails({ ...btc, time_in_force: "day" })).toMatch(
      /time_in_force: crypto orders must be gtc or ioc/,
    );
    expect(fails({ ...btc, type: "stop", stop_price: "1" })).toMatch(/type: crypto orders must be market/);
    expect(fails({ ...btc, order_class: "bracket" })).toMatch(/order_class: crypto orders must be simple/);
    expect(fails({ ...btc, extended_hours: true })).toMatch(/extended_hours: crypto trades around the clock/);
  });

  it("allows extended hours on day and gtc limit orders, as Alpaca's current spec does", () => {
    const ext = { ...base, type: "limit", limit_price: "10.50", extended_hours: true };
    expect(validateOrder({ ...ext, time_in_force: "day" }).body.extended_hours).toBe(true);
    expect(validateOrder({ ...ext, time_in_force: "gtc" }).body.extended_hours).toBe(true);
    expect(fails({ ...ext, time_in_force: "ioc" })).toMatch(/extended_hours: needs a limit order/);
  });

  it("fingerprints the order without its client_order_id", () => {
    const a = validateOrder({ ...base, client_order_id: "a" });
    const b = validateOrder({ ...base, client_order_id: "b" });
    const c = validateOrder({ ...base, qty: "2", client_order_id: "a" });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });

  it("never lets a non-positive or non-numeric quantity through (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer({ max: 0 })), (q) => {
        try {
          const v = validateOrder({ ...base, qty: q });
          return Number(v.qty) > 0 && /^\d*\.?\d+$/.test(v.qty!);
        } catch (err) {
          return isPaddockError(err, "PADDOCK_REQUEST_INVALID");
        }
      }),
    );
  });
});

describe("body parsing and replace", () => {
  it("rejects malformed bodies with 400", () => {
    expect(() => parseJsonObject(Buffer.from("{"))).toThrow(/not valid JSON/);
    expect(() => parseJsonObject(Buffer.from("[1]"))).toThrow(/must be a JSON object/);
    expect(() => parseJsonObject(undefined)).toThrow(/empty/);
  });
  it("validates replacements", () => {
    expect(validateReplace({ qty: 3, limit_price: "10.5" })).toEqual({ qty: "3", limit_price: "10.5" });
    // a body with nothing Alpaca replaces is refused; fields Alpaca ignores travel on untouched
    expect(() => validateReplace({ side: "sell" })).toThrow(/body: give at least one of qty/);
    expect(() => validateReplace({})).toThrow(/give at least one/);
    expect(decimal(".5", "x")).toBe(".5");
  });
});

describe("risk checks", () => {
  const facts = (price = 100, position = 0, equity = 10_000, daytrades = 3) => ({
    price: async () => price,
    positionQty: async () => position,
    account: async () => ({ equity, daytradeCount: daytrades }),
  });
  it("applies allow/deny lists, order value, position size and the PDT pre-check", async () => {
    const order = validateOrder({ ...base, qty: "10" });
    await expect(checkRisk(order, { pdtCheck: false, symbolDeny: ["AAPL"] }, facts())).rejects.toThrow(
      /symbolDeny/,
    );
    await expect(checkRisk(order, { pdtCheck: false, symbolAllow: ["MSFT"] }, facts())).rejects.toThrow(
      /symbolAllow/,
    );
    await expect(checkRisk(order, { pdtCheck: false, maxOrderNotional: 500 }, facts())).rejects.toThrow(
      /order value 1000 exceeds 500/,
    );
    await expect(
      checkRisk(order, { pdtCheck: false, maxOrderNotional: 5000 }, facts()),
    ).resolves.toBeUndefined();
    await expect(checkRisk(order, { pdtCheck: false, maxPositionQty: 15 }, facts(100, 10))).rejects.toThrow(
      /would be 20, limit 15/,
    );
    const sell = validateOrder({ ...base, side: "sell", qty: "5" });
    await expect(checkRisk(sell, { pdtCheck: true }, facts(100, 10))).rejects.toThrow(/pdtCheck/);
    await expect(checkRisk(sell, { pdtCheck: true }, facts(100, 10, 30_000))).resolves.toBeUndefined();
  });
});
