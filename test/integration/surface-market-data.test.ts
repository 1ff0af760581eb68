/**
 * Issue #11: market data through the gateway covers what Alpaca serves — crypto, crypto
 * perpetuals, news, screener, corporate actions, auctions, meta, forex, indices, fixed
 * income — routed to the upstream with the right path, cached where it fits, and parameter
 * errors answered 400 like Alpaca's data API.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

/** Paths (with query) a client sends under /v1/data, and the path Alpaca's data host must see. */
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ["/v1beta3/crypto/us/latest/trades?symbols=BTC%2FUSD,ETH%2FUSD", "/v1beta3/crypto/us/latest/trades"],
  ["/v1beta3/crypto/us/latest/quotes?symbols=BTC/USD", "/v1beta3/crypto/us/latest/quotes"],
  ["/v1beta3/crypto/us/latest/bars?symbols=BTC/USD", "/v1beta3/crypto/us/latest/bars"],
  ["/v1beta3/crypto/us/latest/orderbooks?symbols=BTC/USD", "/v1beta3/crypto/us/latest/orderbooks"],
  ["/v1beta3/crypto/us/snapshots?symbols=BTC/USD", "/v1beta3/crypto/us/snapshots"],
  [
    "/v1beta3/crypto/eu-1/bars?symbols=BTC/USD&timeframe=1Hour&start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
    "/v1beta3/crypto/eu-1/bars",
  ],
  [
    "/v1beta3/crypto/us/trades?symbols=BTC/USD&start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
    "/v1beta3/crypto/us/trades",
  ],
  [
    "/v1beta3/crypto/us/quotes?symbols=BTC/USD&start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
    "/v1beta3/crypto/us/quotes",
  ],
  [
    "/v1beta1/crypto-perps/global/latest/pricing?symbols=BTC-PERP",
    "/v1beta1/crypto-perps/global/latest/pricing",
  ],
  ["/v1beta1/news?symbols=AAPL,BTCUSD&limit=10&include_content=false", "/v1beta1/news"],
  ["/v1beta1/screener/stocks/most-actives?by=volume&top=20", "/v1beta1/screener/stocks/most-actives"],
  ["/v1beta1/screener/crypto/movers?top=5", "/v1beta1/screener/crypto/movers"],
  ["/v1/corporate-actions?symbols=AAPL&types=forward_split&start=2024-01-01", "/v1/corporate-actions"],
  [
    "/v2/stocks/auctions?symbols=AAPL&start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
    "/v2/stocks/auctions",
  ],
  [
    "/v2/stocks/AAPL/auctions?start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
    "/v2/stocks/AAPL/auctions",
  ],
  ["/v2/stocks/meta/exchanges", "/v2/stocks/meta/exchanges"],
  ["/v2/stocks/meta/conditions/trade?tape=A", "/v2/stocks/meta/conditions/trade"],
  ["/v1beta1/options/meta/exchanges", "/v1beta1/options/meta/exchanges"],
  ["/v1beta1/options/meta/conditions/quote", "/v1beta1/options/meta/conditions/quote"],
  ["/v1beta1/forex/latest/rates?currency_pairs=EURUSD", "/v1beta1/forex/latest/rates"],
  ["/v1beta1/indices/latest/values?symbols=SPX", "/v1beta1/indices/latest/values"],
  ["/v1beta1/fixed_income/latest/prices?isins=US912810TW86", "/v1beta1/fixed_income/latest/prices"],
];

describe("market data against the simulator: every path reaches it as Alpaca's", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ accounts: 2 });
  });
  afterAll(() => gw.close());

  it("routes each endpoint to the upstream path, passing its answer through", async () => {
    const token = await gw.token({ scopes: ["data"], accounts: [] });
    const before = (await gw.simStats()).requests.byPath;
    for (const [path] of ROUTES) {
      const res = await gw.call(`/v1/data${path}`, { token });
      expect(res.headers.get("x-paddock-source"), path).toBeNull(); // the upstream's answer, not ours
      await res.arrayBuffer();
    }
    const after = (await gw.simStats()).requests.byPath;
    for (const [path, upstream] of ROUTES) {
      const key = `GET ${upstream}`;
      expect((after[key] ?? 0) - (before[key] ?? 0), path).toBeGreaterThanOrEqual(1);
    }
  });

  it("answers parameter errors 400 (code 40010001) like Alpaca, and unknown paths 404, sending nothing", async () => {
    const token = await gw.token({ scopes: ["data"], accounts: [] });
    const before = (await gw.simStats()).requests.total;
    for (const [path, message] of [
      ["/v2/stocks/bars?symbols=AAPL&timeframe=90Min", /timeframe/],
      ["/v1beta3/crypto/us/latest/trades", /symbols: is required/],
      ["/v1beta3/crypto/us/latest/trades?symbols=btc%2Fusd", /symbols: .*not a valid crypto symbol/],
      ["/v1beta3/crypto/us/bars?symbols=BTC/USD", /timeframe: is required/],
      ["/v1beta1/news?limit=51", /limit: must be an integer from 1 to 50/],
      ["/v1beta1/news?include_content=yes", /include_content: must be one of true, false/],
      ["/v1beta1/screener/stocks/most-actives?by=price", /by: must be one of volume, trades/],
      ["/v1beta1/screener/stocks/movers?top=51", /top: must be an integer from 1 to 50/],
      ["/v2/stocks/meta/conditions/trade", /tape: is required/],
      ["/v1beta1/forex/latest/rates", /currency_pairs: is required/],
      ["/v1/corporate-actions?bogus=1", /bogus: is not a parameter/],
    ] as const) {
      const res = await gw.call(`/v1/data${path}`, { token });
      expect(res.status, path).toBe(400);
      expect(res.headers.get("x-paddock-source")).toBe("gateway");
      const body = (await res.json()) as { code: number; message: string };
      expect(body.code).toBe(40010001);
      expect(body.message, path).toMatch(message);
    }
    for (const path of [
      "/v1beta3/crypto/mars/latest/trades?symbols=BTC/USD",
      "/v2/stocks/meta/nothing",
      "/v9/x",
    ]) {
      const res = await gw.call(`/v1/data${path}`, { token });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("x-paddock-source")).toBe("gateway");
    }
    expect((await gw.simStats()).requests.total).toBe(before);
  });
});

describe("market data against an Alpaca-shaped recorder: the cache applies where it fits", () => {
  let gw: TestGateway;
  let upstream: Server;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${url.pathname}?${url.searchParams.toString()}`);
      const symbols = (url.searchParams.get("symbols") ?? "").split(",").filter(Boolean);
      const field = url.pathname.split("/").pop() ?? "x";
      const map = Object.fromEntries(symbols.map((s) => [s, { t: "2024-01-02T00:00:00Z", p: 1 }]));
      const body = url.pathname.includes("/latest/")
        ? { [field]: map }
        : { [field]: [], next_page_token: null };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const dataUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gw = await startGateway({
      accounts: 1,
      configure: (raw) => {
        (raw.upstream as Record<string, unknown>).dataUrl = dataUrl;
        raw.cache = { ...(raw.cache as object), latestTtlMs: 60_000 };
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await new Promise((r) => upstream.close(r));
  });

  it("serves repeats from the cache and splits crypto latest values per symbol", async () => {
    const token = await gw.token({ scopes: ["data"], accounts: [] });
    const get = (path: string) => gw.call(`/v1/data${path}`, { token });
    const first = await get("/v1beta3/crypto/us/latest/trades?symbols=BTC/USD,ETH/USD");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-paddock-cache")).toBe("miss");
    expect(Object.keys(((await first.json()) as { trades: object }).trades)).toEqual(["BTC/USD", "ETH/USD"]);
    const one = await get("/v1beta3/crypto/us/latest/trades?symbols=ETH/USD");
    expect(one.headers.get("x-paddock-cache")).toBe("hit"); // a symbol of the earlier answer
    expect(await one.json()).toEqual({ trades: { "ETH/USD": { t: "2024-01-02T00:00:00Z", p: 1 } } });
    for (const path of [
      "/v1beta1/news?symbols=AAPL&start=2024-01-02T00:00:00Z&end=2024-01-03T00:00:00Z",
      "/v1beta1/screener/stocks/most-actives?top=10",
      "/v2/stocks/meta/exchanges",
      "/v1/corporate-actions?symbols=AAPL&start=2024-01-01&end=2024-01-31",
    ]) {
      const a = await get(path);
      expect(a.status, path).toBe(200);
      await a.arrayBuffer();
      const b = await get(path);
      expect(b.headers.get("x-paddock-cache"), path).toBe("hit");
      await b.arrayBuffer();
    }
    expect(seen.filter((s) => s.startsWith("/v1beta3/crypto/us/latest/trades"))).toHaveLength(1);
    expect(seen.filter((s) => s.startsWith("/v1beta1/news"))).toHaveLength(1);
    expect(seen.filter((s) => s.startsWith("/v2/stocks/meta/exchanges"))).toHaveLength(1);
  });
});
