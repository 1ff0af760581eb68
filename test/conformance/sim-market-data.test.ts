/**
 * Conformance: the official SDK (@alpacahq/alpaca-trade-api) — its market-data REST client and its
 * msgpack market-data stream — against the simulator on 127.0.0.1:0 (startSim).
 */
import { marketData, streaming } from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../src/sim/index.js";

const AT = Date.parse("2025-03-04T15:59:57Z"); // Tuesday 10:59:57 New York: the session is open
let sim: SimHandle;
let api: marketData.StockApi;
let options: marketData.OptionApi;

beforeAll(async () => {
  sim = await startSim({ seed: 11, rateLimitPerMinute: 0 });
  sim.clock.setAt(AT);
  const config = new marketData.Configuration({ basePath: sim.url, keyId: "CONFKEY", secret: "CONFSECRET" });
  api = new marketData.StockApi(config);
  options = new marketData.OptionApi(config);
});
afterAll(async () => {
  await sim.close();
});

describe("official SDK: market-data REST against the simulator", () => {
  it("stockBars (multi) pages with next_page_token; the limit counts across symbols", async () => {
    const start = new Date("2025-03-03T14:30:00Z");
    const end = new Date("2025-03-03T21:00:00Z");
    const whole = await api.stockBars({ symbols: "AAPL,MSFT", timeframe: "5Min", start, end, limit: 10_000 });
    const aapl = whole.bars.AAPL ?? [];
    expect(aapl).toHaveLength(78); // 09:30–16:00 in 5-minute bars
    expect(whole.bars.MSFT).toHaveLength(78);
    expect(whole.nextPageToken).toBeNull();
    // The SDK leaves multi-symbol bars as the wire objects (its StockBarsResp maps no dates).
    const b = aapl[0] as unknown as { t: string; o: number; h: number; l: number; c: number };
    expect(b.t).toBe("2025-03-03T14:30:00Z");
    expect(b.h >= Math.max(b.o, b.c) && b.l <= Math.min(b.o, b.c)).toBe(true);

    let token: string | undefined;
    const seen: string[] = [];
    for (let pages = 0; pages < 10; pages++) {
      const page = await api.stockBars({
        symbols: "AAPL,MSFT",
        timeframe: "5Min",
        start,
        end,
        limit: 50,
        ...(token ? { pageToken: token } : {}),
      });
      const n = Object.values(page.bars).reduce((a, v) => a + (v as unknown[]).length, 0);
      expect(n).toBeLessThanOrEqual(50);
      for (const [s, list] of Object.entries(page.bars))
        for (const bar of list as unknown as Array<{ t: string }>) seen.push(`${s}${bar.t}`);
      if (!page.nextPageToken) break;
      token = page.nextPageToken;
    }
    expect(seen).toHaveLength(156);
    expect(new Set(seen).size).toBe(156);
  });

  it("single-symbol trades and quotes, latest and snapshots parse into the SDK's models", async () => {
    const trades = await api.stockTradeSingle({
      symbol: "AAPL",
      start: new Date("2025-03-04T14:30:00Z"),
      limit: 5,
    });
    expect(trades.symbol).toBe("AAPL");
    expect(trades.trades).toHaveLength(5);
    const t0 = trades.trades[0];
    expect(t0?.t).toBeInstanceOf(Date);
    expect(typeof t0?.p).toBe("number");
    expect(typeof t0?.i).toBe("number");
    expect(typeof trades.nextPageToken).toBe("string");

    const quotes = await api.stockQuoteSingle({
      symbol: "AAPL",
      start: new Date("2025-03-04T14:30:00Z"),
      limit: 3,
    });
    const q0 = quotes.quotes[0];
    expect(q0 && q0.ap > q0.bp).toBe(true);

    const latest = await api.stockLatestTradeSingle({ symbol: "AAPL" });
    expect(latest.symbol).toBe("AAPL");
    expect(latest.trade.p).toBe(sim.prices.priceAt("AAPL", latest.trade.t.getTime()));

    const latestBars = await api.stockLatestBars({ symbols: "AAPL,MSFT" });
    expect(Object.keys(latestBars.bars).sort()).toEqual(["AAPL", "MSFT"]);

    const snaps = await api.stockSnapshots({ symbols: "AAPL,MSFT,NVDA" });
    expect(Object.keys(snaps).sort()).toEqual(["AAPL", "MSFT", "NVDA"]);
    const snap = await api.stockSnapshotSingle({ symbol: "AAPL" });
    expect(snap.latestTrade?.p).toBeGreaterThan(0);
    expect(snap.dailyBar?.h).toBeGreaterThanOrEqual(snap.latestTrade?.p ?? Number.POSITIVE_INFINITY);
    expect(snap.prevDailyBar?.t.toISOString()).toBe("2025-03-03T05:00:00.000Z");
  });

  it("invalid parameters come back as the SDK's errors with the status and message", async () => {
    const err = await api.stockBars({ symbols: "AAPL", timeframe: "13Hours" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const resp = (err as { response?: Response }).response;
    expect(resp?.status).toBe(400);
    const body = (await resp?.json()) as { code: number; message: string };
    expect(body.message).toMatch(/timeframe/);
  });

  it("options: chain snapshots, latest trades and bars for OCC symbols", async () => {
    const chain = await options.optionChain({ underlyingSymbol: "AAPL", limit: 10 });
    const symbols = Object.keys(chain.snapshots);
    expect(symbols).toHaveLength(10);
    const occ = symbols[0] ?? "";
    expect(chain.snapshots[occ]?.greeks?.delta).toBeTypeOf("number");
    const latest = await options.optionLatestTrades({ symbols: occ });
    expect(latest.trades[occ]?.p).toBeGreaterThan(0);
    const bars = await options.optionBars({
      symbols: occ,
      timeframe: "1Hour",
      start: new Date("2025-03-03T14:00:00Z"),
    });
    expect((bars.bars as Record<string, unknown[]>)[occ]?.length).toBeGreaterThan(0);
  });
});

describe("official SDK: msgpack market-data stream against the simulator", () => {
  it("authenticates, subscribes and receives trades, quotes and bars matching REST", async () => {
    const symbols = [
      "AAPL",
      "MSFT",
      "NVDA",
      "AMZN",
      "GOOGL",
      "META",
      "TSLA",
      "JPM",
      "V",
      "SPY",
      "QQQ",
      "IWM",
    ];
    const stream = new streaming.StockDataStream({
      url: `${sim.wsUrl}/v2/iex`,
      credentials: { keyId: "STREAMKEY", secret: "STREAMSECRET" },
      reconnect: false,
    });
    const trades: streaming.StreamTrade[] = [];
    const quotes: streaming.StreamQuote[] = [];
    const bars: streaming.StreamBar[] = [];
    stream.onTrade((t) => trades.push(t));
    stream.onQuote((q) => quotes.push(q));
    stream.onBar((b) => bars.push(b));
    const subscribed = new Promise<unknown>((resolve) => stream.on("subscription", resolve));
    stream.subscribeForTrades(symbols);
    stream.subscribeForQuotes(["AAPL"]);
    stream.subscribeForBars(["AAPL"]);
    stream.connect();
    try {
      expect(await stream.waitForAuthentication(5000)).toBe(true);
      await subscribed;
      expect(stream.getSubscriptions().trades.sort()).toEqual([...symbols].sort());
      // Jump to just before a minute boundary, whatever the earlier tests took on a busy machine:
      // the next tick's window (at most a minute) then holds trades and a completed minute bar.
      sim.clock.setAt(Date.parse("2025-03-04T16:10:59.500Z"));
      const deadline = Date.now() + 15_000;
      while ((trades.length === 0 || bars.length === 0 || quotes.length === 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(quotes.length).toBeGreaterThan(0);
      expect(trades.length).toBeGreaterThan(0);
      expect(bars.length).toBeGreaterThan(0);
      const t = trades[0] as streaming.StreamTrade;
      expect(t.timestampRaw).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      // the same trade through REST, found by its nanosecond timestamp
      const rest = await api.stockTradeSingle({
        symbol: t.symbol,
        start: new Date(t.timestamp.getTime()),
        limit: 1,
      });
      expect(rest.trades[0]?.i).toBe(t.id);
      expect(rest.trades[0]?.p).toBe(t.price);
      expect(rest.trades[0]?.s).toBe(t.size);
      const b = bars[0] as streaming.StreamBar;
      const restBars = await api.stockBarSingle({
        symbol: "AAPL",
        timeframe: "1Min",
        start: b.timestamp,
        end: b.timestamp,
      });
      expect(restBars.bars[0]).toMatchObject({
        o: b.open,
        h: b.high,
        l: b.low,
        c: b.close,
        v: b.volume,
        n: b.tradeCount,
      });
      expect(sim.stats().streams.STREAMKEY).toMatchObject({ iex: 1 });
    } finally {
      stream.disconnect();
    }
  }, 30_000);

  it("a second stream of the same key is refused with 406", async () => {
    const make = () =>
      new streaming.StockDataStream({
        url: `${sim.wsUrl}/v2/sip`,
        credentials: { keyId: "DUPKEY", secret: "S" },
        reconnect: false,
      });
    const a = make();
    a.connect();
    expect(await a.waitForAuthentication(5000)).toBe(true);
    const b = make();
    const errors: string[] = [];
    b.on("error", (m: unknown) => errors.push(String(m)));
    b.connect();
    try {
      const deadline = Date.now() + 5000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(errors.join(" ")).toMatch(/connection limit exceeded/);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
