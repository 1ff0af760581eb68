/**
 * Alpaca's order rules as the simulator enforces them over HTTP: sub-penny prices, quantities
 * that round to zero, extended hours with gtc, malformed order ids, option exercise answers, and
 * extended-hours fills at prices the data API's tape shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, simControl, simFetch, startTestSim } from "../../helpers/start-sim.js";

let sim: SimHandle;
let n = 0;
const key = (): string => `RULES${++n}`;
const order = (k: string, body: Record<string, unknown>) =>
  simFetch(sim, "POST", "/v2/orders", { key: k, body: { side: "buy", time_in_force: "day", ...body } });

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim.close();
});

describe("order rules", () => {
  it.each([
    [{ symbol: "AAPL", qty: 1, type: "limit", limit_price: "100.123" }, "limit_price"],
    [{ symbol: "AAPL", qty: 1, type: "stop", stop_price: 100.001 }, "stop_price"],
    [{ symbol: "AAPL", qty: 1, type: "limit", limit_price: "0.12345" }, "limit_price"],
    [
      {
        symbol: "AAPL",
        qty: 1,
        type: "market",
        order_class: "bracket",
        take_profit: { limit_price: "300.005" },
        stop_loss: { stop_price: 100 },
      },
      "take_profit.limit_price",
    ],
  ])("refuses a sub-penny price %j with 422 naming %s", async (body, field) => {
    const r = await order(key(), body);
    expect(r.status).toBe(422);
    const msg = (r.body as { message: string }).message;
    expect(msg).toContain("sub-penny increment does not fulfill minimum pricing criteria");
    expect(msg).toContain(field);
  });

  it("accepts two decimals at or above $1 and four below", async () => {
    await simControl(sim, "POST", "clock", { open: false });
    try {
      const k = key();
      expect((await order(k, { symbol: "AAPL", qty: 1, type: "limit", limit_price: "100.12" })).status).toBe(
        200,
      );
      expect((await order(k, { symbol: "AAPL", qty: 1, type: "limit", limit_price: 0.1234 })).status).toBe(
        200,
      );
    } finally {
      await simControl(sim, "POST", "clock", { open: null });
    }
  });

  it("refuses a quantity that rounds to zero with 422, placing nothing", async () => {
    const k = key();
    const r = await order(k, { symbol: "AAPL", qty: "0.0000000001", type: "market" });
    expect(r.status).toBe(422);
    expect((r.body as { message: string }).message).toContain("qty");
    const list = await simFetch(sim, "GET", "/v2/orders?status=all", { key: k });
    expect(list.body).toEqual([]);
  });

  it("allows extended_hours on gtc limit orders, still refuses it on market orders", async () => {
    const k = key();
    const ok = await order(k, {
      symbol: "AAPL",
      qty: 1,
      type: "limit",
      limit_price: 1,
      time_in_force: "gtc",
      extended_hours: true,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ time_in_force: "gtc", extended_hours: true });
    const bad = await order(k, { symbol: "AAPL", qty: 1, type: "market", extended_hours: true });
    expect(bad.status).toBe(422);
  });

  it("answers a malformed order id with 422 40010001 and an unknown well-formed one with 404", async () => {
    const k = key();
    for (const method of ["GET", "DELETE", "PATCH"] as const) {
      const r = await simFetch(sim, method, "/v2/orders/not-a-uuid", {
        key: k,
        ...(method === "PATCH" ? { body: { qty: 1 } } : {}),
      });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ code: 40010001 });
    }
    const missing = await simFetch(sim, "GET", "/v2/orders/7f3a1c2e-0b5d-4e7a-9c1f-2d3e4f5a6b7c", { key: k });
    expect(missing.status).toBe(404);
  });

  it("answers option exercise and do-not-exercise with the documented 403 and 422", async () => {
    const k = key();
    const contracts = await simFetch(sim, "GET", "/v2/options/contracts?underlying_symbols=AAPL&limit=1", {
      key: k,
    });
    const occ = (contracts.body as { option_contracts: Array<{ symbol: string }> }).option_contracts[0]
      ?.symbol;
    expect(occ).toBeDefined();
    for (const action of ["exercise", "do-not-exercise"]) {
      const held = await simFetch(sim, "POST", `/v2/positions/${occ}/${action}`, { key: k });
      expect(held.status).toBe(403);
      expect(held.body).toMatchObject({ code: 40310000 });
      const bad = await simFetch(sim, "POST", `/v2/positions/NOPE/${action}`, { key: k });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ code: 42210000, message: "invalid symbol" });
    }
  });
});

describe("extended hours", () => {
  it("fills an after-hours limit order only at a price the data API's trades show", async () => {
    const own = await startTestSim();
    try {
      // Tuesday 2025-03-04 17:30 New York: after-hours, regular session closed
      await simControl(own, "POST", "clock", { at: "2025-03-04T22:30:00Z" });
      const k = "EXT";
      const latest = await simFetch(own, "GET", "/v2/stocks/AAPL/trades/latest", { key: k });
      const trade = (latest.body as { trade: { t: string; p: number } }).trade;
      // the data API shows after-hours prints, not the regular close
      expect(Date.parse(trade.t)).toBeGreaterThan(Date.parse("2025-03-04T21:00:00Z"));
      const r = await simFetch(own, "POST", "/v2/orders", {
        key: k,
        body: {
          symbol: "AAPL",
          qty: 1,
          side: "buy",
          type: "limit",
          limit_price: (trade.p * 1.05).toFixed(2),
          time_in_force: "day",
          extended_hours: true,
        },
      });
      expect(r.status).toBe(200);
      const o = r.body as { status: string; filled_avg_price: string };
      expect(o.status).toBe("filled");
      const history = await simFetch(
        own,
        "GET",
        `/v2/stocks/AAPL/trades?start=${new Date(Date.parse(trade.t) - 1).toISOString()}&limit=100`,
        { key: k },
      );
      const prints = (history.body as { trades: Array<{ p: number }> }).trades.map((t) => t.p);
      expect(prints).toContain(Number(o.filled_avg_price));
    } finally {
      await own.close();
    }
  });
});

describe("schemas", () => {
  it("gives every order an expires_at string: gtc orders 90 days out, ioc at once", async () => {
    const k = key();
    const gtc = await order(k, {
      symbol: "MSFT",
      qty: 1,
      type: "limit",
      limit_price: 1,
      time_in_force: "gtc",
    });
    const g = gtc.body as { submitted_at: string; expires_at: string };
    const days = (Date.parse(g.expires_at) - Date.parse(g.submitted_at)) / 86_400_000;
    expect(days).toBeGreaterThan(85);
    expect(days).toBeLessThanOrEqual(91);
    const ioc = await order(k, {
      symbol: "MSFT",
      qty: 1,
      type: "limit",
      limit_price: 1,
      time_in_force: "ioc",
    });
    expect(typeof (ioc.body as { expires_at: unknown }).expires_at).toBe("string");
  });

  it("lists assets with order-size, increment and borrow fields and exchanges from the spec's enum", async () => {
    const r = await simFetch(sim, "GET", "/v2/assets", { key: key() });
    const assets = r.body as Array<Record<string, unknown>>;
    const exchanges = new Set(assets.map((a) => a.exchange));
    for (const x of exchanges)
      expect(["AMEX", "ARCA", "BATS", "NYSE", "NASDAQ", "NYSEARCA", "OTC"]).toContain(x);
    const aapl = assets.find((a) => a.symbol === "AAPL");
    expect(aapl).toMatchObject({
      min_order_size: "0.000000001",
      min_trade_increment: "0.000000001",
      price_increment: "0.01",
      borrow_status: "easy_to_borrow",
    });
  });
});
