/**
 * The latest trade price of a stock through the market-data cache, for the risk checks:
 * many orders in one symbol cost one upstream call per cache lifetime, not one each.
 */
import type { MarketDataService } from "./market-data-service.js";

export async function latestPrice(service: MarketDataService, symbol: string): Promise<number | undefined> {
  const answer = await service.handle({
    path: `/v2/stocks/${encodeURIComponent(symbol)}/trades/latest`,
    query: "",
  });
  if (answer.status === 404) return undefined;
  if (answer.status >= 400) return undefined;
  try {
    const body = JSON.parse(answer.body.toString("utf8")) as { trade?: { p?: unknown } };
    const p = body.trade?.p;
    return typeof p === "number" && Number.isFinite(p) ? p : undefined;
  } catch {
    return undefined;
  }
}
