/** Issue #11: orders Alpaca refuses are refused the same way; bodies Alpaca accepts pass. */
import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { validateOrder, validateReplace } from "../../../src/trading/order-validation.js";

const base = { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day", qty: "1" };
const limit = { ...base, type: "limit", limit_price: "10" };

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (!isPaddockError(err, "PADDOCK_REQUEST_INVALID")) throw err;
    expect(err.status).toBe(422);
    return err.message;
  }
  throw new Error("accepted");
};
const fails = (body: Record<string, unknown>) => refusal(() => validateOrder(body));

describe("Alpaca's minimum pricing rule", () => {
  it("allows 2 decimals at or above $1.00 and 4 below, as strings or numbers", () => {
    for (const p of ["187.34", 187.34, "1.00", "1", "0.9999", 0.0001, "187.300", "12.5"]) {
      expect(validateOrder({ ...limit, limit_price: p }).limitPrice, String(p)).toBeDefined();
    }
  });

  it("refuses sub-penny prices, naming the field", () => {
    expect(fails({ ...limit, limit_price: "187.345" })).toMatch(
      /limit_price: sub-penny increment does not fulfill minimum pricing criteria/,
    );
    expect(fails({ ...limit, limit_price: 1.001 })).toMatch(/limit_price: sub-penny/);
    expect(fails({ ...limit, limit_price: "0.12345" })).toMatch(/limit_price: sub-penny.*below \$1.00/);
    expect(fails({ ...base, type: "stop", stop_price: "100.001" })).toMatch(/stop_price: sub-penny/);
    const bracket = {
      ...limit,
      order_class: "bracket",
      take_profit: { limit_price: "12" },
      stop_loss: { stop_price: "9" },
    };
    expect(validateOrder(bracket).body.take_profit).toEqual({ limit_price: "12" });
    expect(fails({ ...bracket, take_profit: { limit_price: "12.001" } })).toMatch(
      /take_profit.limit_price: sub-penny/,
    );
    expect(fails({ ...bracket, stop_loss: { stop_price: "9.005" } })).toMatch(
      /stop_loss.stop_price: sub-penny/,
    );
    expect(fails({ ...bracket, stop_loss: { stop_price: "9", limit_price: 8.999 } })).toMatch(
      /stop_loss.limit_price: sub-penny/,
    );
  });
});

describe("quantities and spaces", () => {
  it("accepts up to 9 decimals and refuses more, or what rounds to zero", () => {
    expect(validateOrder({ ...base, qty: "0.123456789" }).qty).toBe("0.123456789");
    expect(validateOrder({ ...base, qty: "1.5000000000" }).qty).toBe("1.5000000000");
    expect(fails({ ...base, qty: "1.1234567891" })).toMatch(/qty: at most 9 decimal places/);
    expect(fails({ ...base, qty: "0.0000000001" })).toMatch(/qty: rounds to 0/);
    expect(fails({ ...base, qty: 1e-10 })).toMatch(/qty: must be a positive decimal/);
    expect(fails({ ...base, qty: "0.000000000" })).toMatch(/qty: must be greater than 0/);
    expect(fails({ ...base, qty: undefined, notional: "10.005" })).toMatch(/notional: at most 2 decimal/);
  });

  it("refuses numbers with leading or trailing spaces", () => {
    expect(fails({ ...base, qty: " 1" })).toMatch(/qty: must not have leading or trailing spaces/);
    expect(fails({ ...base, qty: "1 " })).toMatch(/qty: must not have leading or trailing spaces/);
    expect(fails({ ...limit, limit_price: "10\t" })).toMatch(/limit_price: must not have leading/);
    expect(refusal(() => validateReplace({ limit_price: " 10" }))).toMatch(/limit_price: must not have/);
  });
});

describe("bodies Alpaca accepts", () => {
  const oco = {
    symbol: "AAPL",
    side: "sell",
    qty: 10,
    type: "limit",
    time_in_force: "gtc",
    order_class: "oco",
    take_profit: { limit_price: "301" },
    stop_loss: { stop_price: "299", limit_price: "298.5" },
  };

  it("accepts the documented OCO: type limit, limits only in take_profit and stop_loss", () => {
    const v = validateOrder(oco, () => "pdk-oco");
    expect(v.body).toMatchObject({ order_class: "oco", type: "limit", qty: "10" });
    expect(v.body.limit_price).toBeUndefined();
    expect(fails({ ...oco, stop_loss: undefined })).toMatch(/stop_loss: is required for an oco order/);
    expect(fails({ ...oco, limit_price: "300" })).toMatch(/limit_price: an oco order carries its limits/);
  });

  it("forwards fields Alpaca ignores untouched, in orders and replacements", () => {
    const v = validateOrder({ ...base, id: "x-1", note: { any: ["thing"] } });
    expect(v.body).toMatchObject({ id: "x-1", note: { any: ["thing"] } });
    const id = "0b6a8d43-9c1c-4c5e-8e63-2f6c1a9d7b10";
    expect(validateReplace({ id, qty: 2, limit_price: 10.5, status: "new" })).toEqual({
      id,
      qty: "2",
      limit_price: "10.5",
      status: "new",
    });
  });

  it("does not change the client's nested objects in place", () => {
    const tp = { limit_price: 12 };
    validateOrder({ ...limit, order_class: "bracket", take_profit: tp, stop_loss: { stop_price: 9 } });
    expect(tp).toEqual({ limit_price: 12 });
  });
});
