/**
 * The official SDK's stream classes against the gateway, with only the URL
 * changed and the JWT as the secret: market data in msgpack (nanosecond
 * timestamps preserved) and the trading stream.
 */
import { streaming } from "@alpacahq/alpaca-trade-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { until } from "./ws-client.js";

let fake: FakeAlpaca;
let gw: Harness;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  gw = await startHarness({ upstreamUrl: fake.url });
});
afterEach(async () => {
  await gw.close();
  await fake.close();
});

describe("official SDK streams through the gateway", () => {
  it("StockDataStream (msgpack) authenticates with the JWT, subscribes and decodes trades, quotes and bars", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const stream = new streaming.StockDataStream({
      credentials: { keyId: "bot-1", secret: token },
      url: `${gw.wsUrl}/v1/data/stream/v2/sip`,
      reconnect: false,
    });
    const trades: streaming.StreamTrade[] = [];
    const quotes: streaming.StreamQuote[] = [];
    const bars: streaming.StreamBar[] = [];
    stream.onTrade((t) => trades.push(t));
    stream.onQuote((q) => quotes.push(q));
    stream.onBar((b) => bars.push(b));
    stream.onConnect(() => {
      stream.subscribeForTrades(["AAPL"]);
      stream.subscribeForQuotes(["AAPL"]);
      stream.subscribeForBars(["MSFT"]);
    });
    stream.connect();
    try {
      expect(await stream.waitForAuthentication(5000)).toBe(true);
      await until(() => fake.dataConns("sip")[0]?.subs.bars?.has("MSFT") === true);
      fake.emit("sip", [
        {
          T: "t",
          S: "AAPL",
          i: 52983525029461,
          x: "V",
          p: 187.25,
          s: 100,
          c: ["@"],
          t: "2026-11-25T15:30:00.123456789Z",
          z: "C",
        },
        {
          T: "q",
          S: "AAPL",
          bx: "V",
          bp: 187.2,
          bs: 3,
          ax: "V",
          ap: 187.3,
          as: 2,
          c: ["R"],
          t: "2026-11-25T15:30:00.5Z",
          z: "C",
        },
        {
          T: "b",
          S: "MSFT",
          o: 410,
          h: 411,
          l: 409.5,
          c: 410.7,
          v: 12000,
          t: "2026-11-25T15:30:00Z",
          n: 80,
          vw: 410.4,
        },
        { T: "t", S: "TSLA", i: 1, x: "V", p: 1, s: 1, t: "2026-11-25T15:30:00Z", z: "C" },
      ]);
      await until(() => trades.length === 1 && quotes.length === 1 && bars.length === 1);
      expect(trades[0]).toMatchObject({ symbol: "AAPL", price: 187.25, size: 100, exchange: "V" });
      expect(trades[0]!.timestampRaw).toBe("2026-11-25T15:30:00.123456789Z");
      expect(quotes[0]).toMatchObject({ symbol: "AAPL", bidPrice: 187.2, askPrice: 187.3, askSize: 2 });
      expect(bars[0]).toMatchObject({ symbol: "MSFT", open: 410, close: 410.7, volume: 12000 });
      expect(stream.getSubscriptions()).toMatchObject({ trades: ["AAPL"], quotes: ["AAPL"], bars: ["MSFT"] });
    } finally {
      stream.disconnect();
    }
  });

  it("StockDataStream with a bad JWT gets Alpaca's terminal auth failure", async () => {
    const stream = new streaming.StockDataStream({
      credentials: { keyId: "bot-1", secret: "wrong" },
      url: `${gw.wsUrl}/v1/data/stream/v2/iex`,
      reconnect: false,
    });
    stream.connect();
    const result = await stream.waitForAuthenticationResult(5000);
    expect(result).toMatchObject({ authenticated: false, code: 402 });
    stream.disconnect();
  });

  it("TradingStream receives the account's trade updates", async () => {
    const token = gw.token({ scopes: ["read"], accounts: ["acct-2"] });
    const stream = new streaming.TradingStream({
      credentials: { keyId: "bot-1", secret: token },
      url: `${gw.wsUrl}/v1/accounts/acct-2/stream`,
      reconnect: false,
    });
    const updates: streaming.TradeUpdate[] = [];
    stream.onTradeUpdate((u) => updates.push(u));
    stream.onConnect(() => stream.subscribeTradeUpdates());
    stream.connect();
    try {
      expect(await stream.waitForAuthentication(5000)).toBe(true);
      await until(() => fake.listening("KEY-2") === 1);
      const order = {
        id: "o-1",
        client_order_id: "c-1",
        symbol: "AAPL",
        qty: "1",
        filled_qty: "1",
        status: "filled",
        side: "buy",
        type: "market",
        time_in_force: "day",
        updated_at: "2026-11-25T15:30:01.000Z",
      };
      fake.emitTrade("KEY-2", {
        event: "fill",
        order,
        price: "187.25",
        qty: "1",
        timestamp: "2026-11-25T15:30:01.000Z",
      });
      await until(() => updates.length === 1);
      expect(updates[0]).toMatchObject({ event: "fill", price: "187.25", qty: "1" });
      expect(updates[0]!.order.clientOrderId).toBe("c-1");
      // another account's token is refused for this account
      const other = new streaming.TradingStream({
        credentials: { keyId: "x", secret: gw.token({ scopes: ["read"], accounts: ["acct-1"] }) },
        url: `${gw.wsUrl}/v1/accounts/acct-2/stream`,
        reconnect: false,
      });
      other.connect();
      expect(await other.waitForAuthentication(5000)).toBe(false);
      other.disconnect();
    } finally {
      stream.disconnect();
    }
  });
});
