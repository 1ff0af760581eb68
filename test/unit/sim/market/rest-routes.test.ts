import { describe, expect, it } from "vitest";
import type { SimClock } from "../../../../src/sim/contract.js";
import { createPriceEngine, registerMarketDataRoutes } from "../../../../src/sim/market/index.js";
import { createTestRouter } from "./harness.js";

const NOW = Date.parse("2025-03-04T16:00:00Z"); // Tuesday, 11:00 New York
const clock: SimClock = { now: () => NOW, isOpen: () => true };
const prices = createPriceEngine({ seed: 3, clock });
const router = createTestRouter();
registerMarketDataRoutes(router, {
  prices,
  clock,
  assets: [{ symbol: "AAPL" }, { symbol: "MSFT" }, { symbol: "SPY" }],
});

type Body = Record<string, unknown>;
const body = async (path: string): Promise<{ status: number; body: Body }> => {
  const r = await router.call(path);
  return { status: r.status, body: r.body as Body };
};

describe("market-data REST: parameter validation names the parameter", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["/v2/stocks/bars?symbols=AAPL&timeframe=7Minutes", 400, /timeframe/],
    ["/v2/stocks/bars?symbols=AAPL&timeframe=60Min", 400, /timeframe/],
    ["/v2/stocks/bars?symbols=AAPL&timeframe=2Day", 400, /timeframe/],
    ["/v2/stocks/bars?symbols=AAPL", 400, /timeframe/],
    ["/v2/stocks/bars?symbols=AAPL&timeframe=1Min&start=yesterday", 400, /start/],
    ["/v2/stocks/bars?symbols=AAPL&timeframe=1Min&end=2025-13-01T00:00:00Z", 400, /end/],
    ["/v2/stocks/trades?symbols=AAPL&limit=0", 400, /limit/],
    ["/v2/stocks/trades?symbols=AAPL&limit=10001", 400, /limit/],
    ["/v2/stocks/trades?symbols=AAPL&limit=ten", 400, /limit/],
    ["/v2/stocks/quotes?symbols=AAPL&sort=up", 400, /sort/],
    ["/v2/stocks/quotes?symbols=AAPL&feed=nasdaq", 400, /feed/],
    ["/v2/stocks/quotes?symbols=AAPL&adjustment=weird", 400, /adjustment/],
    ["/v2/stocks/trades", 400, /symbols/],
    ["/v2/stocks/trades?symbols=aapl", 400, /symbols/],
    ["/v2/stocks/AAPL/trades?page_token=%%%", 400, /page_token/],
    ["/v2/stocks/AAPL/trades?start=2025-03-04T15:00:00Z&end=2025-03-04T14:00:00Z", 422, /end/],
    ["/v2/stocks/NOPE/trades/latest", 404, /NOPE/],
    ["/v2/stocks/NOPE/snapshot", 404, /NOPE/],
    ["/v1beta1/options/trades/latest?symbols=AAPL", 400, /symbols/],
  ];
  for (const [path, status, re] of cases) {
    it(`${path} → ${status}`, async () => {
      const r = await body(path);
      expect(r.status).toBe(status);
      expect(typeof r.body.code).toBe("number");
      expect(String(r.body.message)).toMatch(re);
    });
  }

  it("accepts every Alpaca timeframe spelling", async () => {
    for (const tf of [
      "1Min",
      "59Min",
      "5T",
      "1Hour",
      "23Hour",
      "2H",
      "1Day",
      "1D",
      "1Week",
      "1W",
      "1Month",
      "3M",
      "12Month",
    ]) {
      const r = await body(`/v2/stocks/AAPL/bars?timeframe=${tf}&start=2024-01-01&limit=2`);
      expect(r.status, tf).toBe(200);
      expect(Array.isArray(r.body.bars), tf).toBe(true);
    }
  });
});

describe("market-data REST: shapes", () => {
  it("multi-symbol responses key by symbol, skip unknown symbols and count the limit across symbols", async () => {
    const r = await body("/v2/stocks/trades?symbols=MSFT,AAPL,ZZZZ&start=2025-03-04T14:30:00Z&limit=7");
    expect(r.status).toBe(200);
    const trades = r.body.trades as Record<string, unknown[]>;
    expect(Object.keys(trades)).toEqual(["AAPL"]);
    expect(trades.AAPL).toHaveLength(7);
    expect(typeof r.body.next_page_token).toBe("string");
    const t = trades.AAPL?.[0] as Record<string, unknown>;
    expect(Object.keys(t).sort()).toEqual(["c", "i", "p", "s", "t", "x", "z"]);
    expect(String(t.t)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it("single-symbol responses carry symbol and next_page_token; tokens are deterministic", async () => {
    const a = await body("/v2/stocks/AAPL/quotes?start=2025-03-04T14:30:00Z&limit=3");
    const b = await body("/v2/stocks/AAPL/quotes?start=2025-03-04T14:30:00Z&limit=3");
    expect(a.body.symbol).toBe("AAPL");
    expect(a.body).toEqual(b.body);
    const q = (a.body.quotes as Array<Record<string, unknown>>)[0] ?? {};
    expect(Object.keys(q).sort()).toEqual(["ap", "as", "ax", "bp", "bs", "bx", "c", "t", "z"]);
    expect(Number(q.ap)).toBeGreaterThan(Number(q.bp));
    const next = await body(
      `/v2/stocks/AAPL/quotes?start=2025-03-04T14:30:00Z&limit=3&page_token=${a.body.next_page_token}`,
    );
    const firstNext = (next.body.quotes as Array<{ t: string }>)[0];
    expect(firstNext && firstNext.t > String(q.t)).toBe(true);
  });

  it("latest endpoints and snapshots agree with each other and with the price engine", async () => {
    const snap = await body("/v2/stocks/AAPL/snapshot");
    const trade = await body("/v2/stocks/AAPL/trades/latest");
    const multi = await body("/v2/stocks/snapshots?symbols=AAPL,SPY");
    expect(snap.status).toBe(200);
    expect(snap.body.latestTrade).toEqual((trade.body as { trade: unknown }).trade);
    expect((multi.body as Record<string, Body>).AAPL?.latestTrade).toEqual(snap.body.latestTrade);
    const lt = snap.body.latestTrade as { t: string; p: number };
    expect(lt.p).toBe(prices.priceAt("AAPL", Date.parse(lt.t)));
    const daily = snap.body.dailyBar as { h: number; l: number; c: number };
    expect(daily.h).toBeGreaterThanOrEqual(lt.p);
    expect(daily.l).toBeLessThanOrEqual(lt.p);
    expect(daily.c).toBe(lt.p);
    expect(snap.body.prevDailyBar).toMatchObject({ t: "2025-03-03T05:00:00Z" });
    const latestBars = await body("/v2/stocks/bars/latest?symbols=AAPL,MSFT");
    expect(Object.keys(latestBars.body.bars as Body).sort()).toEqual(["AAPL", "MSFT"]);
  });

  it("while the market is closed, latest trades are the last after-hours print and bars the previous session's close; FAKEPACA trades around the clock", async () => {
    const saturday = Date.parse("2025-03-08T17:00:00Z");
    const closed: SimClock = { now: () => saturday, isOpen: () => false };
    const r2 = createTestRouter();
    registerMarketDataRoutes(r2, {
      prices: createPriceEngine({ seed: 3, clock: closed }),
      clock: closed,
      assets: [],
    });
    const latest = (await r2.call("/v2/stocks/AAPL/trades/latest")).body as {
      trade: { t: string; p: number };
    };
    const fridayClose = Date.parse("2025-03-07T21:00:00Z");
    const fridayAfterHoursEnd = Date.parse("2025-03-08T01:00:00Z"); // 20:00 New York
    expect(Date.parse(latest.trade.t)).toBeLessThan(fridayAfterHoursEnd);
    expect(Date.parse(latest.trade.t)).toBeGreaterThan(fridayAfterHoursEnd - 60_000);
    const snap = (await r2.call("/v2/stocks/AAPL/snapshot")).body as {
      latestTrade: { t: string };
      dailyBar: { t: string; c: number };
      prevDailyBar: { t: string };
    };
    expect(snap.latestTrade.t).toBe(latest.trade.t);
    expect(snap.dailyBar.t).toBe("2025-03-07T05:00:00Z");
    const lastRegular = (
      await r2.call("/v2/stocks/AAPL/trades?start=2025-03-07T20:59:00Z&end=2025-03-07T20:59:59.999Z")
    ).body as { trades: Array<{ t: string; p: number }> };
    const closePrint = lastRegular.trades.at(-1);
    expect(Date.parse(closePrint?.t ?? "")).toBeLessThan(fridayClose);
    expect(snap.dailyBar.c).toBe(closePrint?.p);
    expect(snap.prevDailyBar.t).toBe("2025-03-06T05:00:00Z");
    const fake = (await r2.call("/v2/stocks/FAKEPACA/trades?start=2025-03-08T12:00:00Z&limit=5")).body as {
      trades: unknown[];
    };
    expect(fake.trades).toHaveLength(5);
    const night = (await r2.call("/v2/stocks/AAPL/trades?start=2025-03-08T01:00:00Z")).body as {
      trades: unknown[];
    };
    expect(night.trades).toEqual([]);
  });

  it("shows pre-market prints live, and freezes them when the clock is forced closed", async () => {
    const preMarket = Date.parse("2025-03-04T13:00:00Z"); // 08:00 New York
    const live: SimClock = { now: () => preMarket, isOpen: () => false, isExtendedOpen: () => true };
    const shut: SimClock = { now: () => preMarket, isOpen: () => false, isExtendedOpen: () => false };
    const latestAt = async (clock: SimClock): Promise<number> => {
      const r = createTestRouter();
      registerMarketDataRoutes(r, { prices: createPriceEngine({ seed: 3, clock }), clock, assets: [] });
      const body = (await r.call("/v2/stocks/AAPL/trades/latest")).body as { trade: { t: string } };
      return Date.parse(body.trade.t);
    };
    expect(await latestAt(live)).toBeGreaterThan(preMarket - 60_000);
    const frozen = await latestAt(shut);
    expect(frozen).toBeLessThan(Date.parse("2025-03-04T01:00:00Z")); // Monday 20:00 New York
    expect(frozen).toBeGreaterThan(Date.parse("2025-03-04T00:59:00Z"));
  });

  it("a price set through setPrice shows in the latest trade", async () => {
    const engine = createPriceEngine({ seed: 3, clock });
    const r2 = createTestRouter();
    registerMarketDataRoutes(r2, { prices: engine, clock, assets: [] });
    engine.setPrice("AAPL", 187.2, NOW - 120_000);
    const r = await r2.call("/v2/stocks/AAPL/trades/latest");
    const p = (r.body as { trade: { p: number } }).trade.p;
    expect(Math.abs(p - 187.2)).toBeLessThan(187.2 * 0.01);
  });

  it("options: OCC symbols priced off the underlying; chain snapshots with greeks", async () => {
    const chain = await body("/v1beta1/options/snapshots/AAPL?limit=5&type=call");
    expect(chain.status).toBe(200);
    const snaps = chain.body.snapshots as Record<
      string,
      { latestTrade: { p: number }; greeks: { delta: number } }
    >;
    const symbols = Object.keys(snaps);
    expect(symbols).toHaveLength(5);
    for (const s of symbols) {
      expect(s).toMatch(/^AAPL\d{6}C\d{8}$/);
      const strike = Number(s.slice(-8)) / 1000;
      const spot = prices.priceAt("AAPL", NOW);
      const snap = snaps[s];
      if (!snap) throw new Error(s);
      // a call is worth at least (roughly) its intrinsic value
      expect(snap.latestTrade.p).toBeGreaterThanOrEqual(Math.max(0, spot - strike) * 0.95);
      expect(snap.greeks.delta).toBeGreaterThan(0);
      expect(snap.greeks.delta).toBeLessThanOrEqual(1);
    }
    const occ = symbols[0] ?? "";
    const latest = await body(`/v1beta1/options/trades/latest?symbols=${occ}`);
    expect((latest.body.trades as Record<string, unknown>)[occ]).toBeDefined();
    const bars = await body(`/v1beta1/options/bars?symbols=${occ}&timeframe=1Hour`);
    expect(((bars.body.bars as Record<string, unknown[]>)[occ] ?? []).length).toBeGreaterThan(0);
  });
});
