/** Issue #11: the data families beyond stocks and options, classified and validated like Alpaca. */
import { describe, expect, it } from "vitest";
import { classifyEndpoint } from "../../../src/marketdata/endpoints.js";
import { validateQuery } from "../../../src/marketdata/query.js";

const limits = { maxSymbols: 100, maxHistoryDays: 366 };
const NOW = Date.parse("2024-06-03T15:00:00Z");

describe("market-data families", () => {
  it.each([
    ["/v1beta3/crypto/us/latest/trades", "crypto.trades.latest.multi", "trades"],
    ["/v1beta3/crypto/eu-1/latest/orderbooks", "crypto.orderbooks.latest.multi", "orderbooks"],
    ["/v1beta3/crypto/us/snapshots", "crypto.snapshots.multi", "snapshots"],
    ["/v1beta3/crypto/us/bars", "crypto.bars.multi", undefined],
    ["/v1beta1/crypto-perps/global/latest/pricing", "crypto-perps.pricing.latest.multi", "pricing"],
    ["/v1beta1/news", "news", undefined],
    ["/v1beta1/screener/stocks/most-actives", "screener.most-actives", undefined],
    ["/v1beta1/screener/crypto/movers", "screener.crypto.movers", undefined],
    ["/v1/corporate-actions", "corporate-actions", undefined],
    ["/v2/stocks/auctions", "stocks.auctions.multi", undefined],
    ["/v2/stocks/AAPL/auctions", "stocks.auctions.single", undefined],
    ["/v2/stocks/meta/conditions/quote", "stocks.meta.conditions.quote", undefined],
    ["/v1beta1/options/meta/exchanges", "options.meta.exchanges", undefined],
    ["/v1beta1/forex/rates", "forex.rates", undefined],
    ["/v1beta1/indices/values", "indices.values", undefined],
    ["/v1beta1/fixed_income/latest/quotes", "fixed-income.quotes.latest", undefined],
  ])("%s → %s", (path, name, mapField) => {
    const e = classifyEndpoint(path);
    expect(e?.name).toBe(name);
    expect(e?.split?.mapField).toBe(mapField);
  });

  it("knows nothing else", () => {
    for (const p of [
      "/v1beta3/crypto/mars/latest/trades",
      "/v1beta3/crypto/us/latest/snapshots",
      "/v1beta1/crypto-perps/us/latest/trades",
      "/v1beta1/screener/options/movers",
      "/v1/corporate-actions/extra",
      "/v2/stocks/meta/conditions/bar",
      "/v1beta1/logos/AAPL",
      "/v1beta2/news",
    ]) {
      expect(classifyEndpoint(p), p).toBeUndefined();
    }
  });

  it("validates crypto symbols, optional symbols and per-endpoint limits", () => {
    const q = (path: string, query: string) => validateQuery(classifyEndpoint(path)!, query, limits, NOW);
    expect(q("/v1beta3/crypto/us/latest/trades", "symbols=BTC%2FUSD,ETH/USD").symbols).toEqual([
      "BTC/USD",
      "ETH/USD",
    ]);
    expect(q("/v1beta1/news", "").symbols).toEqual([]);
    expect(q("/v1beta1/news", "symbols=AAPL,BTCUSD&limit=50").symbols).toEqual(["AAPL", "BTCUSD"]);
    expect(() => q("/v1beta1/news", "limit=51")).toThrow(/limit: must be an integer from 1 to 50/);
    expect(() => q("/v1beta1/forex/rates", "currency_pairs=EURUSD&timeframe=1Hour")).toThrow(
      /timeframe: must be one of 5Sec/,
    );
    expect(q("/v1beta1/forex/rates", "currency_pairs=EURUSD,USDJPY&timeframe=5S").symbols).toEqual([]);
    // news and corporate actions are not limited to maxHistoryDays (they are cheap pages)
    expect(() => q("/v1/corporate-actions", "start=2020-01-01&end=2024-01-01")).not.toThrow();
    expect(() => q("/v2/stocks/auctions", "symbols=AAPL&start=2020-01-01&end=2024-01-01")).toThrow(
      /at most 366 days/,
    );
  });
});
