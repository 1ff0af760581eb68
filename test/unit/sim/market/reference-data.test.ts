/**
 * Screener, auctions, meta tables and news over HTTP, each checked against the simulator's own
 * price data: what they report must agree with the bars, trades and snapshots the data API serves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, simControl, simFetch, startTestSim } from "../../../helpers/start-sim.js";

let sim: SimHandle;
const get = async <T>(path: string): Promise<T> => {
  const r = await simFetch(sim, "GET", path, { key: "REF" });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as T;
};
interface Bar {
  o: number;
  c: number;
  v: number;
}
interface Snapshot {
  latestTrade: { p: number };
  dailyBar: Bar;
  prevDailyBar: Bar;
}

beforeAll(async () => {
  sim = await startTestSim({ rateLimitPerMinute: 0 });
  // Tuesday 2025-03-04 22:00 New York... 17:00: after the close, the day's figures are final
  await simControl(sim, "POST", "clock", { at: "2025-03-04T22:00:00Z" });
});
afterAll(async () => {
  await sim.close();
});

describe("screener", () => {
  it("ranks most actives by the day's volume, matching the daily bars", async () => {
    const r = await get<{ most_actives: Array<{ symbol: string; volume: number; trade_count: number }> }>(
      "/v1beta1/screener/stocks/most-actives?top=5",
    );
    expect(r.most_actives).toHaveLength(5);
    const volumes = r.most_actives.map((m) => m.volume);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    const top = r.most_actives[0];
    const snap = await get<Snapshot>(`/v2/stocks/${top?.symbol}/snapshot`);
    expect(top?.volume).toBe(snap.dailyBar.v);
  });

  it("reports movers as the latest trade against the previous close", async () => {
    const r = await get<{
      gainers: Array<{ symbol: string; percent_change: number; change: number; price: number }>;
      losers: Array<{ percent_change: number }>;
      market_type: string;
    }>("/v1beta1/screener/stocks/movers?top=3");
    expect(r.market_type).toBe("stocks");
    expect(r.gainers.length).toBe(3);
    expect(r.losers.every((l) => l.percent_change < 0)).toBe(true);
    const g = r.gainers[0];
    const snap = await get<Snapshot>(`/v2/stocks/${g?.symbol}/snapshot`);
    expect(g?.price).toBe(snap.latestTrade.p);
    expect(g?.change).toBeCloseTo((g?.price ?? 0) - snap.prevDailyBar.c, 4);
    const crypto = await get<{ market_type: string }>("/v1beta1/screener/crypto/movers");
    expect(crypto.market_type).toBe("crypto");
    expect((await simFetch(sim, "GET", "/v1beta1/screener/bonds/movers", { key: "REF" })).status).toBe(400);
  });
});

describe("auctions", () => {
  it("opens at the daily bar's open and closes at its close", async () => {
    const r = await get<{
      auctions: Array<{
        d: string;
        o: Array<{ p: number; c: string; x: string }>;
        c: Array<{ p: number; c: string }>;
      }>;
    }>("/v2/stocks/AAPL/auctions?start=2025-03-03&end=2025-03-05");
    expect(r.auctions.map((a) => a.d)).toEqual(["2025-03-03", "2025-03-04"]);
    const bars = await get<{ bars: Bar[] }>(
      "/v2/stocks/AAPL/bars?timeframe=1Day&start=2025-03-03&end=2025-03-05",
    );
    for (const [i, a] of r.auctions.entries()) {
      expect(a.o.map((p) => p.c)).toEqual(["O", "Q"]);
      expect(a.o[0]?.p).toBe(bars.bars[i]?.o);
      expect(a.c[0]?.p).toBe(bars.bars[i]?.c);
      expect(a.o[0]?.x).toBe("Q"); // AAPL lists on NASDAQ
    }
  });
});

describe("meta", () => {
  it("lists every exchange and condition code the tape uses", async () => {
    const exchanges = await get<Record<string, string>>("/v2/stocks/meta/exchanges");
    const conditions = await get<Record<string, string>>("/v2/stocks/meta/conditions/trade?tape=C");
    const quoteConditions = await get<Record<string, string>>("/v2/stocks/meta/conditions/quote?tape=A");
    const trades = await get<{ trades: Array<{ x: string; c: string[] }> }>(
      "/v2/stocks/MSFT/trades?start=2025-03-04T15:00:00Z&limit=200",
    );
    for (const t of trades.trades) {
      expect(exchanges[t.x]).toBeDefined();
      for (const c of t.c) expect(conditions[c]).toBeDefined();
    }
    expect(quoteConditions.R).toBeDefined();
    expect((await simFetch(sim, "GET", "/v2/stocks/meta/conditions/trade", { key: "REF" })).status).toBe(400);
    const options = await get<Record<string, string>>("/v1beta1/options/meta/exchanges");
    expect(Object.keys(options).length).toBeGreaterThan(10);
  });
});

describe("news", () => {
  it("pages newest first without overlap, answers the same twice, and filters by symbol", async () => {
    type News = {
      news: Array<{ id: number; created_at: string; symbols: string[]; headline: string }>;
      next_page_token: string | null;
    };
    const first = await get<News>("/v1beta1/news?limit=5");
    expect(first.news).toHaveLength(5);
    const times = first.news.map((n) => Date.parse(n.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const second = await get<News>(`/v1beta1/news?limit=5&page_token=${first.next_page_token}`);
    expect(second.news[0]?.id).toBeLessThan(first.news[4]?.id ?? 0);
    expect(await get<News>("/v1beta1/news?limit=5")).toEqual(first);
    const aapl = await get<News>("/v1beta1/news?symbols=AAPL&limit=3");
    expect(aapl.news.length).toBeGreaterThan(0);
    for (const n of aapl.news) expect(n.symbols).toContain("AAPL");
  });
});
