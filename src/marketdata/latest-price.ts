/**
 * The latest trade price of a symbol through the market-data cache, for the risk checks: many
 * orders in one symbol cost one upstream call per cache lifetime, not one each. Stocks ask
 * `/v2/stocks/{symbol}/trades/latest`; crypto pairs (`BTC/USD`) Alpaca's US crypto feed.
 */
import type { MarketDataService } from "./market-data-service.js";

const priceOf = (trade: { p?: unknown } | undefined): number | undefined => {
  const p = trade?.p;
  return typeof p === "number" && Number.isFinite(p) ? p : undefined;
};

export async function latestPrice(service: MarketDataService, symbol: string): Promise<number | undefined> {
  const crypto = symbol.includes("/");
  const answer = await service.handle(
    crypto
      ? { path: "/v1beta3/crypto/us/latest/trades", query: `symbols=${encodeURIComponent(symbol)}` }
      : { path: `/v2/stocks/${encodeURIComponent(symbol)}/trades/latest`, query: "" },
  );
  if (answer.status >= 400) return undefined;
  try {
    const body = JSON.parse(answer.body.toString("utf8")) as {
      trade?: { p?: unknown };
      trades?: Record<string, { p?: unknown }>;
    };
    return priceOf(crypto ? body.trades?.[symbol] : body.trade);
  } catch {
    return undefined;
  }
}
