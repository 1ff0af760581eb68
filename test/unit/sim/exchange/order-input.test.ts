import { describe, expect, it } from "vitest";
import { parseOrderRequest, parseReplaceRequest } from "../../../../src/sim/exchange/order-input.js";
import { SimApiError } from "../../../../src/sim/sim-error.js";

const base = { symbol: "aapl", qty: "1", side: "buy", type: "market", time_in_force: "day" };

function failure(body: unknown): SimApiError {
  try {
    parseOrderRequest(body);
  } catch (err) {
    if (err instanceof SimApiError) return err;
    throw err;
  }
  throw new Error("expected a validation error");
}

describe("parseOrderRequest", () => {
  it("accepts numbers or numeric strings and normalizes the symbol", () => {
    const a = parseOrderRequest({ ...base, qty: 2, limit_price: 10.5, type: "limit" });
    const b = parseOrderRequest({ ...base, qty: "2", limit_price: "10.50", type: "limit" });
    expect(a).toEqual(b);
    expect(a.symbol).toBe("AAPL");
    expect(a.qty).toBe(2);
    expect(a.limitPrice).toBe(10.5);
    expect(a.orderClass).toBe("simple");
  });

  it.each([
    [{ ...base, symbol: "" }, "symbol"],
    [{ ...base, qty: "0" }, "qty"],
    [{ ...base, qty: -1 }, "qty"],
    [{ ...base, qty: "abc" }, "qty"],
    [{ ...base, qty: undefined }, "qty or notional"],
    [{ ...base, notional: "5" }, "qty and notional"],
    [{ ...base, side: "hold" }, "side"],
    [{ ...base, type: "iceberg" }, "type"],
    [{ ...base, time_in_force: "weekly" }, "time_in_force"],
    [{ ...base, type: "limit" }, "limit_price"],
    [{ ...base, type: "stop" }, "stop_price"],
    [{ ...base, type: "stop_limit", limit_price: 1 }, "stop_price"],
    [{ ...base, type: "trailing_stop" }, "trail_price or trail_percent"],
    [{ ...base, type: "trailing_stop", trail_price: 1, trail_percent: 1 }, "trail_price or trail_percent"],
    [{ ...base, trail_price: 1 }, "trail_price"],
    [{ ...base, qty: "0.5", type: "stop", stop_price: 1 }, "fractional"],
    [{ ...base, qty: "0.5", time_in_force: "gtc" }, "time_in_force"],
    [{ ...base, extended_hours: true }, "extended"],
    [{ ...base, client_order_id: "x".repeat(129) }, "client_order_id"],
    [{ ...base, order_class: "bracket" }, "take_profit and stop_loss"],
    [
      { ...base, order_class: "bracket", take_profit: { limit_price: 90 }, stop_loss: { stop_price: 95 } },
      "take_profit.limit_price",
    ],
    [{ ...base, order_class: "oto" }, "exactly one"],
    [
      { ...base, order_class: "oco", take_profit: { limit_price: 1 }, stop_loss: { stop_price: 0.5 } },
      "limit",
    ],
    [{ ...base, take_profit: { limit_price: 1 } }, "order_class"],
  ])("rejects %j naming %s", (body, field) => {
    const err = failure(body);
    expect(err.status).toBe(422);
    expect(err.message).toContain(field);
  });

  it("answers 400 for a body that is not an object", () => {
    expect(failure([1]).status).toBe(400);
    expect(failure(null).status).toBe(400);
  });

  it("parses bracket legs and notional orders", () => {
    const r = parseOrderRequest({
      ...base,
      order_class: "bracket",
      take_profit: { limit_price: "120" },
      stop_loss: { stop_price: 90, limit_price: "89.5" },
    });
    expect(r.takeProfit).toEqual({ limitPrice: 120 });
    expect(r.stopLoss).toEqual({ stopPrice: 90, limitPrice: 89.5 });
    const n = parseOrderRequest({ ...base, qty: undefined, notional: "250.5" });
    expect(n.notional).toBe(250.5);
    expect(n.qty).toBeUndefined();
  });
});

describe("parseReplaceRequest", () => {
  it("needs at least one field and validates them", () => {
    expect(parseReplaceRequest({ qty: "3", limit_price: 2 })).toMatchObject({ qty: 3, limitPrice: 2 });
    expect(() => parseReplaceRequest({})).toThrow(/at least one/);
    expect(() => parseReplaceRequest({ qty: 0 })).toThrow(/qty/);
    expect(() => parseReplaceRequest({ time_in_force: "x" })).toThrow(/time_in_force/);
  });
});
