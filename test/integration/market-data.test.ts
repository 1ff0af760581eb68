/**
 * Market data through the real gateway in front of the real simulator: the official SDK
 * with its base path set to the gateway, coalescing, the per-symbol split, validation,
 * scopes, and that trading answers never enter the cache.
 */
import { marketData } from "@alpacahq/alpaca-trade-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DataGateway, startDataGateway } from "../unit/marketdata/data-gateway.js";

let gw: DataGateway;
let token: string;

const SIM_KEY = { "APCA-API-KEY-ID": "direct-check", "APCA-API-SECRET-KEY": "secret" };

/** The same request straight to the simulator, with a key of its own. */
async function direct(pathAndQuery: string): Promise<unknown> {
  const res = await fetch(`${gw.sim.url}${pathAndQuery}`, { headers: SIM_KEY });
  expect(res.status).toBe(200);
  return res.json();
}

/** How many requests the simulator received for `GET <path>` from the gateway's accounts. */
async function simCalls(path: string): Promise<number> {
  const stats = (await (await fetch(`${gw.sim.url}/_sim/stats`)).json()) as {
    requests: { byPath: Record<string, number>; byKey: Record<string, number> };
  };
  return stats.requests.byPath[`GET ${path}`] ?? 0;
}

async function metric(name: string, label = ""): Promise<number> {
  const text = await (await gw.call("/metrics")).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name) && l.includes(label))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

/** Symbols the simulator lists (its asset universe), so every one has data. */
let listed: string[] = [];
const symbols = (n: number) => {
  if (listed.length < n) throw new Error(`the simulator lists only ${listed.length} symbols`);
  return listed.slice(0, n);
};

beforeAll(async () => {
  // A long latest TTL keeps a loaded machine's slow client from spreading the 200 "concurrent"
  // requests past the TTL; pure coalescing is proven in the unit tests with a still clock.
  gw = await startDataGateway({
    accounts: 3,
    configure: (raw) => {
      raw.cache = { ...(raw.cache as object), latestTtlMs: 30_000 };
    },
  });
  token = await gw.token({ sub: "data-bot", scopes: ["data"], accounts: [] });
  const assets = (await (await gw.call("/v1/accounts/acct-001/v2/assets?status=active")).json()) as Array<{
    symbol: string;
    class: string;
  }>;
  listed = assets.filter((a) => a.class === "us_equity" && /^[A-Z]+$/.test(a.symbol)).map((a) => a.symbol);
  // A closed session: latest values hold still while through-cache and direct answers are compared.
  await fetch(`${gw.sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: false }) });
});
afterAll(() => gw.close());

describe("market data through the gateway", () => {
  it("works with the official SDK with its base path set to the gateway", async () => {
    const config = new marketData.Configuration({ basePath: gw.dataUrl, accessToken: token });
    const stocks = new marketData.StockApi(config);
    const snaps = await stocks.stockSnapshots({ symbols: "AAPL,MSFT" });
    expect(Object.keys(snaps).sort()).toEqual(["AAPL", "MSFT"]);
    expect(snaps.AAPL?.latestTrade?.p).toBeGreaterThan(0);
    const bars = await stocks.stockBars({
      symbols: "AAPL,MSFT",
      timeframe: "1Day",
      start: new Date("2024-03-01T00:00:00Z"),
      end: new Date("2024-03-15T00:00:00Z"),
    });
    expect(bars.bars.AAPL?.length).toBeGreaterThan(5);
    const latest = await stocks.stockLatestTrades({ symbols: "AAPL" });
    expect(latest.trades.AAPL?.p).toBe(snaps.AAPL?.latestTrade?.p);
    const single = await stocks.stockBarSingle({
      symbol: "AAPL",
      timeframe: "1Hour",
      start: new Date("2024-03-04T00:00:00Z"),
      end: new Date("2024-03-05T00:00:00Z"),
    });
    expect(single.symbol).toBe("AAPL");
    expect(single.bars.length).toBeGreaterThan(0);
    const options = new marketData.OptionApi(config);
    const quotes = await options.optionLatestQuotes({ symbols: "AAPL250117C00150000" });
    expect(quotes.quotes.AAPL250117C00150000?.ap).toBeGreaterThan(0);
  });

  it("answers 200 concurrent identical 100-symbol snapshot requests with one upstream call", async () => {
    const query = `/v2/stocks/snapshots?symbols=${symbols(100).join(",")}`;
    const before = await simCalls("/v2/stocks/snapshots");
    // A slow upstream keeps the first call in flight while the other 199 arrive.
    await fetch(`${gw.sim.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ latencyMs: 300, paths: ["/v2/stocks/snapshots*"] }),
    });
    const coalescedBefore = await metric("paddock_marketdata_coalesced_total");
    const answers = await Promise.all(Array.from({ length: 200 }, () => gw.data(query, token)));
    await fetch(`${gw.sim.url}/_sim/faults`, { method: "DELETE" });
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect((await simCalls("/v2/stocks/snapshots")) - before).toBe(1);
    // requests that arrived while the call was in flight joined it (the rest were level-1 hits)
    expect(await metric("paddock_marketdata_coalesced_total")).toBeGreaterThan(coalescedBefore);
    const expected = await direct(query);
    expect(Object.keys(expected as object)).toHaveLength(100);
    for (const b of bodies) expect(b).toEqual(expected);
  });

  it("fetches only the difference for overlapping symbol sets", async () => {
    const path = "/v2/stocks/trades/latest";
    const before = await simCalls(path);
    const abc = await gw.data(`${path}?symbols=AMD,INTC,NVDA`, token);
    expect(abc.headers.get("x-paddock-cache")).toBe("miss");
    const bcd = await gw.data(`${path}?symbols=INTC,NVDA,QCOM`, token);
    expect((await simCalls(path)) - before).toBe(2);
    const all = await gw.data(`${path}?symbols=QCOM,AMD,NVDA,INTC`, token);
    expect(all.headers.get("x-paddock-cache")).toBe("hit");
    expect((await simCalls(path)) - before).toBe(2);
    expect(await bcd.json()).toEqual(await direct(`${path}?symbols=INTC,NVDA,QCOM`));
    expect(await all.json()).toEqual(await direct(`${path}?symbols=QCOM,AMD,NVDA,INTC`));
  });

  it("refuses invalid requests with 400 naming the limit or field, before anything goes upstream", async () => {
    const before = await simCalls("/v2/stocks/bars");
    const cases: Array<[string, RegExp]> = [
      [
        `/v2/stocks/snapshots?symbols=${symbols(101).join(",")}`,
        /symbols: at most 100 symbols a request \(got 101\)/,
      ],
      [
        "/v2/stocks/bars?symbols=AAPL&timeframe=1Day&start=2022-01-01T00:00:00Z&end=2024-01-01T00:00:00Z",
        /at most 366 days of history a request/,
      ],
      ["/v2/stocks/bars?symbols=AAPL&timeframe=90Min", /timeframe: minutes must be 1-59/],
      ["/v2/stocks/bars?symbols=AAPL&timeframe=1Day&start=March", /start: must be an RFC 3339 time/],
      [
        "/v2/stocks/bars?symbols=AAPL&timeframe=1Day&limit=20000",
        /limit: must be an integer from 1 to 10000/,
      ],
      ["/v2/stocks/bars?symbols=AAPL&timeframe=1Day&feed=bogus", /feed: must be one of/],
      ["/v2/stocks/bars?symbols=AAPL&timeframe=1Day&sort=random", /sort: must be one of asc, desc/],
    ];
    // parameter errors are 400 like Alpaca's data API (issue #11)
    for (const [path, message] of cases) {
      const res = await gw.data(path, token);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("x-paddock-source")).toBe("gateway");
      const body = (await res.json()) as { code: number; message: string };
      expect(body.code).toBe(40010001);
      expect(body.message).toMatch(message);
    }
    const entitled = await gw.data("/v2/stocks/snapshots?symbols=AAPL&feed=sip", token);
    expect(entitled.status).toBe(422);
    expect(((await entitled.json()) as { message: string }).message).toMatch(
      /feed: no market-data account is entitled to the sip feed/,
    );
    expect(await simCalls("/v2/stocks/bars")).toBe(before);
  });

  it("needs the data scope", async () => {
    const readOnly = await gw.token({ scopes: ["read", "trade"], accounts: "*" });
    expect((await gw.data("/v2/stocks/snapshots?symbols=AAPL", readOnly)).status).toBe(403);
    expect((await fetch(`${gw.dataUrl}/v2/stocks/snapshots?symbols=AAPL`)).status).toBe(401);
    expect((await gw.data("/v2/stocks/meta/nothing", token)).status).toBe(404);
  });

  it("passes upstream errors through unchanged and never caches them", async () => {
    const path = "/v2/stocks/quotes/latest?symbols=ORCL";
    await fetch(`${gw.sim.url}/_sim/faults`, {
      method: "POST",
      body: JSON.stringify({ errorRate: 1, status: 404, paths: ["/v2/stocks/quotes/latest*"] }),
    });
    const failed = await gw.data(path, token);
    await fetch(`${gw.sim.url}/_sim/faults`, { method: "DELETE" });
    expect(failed.status).toBe(404);
    expect(failed.headers.get("x-paddock-source")).toBeNull();
    const ok = await gw.data(path, token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(await direct(path));
  });

  it("never lets trading answers into the cache", async () => {
    await gw.data("/v2/stocks/snapshots?symbols=AAPL", token); // warm: the metrics exist
    const misses = await metric("paddock_marketdata_cache_misses_total");
    const hits = await metric("paddock_marketdata_cache_hits_total");
    const bytes = await metric("paddock_marketdata_cache_bytes", 'level="l1"');
    const entries = gw.service?.stats().l1Entries;
    for (const p of [
      "/v2/account",
      "/v2/orders?status=all",
      "/v2/positions",
      "/v2/account/activities",
      "/v2/clock",
    ]) {
      const res = await gw.call(`/v1/accounts/acct-001${p}`);
      expect(res.status, p).toBe(200);
    }
    // the data routes do not serve trading paths either
    expect((await gw.data("/v2/account", token)).status).toBe(404);
    expect(await metric("paddock_marketdata_cache_misses_total")).toBe(misses);
    expect(await metric("paddock_marketdata_cache_hits_total")).toBe(hits);
    expect(await metric("paddock_marketdata_cache_bytes", 'level="l1"')).toBe(bytes);
    if (entries !== undefined) expect(gw.service?.stats().l1Entries).toBe(entries);
  });

  it("returns what the simulator returns (property over random symbol sets and ranges)", async () => {
    const pool = ["AAPL", "MSFT", "AMZN", "GOOG", "TSLA", "META", "NFLX", "IBM", "ORCL", "KO", "PEP", "XOM"];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool, { minLength: 1 }),
        fc.constantFrom("snapshots", "trades/latest", "quotes/latest", "bars/latest", "bars", "trades"),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom("1Hour", "30Min", "1Day"),
        fc.integer({ min: 1, max: 500 }),
        async (syms, kind, startDay, days, timeframe, limit) => {
          const start = new Date(Date.parse("2024-01-02T00:00:00Z") + startDay * 86_400_000).toISOString();
          const end = new Date(
            Date.parse(start) + days * (kind === "trades" ? 3_600_000 : 86_400_000),
          ).toISOString();
          let q = `/v2/stocks/${kind}?symbols=${syms.join(",")}`;
          if (kind === "bars") q += `&timeframe=${timeframe}&start=${start}&end=${end}&limit=${limit}`;
          if (kind === "trades") q += `&start=${start}&end=${end}&limit=${limit}`;
          const through = await gw.data(q, token);
          expect(through.status, q).toBe(200);
          expect(await through.json()).toEqual(await direct(q));
        },
      ),
      { numRuns: 40 },
    );
  });
});
