/**
 * The official SDK's stream classes through the real gateway (buildGateway, real JWTs,
 * real fleet and budget) in front of the simulator: market data in msgpack on the
 * `test` feed, and a trade update for an order placed through the gateway.
 */
import { streaming } from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";
import { until } from "../unit/streams/ws-client.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ accounts: 2, logLevel: "warn" });
});
afterAll(async () => {
  await gw?.close();
});

const ws = (path: string) => `${gw.url.replace(/^http/, "ws")}${path}`;

describe("SDK streams through the gateway", () => {
  it("StockDataStream (msgpack) receives FAKEPACA quotes on the test feed with the JWT as the secret", async () => {
    const token = await gw.token({ scopes: ["data"], accounts: "*" });
    const stream = new streaming.StockDataStream({
      credentials: { keyId: "bot-1", secret: token },
      url: ws("/v1/data/stream/v2/test"),
      reconnect: false,
    });
    const trades: streaming.StreamTrade[] = [];
    const quotes: streaming.StreamQuote[] = [];
    stream.onTrade((t) => trades.push(t));
    stream.onQuote((q) => quotes.push(q));
    stream.onConnect(() => {
      stream.subscribeForTrades(["FAKEPACA"]);
      stream.subscribeForQuotes(["FAKEPACA"]);
    });
    stream.connect();
    try {
      expect(await stream.waitForAuthentication(5000)).toBe(true);
      // the simulated tape quotes FAKEPACA far more often than it trades it
      await until(() => quotes.length > 0, 20_000);
      expect(quotes[0]!.symbol).toBe("FAKEPACA");
      expect(quotes[0]!.askPrice).toBeGreaterThanOrEqual(quotes[0]!.bidPrice);
      expect(quotes[0]!.timestampRaw).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      for (const t of trades) expect(t.symbol).toBe("FAKEPACA");
    } finally {
      stream.disconnect();
    }
  });

  it("TradingStream receives the fill of an order placed through the gateway", async () => {
    const account = "acct-001";
    await fetch(`${gw.sim.url}/_sim/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ open: true }),
    });
    const token = await gw.token({ scopes: ["read", "trade"], accounts: [account] });
    const stream = new streaming.TradingStream({
      credentials: { keyId: "bot-1", secret: token },
      url: ws(`/v1/accounts/${account}/stream`),
      reconnect: false,
    });
    const updates: streaming.TradeUpdate[] = [];
    let listening = false;
    stream.onTradeUpdate((u) => updates.push(u));
    stream.on("subscription", () => {
      listening = true;
    });
    stream.onConnect(() => stream.subscribeTradeUpdates());
    stream.connect();
    try {
      expect(await stream.waitForAuthentication(5000)).toBe(true);
      await until(() => listening, 5000);
      // the gateway holds the account's one upstream trading stream (it records every account's updates)
      const keyId = gw.gateway.fleet.get(account)!.credentials().keyId;
      const upstreamTrading = async (): Promise<number> => (await gw.simStats()).streams[keyId]?.trading ?? 0;
      for (let i = 0; i < 100 && (await upstreamTrading()) === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await upstreamTrading()).toBe(1);
      const res = await gw.call(`/v1/accounts/${account}/v2/orders`, {
        method: "POST",
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
      });
      expect(res.status).toBe(200);
      const id = ((await res.json()) as { id: string }).id;
      await until(() => updates.some((u) => u.event === "fill" && u.order.id === id), 10_000);
    } finally {
      stream.disconnect();
    }
  });
});
