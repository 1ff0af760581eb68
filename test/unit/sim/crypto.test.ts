/**
 * Crypto in the simulator over HTTP: pairs in `/v2/assets`, `BTC/USD` orders (percent-encoded
 * in paths) with crypto's order types, time in force and increments, trading around the clock,
 * and the `/v1beta3/crypto/{loc}` market data from the same tape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, simControl, simFetch, startTestSim } from "../../helpers/start-sim.js";

let sim: SimHandle;
let n = 0;
const key = (): string => `CRYPTO${++n}`;
const order = (k: string, body: Record<string, unknown>) =>
  simFetch(sim, "POST", "/v2/orders", {
    key: k,
    body: { symbol: "BTC/USD", side: "buy", type: "market", time_in_force: "gtc", ...body },
  });

beforeAll(async () => {
  sim = await startTestSim();
  // Saturday 2025-03-08 03:00 New York: the stock market is closed
  await simControl(sim, "POST", "clock", { at: "2025-03-08T08:00:00Z" });
});
afterAll(async () => {
  await sim.close();
});

describe("crypto trading", () => {
  it("lists pairs under asset_class=crypto and finds one by BTC%2FUSD and BTCUSD", async () => {
    const k = key();
    const list = (await simFetch(sim, "GET", "/v2/assets?asset_class=crypto", { key: k })).body as Array<
      Record<string, unknown>
    >;
    expect(list.length).toBeGreaterThan(5);
    expect(list.every((a) => a.class === "crypto" && a.fractionable === true)).toBe(true);
    const one = await simFetch(sim, "GET", "/v2/assets/BTC%2FUSD", { key: k });
    expect(one.body).toMatchObject({ symbol: "BTC/USD", min_order_size: "0.0001", price_increment: "1" });
    expect((await simFetch(sim, "GET", "/v2/assets/BTCUSD", { key: k })).body).toEqual(one.body);
  });

  it("fills a market order on a Saturday while a stock order waits for the open", async () => {
    const k = key();
    const btc = await order(k, { qty: "0.01" });
    expect(btc.status).toBe(200);
    expect(btc.body).toMatchObject({
      symbol: "BTC/USD",
      asset_class: "crypto",
      status: "filled",
      qty: "0.01",
    });
    const stock = await simFetch(sim, "POST", "/v2/orders", {
      key: k,
      body: { symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" },
    });
    expect(stock.body).toMatchObject({ status: "accepted" });
    const pos = await simFetch(sim, "GET", "/v2/positions/BTC%2FUSD", { key: k });
    expect(pos.body).toMatchObject({ symbol: "BTCUSD", asset_class: "crypto", qty: "0.01" });
    const closed = await simFetch(sim, "DELETE", "/v2/positions/BTCUSD", { key: k });
    expect(closed.body).toMatchObject({ symbol: "BTC/USD", side: "sell", status: "filled" });
    expect((await simFetch(sim, "GET", "/v2/positions", { key: k })).body).toEqual([]);
  });

  it("takes notional and accepts ETHUSD for ETH/USD", async () => {
    const r = await order(key(), { symbol: "ETHUSD", notional: "100", time_in_force: "ioc" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ symbol: "ETH/USD", notional: "100", status: "filled" });
  });

  it.each([
    [{ time_in_force: "day", qty: "0.01" }, 422, "time_in_force"],
    [{ type: "stop", stop_price: "70000", qty: "0.01" }, 422, "type"],
    [{ type: "limit", limit_price: "1", qty: "0.01", extended_hours: true }, 422, "extended_hours"],
    [{ qty: "0.00001" }, 422, "min_order_size"],
    [{ qty: "0.00015" }, 422, "min_trade_increment"],
    [{ type: "limit", limit_price: "60000.5", qty: "0.01" }, 422, "price_increment"],
    [{ side: "sell", qty: "0.01" }, 403, "insufficient balance"],
    [{ qty: "1000" }, 403, "buying power"],
  ])("refuses %j with %i naming %s", async (body, status, text) => {
    const r = await order(key(), body);
    expect(r.status).toBe(status);
    expect((r.body as { message: string }).message).toContain(text);
  });
});

describe("crypto market data", () => {
  it("serves bars, trades and quotes around the clock from one tape", async () => {
    const k = key();
    const trades = await simFetch(
      sim,
      "GET",
      "/v1beta3/crypto/us/trades?symbols=BTC/USD&start=2025-03-08T07:00:00Z&limit=100",
      {
        key: k,
      },
    );
    const list = (trades.body as { trades: Record<string, Array<{ p: number; s: number; tks: string }>> })
      .trades["BTC/USD"];
    expect(list?.length).toBe(100);
    expect(list?.every((t) => t.s > 0 && t.s < 1 && (t.tks === "B" || t.tks === "S"))).toBe(true);
    const latest = await simFetch(sim, "GET", "/v1beta3/crypto/us/latest/trades?symbols=BTC%2FUSD", {
      key: k,
    });
    const last = (latest.body as { trades: Record<string, { t: string; p: number }> }).trades["BTC/USD"];
    expect(Date.parse(last?.t ?? "")).toBeGreaterThan(Date.parse("2025-03-08T07:59:00Z"));
    const bars = await simFetch(
      sim,
      "GET",
      "/v1beta3/crypto/us/bars?symbols=BTC/USD&timeframe=1Hour&start=2025-03-08T00:00:00Z",
      {
        key: k,
      },
    );
    const hourly = (bars.body as { bars: Record<string, Array<{ t: string }>> }).bars["BTC/USD"];
    expect(hourly?.map((b) => b.t).slice(0, 3)).toEqual([
      "2025-03-08T00:00:00Z",
      "2025-03-08T01:00:00Z",
      "2025-03-08T02:00:00Z",
    ]);
  });

  it("serves crypto data without credentials, as Alpaca does, but not stock data", async () => {
    const open = await simFetch(sim, "GET", "/v1beta3/crypto/us/latest/quotes?symbols=BTC/USD");
    expect(open.status).toBe(200);
    expect(sim.stats().requests.byKey.anonymous).toBeGreaterThan(0);
    expect((await simFetch(sim, "GET", "/v2/stocks/AAPL/trades/latest")).status).toBe(401);
  });

  it("serves an order book around the latest quote and refuses an unknown location", async () => {
    const k = key();
    const r = await simFetch(sim, "GET", "/v1beta3/crypto/us/latest/orderbooks?symbols=BTC/USD", { key: k });
    const book = (
      r.body as { orderbooks: Record<string, { b: Array<{ p: number }>; a: Array<{ p: number }> }> }
    ).orderbooks["BTC/USD"];
    expect(book?.b).toHaveLength(10);
    expect((book?.b[0]?.p ?? 0) < (book?.a[0]?.p ?? 0)).toBe(true);
    const bad = await simFetch(sim, "GET", "/v1beta3/crypto/mars/latest/trades?symbols=BTC/USD", { key: k });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain("loc");
  });
});
