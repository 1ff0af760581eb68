/**
 * Conformance: the official SDK's clients for the simulator's newer surfaces — crypto market data,
 * news, screener, auctions, meta, corporate actions (data and trading hosts) and crypto trading —
 * parse what the simulator answers into their typed models.
 */
import { marketData, OrdersApi, trading } from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../src/sim/index.js";

const AT = Date.parse("2025-03-08T15:00:00Z"); // Saturday: stocks closed, crypto trading
let sim: SimHandle;
let md: marketData.Configuration;
let tr: trading.Configuration;

beforeAll(async () => {
  sim = await startSim({ seed: 5, rateLimitPerMinute: 0 });
  sim.clock.setAt(AT);
  md = new marketData.Configuration({ basePath: sim.url, keyId: "SDKX", secret: "SECRET" });
  tr = new trading.Configuration({ basePath: sim.url, keyId: "SDKX", secret: "SECRET" });
});
afterAll(async () => {
  await sim.close();
});

describe("official SDK: newer market-data surfaces", () => {
  it("reads crypto bars, latest trades and order books", async () => {
    const crypto = new marketData.CryptoApi(md);
    const bars = await crypto.cryptoBars({
      loc: "us",
      symbols: "BTC/USD,ETH/USD",
      timeframe: "1Hour",
      limit: 10,
    });
    expect(Date.parse(String(bars.bars["BTC/USD"]?.[0]?.t))).toBe(Date.parse("2025-03-08T00:00:00Z"));
    const trades = await crypto.cryptoLatestTrades({ loc: "us", symbols: "BTC/USD" });
    expect(trades.trades["BTC/USD"]?.p).toBeGreaterThan(0);
    const books = await crypto.cryptoLatestOrderbooks({ loc: "us", symbols: "BTC/USD" });
    expect(books.orderbooks["BTC/USD"]?.b).toHaveLength(10);
    const snaps = await crypto.cryptoSnapshots({ loc: "us", symbols: "ETH/USD" });
    expect(snaps.snapshots["ETH/USD"]?.latestQuote?.ap).toBeGreaterThan(0);
  });

  it("reads news, the screener, auctions, meta and corporate actions", async () => {
    const news = await new marketData.NewsApi(md).news({ symbols: "AAPL", limit: 3 });
    expect(news.news.length).toBeGreaterThan(0);
    expect(news.news[0]?.createdAt).toBeInstanceOf(Date);
    const screener = new marketData.ScreenerApi(md);
    expect((await screener.mostActives({ top: 3 })).mostActives).toHaveLength(3);
    const movers = await screener.movers({ marketType: "crypto", top: 2 });
    expect(movers.gainers.length + movers.losers.length).toBeGreaterThan(0);
    const stocks = new marketData.StockApi(md);
    const auctions = await stocks.stockAuctionSingle({
      symbol: "MSFT",
      start: new Date("2025-03-03T00:00:00Z"),
      end: new Date("2025-03-06T00:00:00Z"),
    });
    expect(auctions.auctions.map((a) => a.d)).toHaveLength(3);
    expect((await stocks.stockMetaExchanges()).N).toBe("New York Stock Exchange");
    const ca = await new marketData.CorporateActionsApi(md).corporateActions({
      symbols: "AAPL,MSFT,JPM,KO,PG,XOM,CVX,PEP",
      start: new Date("2025-01-01T00:00:00Z"),
      end: new Date("2025-12-31T00:00:00Z"),
    });
    expect(ca.corporateActions.cashDividends?.length).toBeGreaterThan(0);
  });
});

describe("official SDK: crypto trading and announcements", () => {
  it("lists crypto assets, buys BTC/USD on a Saturday and reads the position", async () => {
    const assets = await new trading.AssetsApi(tr).getV2Assets({ assetClass: "crypto" });
    expect(assets.some((a) => a.symbol === "BTC/USD")).toBe(true);
    const order = await new OrdersApi(tr).postOrder({
      postOrderRequest: { symbol: "BTC/USD", qty: "0.001", side: "buy", type: "market", timeInForce: "gtc" },
    });
    expect(order.status).toBe("filled");
    const pos = await new trading.PositionsApi(tr).getOpenPosition({ symbolOrAssetId: "BTC/USD" });
    expect(pos.symbol).toBe("BTCUSD");
    const ann = await new trading.CorporateActionsApi(tr).getV2CorporateActionsAnnouncements({
      caTypes: "dividend",
      since: "2025-01-01",
      until: "2025-03-31",
    });
    expect(ann.length).toBeGreaterThan(0);
  });
});
