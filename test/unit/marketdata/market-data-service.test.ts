import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import {
  createMarketDataService,
  type MarketDataConfig,
} from "../../../src/marketdata/market-data-service.js";
import {
  type FakeDataUpstream,
  fakeAccount,
  fakeFleet,
  startFakeDataUpstream,
} from "./fake-data-upstream.js";
import { deleteKeys, getRedisUrl, uniquePrefix } from "./redis-fixture.js";

const config = (over: Partial<MarketDataConfig["cache"]> = {}): MarketDataConfig => ({
  marketData: { maxSymbols: 100, maxHistoryDays: 366 },
  cache: {
    l1MaxBytes: 16 << 20,
    l2MaxBytes: 64 << 20,
    latestTtlMs: 1000,
    openBarTtlMs: 1000,
    closedBarTtlMs: 86_400_000,
    redisKeyPrefix: uniquePrefix(),
    ...over,
  },
});

const symbols = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `S${String(i + from).padStart(3, "0")}`);
const json = (b: Buffer): unknown => JSON.parse(b.toString());

let up: FakeDataUpstream;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  up = await startFakeDataUpstream();
});
afterAll(async () => {
  await up.close();
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  up.requests.length = 0;
  up.latencyMs = 0;
  up.fail = undefined;
  up.refuseSymbol = undefined;
  up.epoch = 0;
});

function setup(opts: { cfg?: MarketDataConfig; redis?: Redis; now?: () => number; accounts?: number } = {}) {
  const accounts = Array.from({ length: opts.accounts ?? 2 }, (_, i) => fakeAccount(`data-${i}`, up.url));
  for (const a of accounts) closers.push(() => a.close());
  const registry = new Registry();
  const service = createMarketDataService({
    config: opts.cfg ?? config(),
    fleet: fakeFleet(accounts),
    redis: opts.redis,
    registry,
    now: opts.now ?? Date.now,
  });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = await registry.getSingleMetric(name)?.get();
    return (m?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((n, v) => n + v.value, 0);
  };
  return { service, accounts, registry, metric };
}

/** The same request straight to the fake upstream. */
async function direct(path: string, query: string): Promise<unknown> {
  const res = await fetch(`${up.url}${path}?${query}`, { headers: { "x-direct": "1" } });
  return res.json();
}

describe("market-data service", () => {
  it("200 concurrent identical 100-symbol snapshot requests make one upstream call", async () => {
    const t = Date.now();
    const { service, metric } = setup({ now: () => t });
    up.latencyMs = 30;
    const query = `symbols=${symbols(100).join(",")}`;
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => service.handle({ path: "/v2/stocks/snapshots", query })),
    );
    expect(up.requests.length).toBe(1);
    expect(up.symbolsRequested("/v2/stocks/snapshots")[0]).toHaveLength(100);
    const expected = await direct("/v2/stocks/snapshots", query);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(json(a.body)).toEqual(expected);
    }
    expect(answers.filter((a) => a.cache === "miss")).toHaveLength(1);
    expect(
      await metric("paddock_marketdata_upstream_requests_total", { endpoint: "stocks.snapshots.multi" }),
    ).toBe(1);
    expect(await metric("paddock_marketdata_coalesced_total")).toBe(199 * 100);
    // and a later identical request is a level-1 hit
    const again = await service.handle({ path: "/v2/stocks/snapshots", query });
    expect(again.cache).toBe("hit");
    expect(up.requests.length).toBe(1);
    expect(await metric("paddock_marketdata_cache_hits_total", { level: "l1" })).toBe(100);
    expect(await metric("paddock_marketdata_cache_bytes", { level: "l1" })).toBeGreaterThan(10_000);
  });

  it("overlapping symbol sets fetch only the difference (A,B,C then B,C,D fetches D)", async () => {
    const t = Date.now();
    const { service } = setup({ now: () => t });
    const a = await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA,BBB,CCC" });
    const b = await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=BBB,CCC,DDD" });
    expect(up.symbolsRequested("/v2/stocks/snapshots")).toEqual([["AAA", "BBB", "CCC"], ["DDD"]]);
    expect(json(a.body)).toEqual(await direct("/v2/stocks/snapshots", "symbols=AAA,BBB,CCC"));
    expect(json(b.body)).toEqual(await direct("/v2/stocks/snapshots", "symbols=BBB,CCC,DDD"));
  });

  it("coalesces across the split: concurrent overlapping sets share the symbols in flight", async () => {
    const { service } = setup();
    up.latencyMs = 40;
    const [x, y] = await Promise.all([
      service.handle({ path: "/v2/stocks/trades/latest", query: "symbols=AAA,BBB,CCC&feed=iex" }),
      service.handle({ path: "/v2/stocks/trades/latest", query: "feed=iex&symbols=BBB,CCC,DDD" }),
    ]);
    expect(up.symbolsRequested("/v2/stocks/trades/latest")).toEqual([["AAA", "BBB", "CCC"], ["DDD"]]);
    expect(json(x.body)).toEqual(await direct("/v2/stocks/trades/latest", "symbols=AAA,BBB,CCC&feed=iex"));
    expect(json(y.body)).toEqual(await direct("/v2/stocks/trades/latest", "symbols=BBB,CCC,DDD&feed=iex"));
  });

  it("remembers symbols without data, and keeps the envelope fields", async () => {
    const { service } = setup();
    const q = "symbols=AAA,ZZNONE";
    const first = await service.handle({ path: "/v2/stocks/quotes/latest", query: q });
    const second = await service.handle({ path: "/v2/stocks/quotes/latest", query: q });
    expect(up.requests.length).toBe(1);
    expect(second.cache).toBe("hit");
    expect(json(second.body)).toEqual(json(first.body));
    expect(json(first.body)).toEqual(await direct("/v2/stocks/quotes/latest", q));
    const opt = "symbols=AAPL250117C00150000,SPY250620P00400000";
    const o = await service.handle({ path: "/v1beta1/options/snapshots", query: opt });
    expect(json(o.body)).toEqual(await direct("/v1beta1/options/snapshots", opt));
  });

  it("refreshes hot symbols ahead within a call that goes upstream anyway", async () => {
    let t = 1_000_000;
    const { service, metric } = setup({ now: () => t });
    await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA,BBB" });
    t += 400; // more than half the TTL left: not renewed
    await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=CCC" });
    t += 200; // AAA, BBB and CCC all hot; AAA and BBB have less than half their TTL left
    await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=DDD" });
    expect(up.symbolsRequested("/v2/stocks/snapshots")).toEqual([
      ["AAA", "BBB"],
      ["CCC"],
      ["DDD", "BBB", "AAA"],
    ]);
    expect(await metric("paddock_marketdata_refreshed_ahead_total")).toBe(2);
    t += 500; // the first AAA/BBB entries would have expired; the renewed ones have not
    const again = await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA,BBB,DDD" });
    expect(again.cache).toBe("hit");
    expect(up.requests.length).toBe(3);
  });

  it("a refused symbol riding along never fails another request", async () => {
    let t = 1_000_000;
    const { service } = setup({ now: () => t });
    up.refuseSymbol = "BAD";
    expect((await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA,BAD" })).status).toBe(
      400,
    );
    t += 600; // a refused request makes nothing hot
    expect((await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=CCC" })).status).toBe(200);
    up.refuseSymbol = undefined;
    await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=BAD" }); // now BAD is fine and hot
    up.refuseSymbol = "BAD"; // ...until upstream refuses it again
    t += 600;
    const after = await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=DDD" });
    expect(after.status).toBe(200);
    expect(json(after.body)).toEqual(await direct("/v2/stocks/snapshots", "symbols=DDD"));
    expect(up.symbolsRequested("/v2/stocks/snapshots")).toEqual([
      ["AAA", "BAD"],
      ["CCC"],
      ["BAD"],
      ["DDD", "BAD", "CCC"],
      ["DDD"],
    ]);
  });

  it("serves latest values for latestTtlMs only", async () => {
    let t = 1_000_000;
    const { service } = setup({ now: () => t });
    const q = "symbols=AAA";
    const before = json((await service.handle({ path: "/v2/stocks/trades/latest", query: q })).body);
    up.epoch = 1;
    t += 999;
    expect(json((await service.handle({ path: "/v2/stocks/trades/latest", query: q })).body)).toEqual(before);
    t += 2;
    const after = json((await service.handle({ path: "/v2/stocks/trades/latest", query: q })).body);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await direct("/v2/stocks/trades/latest", q));
    expect(up.requests.length).toBe(2);
  });

  it("caches closed history long and the still-open bar briefly, each page by its range", async () => {
    const now = Date.parse("2024-03-04T15:00:00Z");
    let t = now;
    const { service } = setup({ now: () => t });
    const closed =
      "symbols=AAA,BBB&timeframe=1Hour&start=2024-03-01T00:00:00Z&end=2024-03-02T00:00:00Z&limit=10";
    const open = "symbols=AAA&timeframe=1Hour&start=2024-03-04T00:00:00Z";
    const page1 = await service.handle({ path: "/v2/stocks/bars", query: closed });
    const token = (json(page1.body) as { next_page_token: string }).next_page_token;
    expect(token).toBeTruthy();
    const page2Query = `${closed}&page_token=${token}`;
    const page2 = await service.handle({ path: "/v2/stocks/bars", query: page2Query });
    expect(json(page2.body)).toEqual(await direct("/v2/stocks/bars", page2Query));
    await service.handle({ path: "/v2/stocks/bars", query: open });
    expect(up.requests.length).toBe(3);
    t += 60 * 60_000; // an hour later: the open page is refetched, the closed pages are not
    const reordered =
      "end=2024-03-02T00:00:00Z&limit=10&symbols=AAA,BBB&start=2024-03-01T00:00:00Z&timeframe=1Hour";
    expect((await service.handle({ path: "/v2/stocks/bars", query: reordered })).cache).toBe("hit");
    expect((await service.handle({ path: "/v2/stocks/bars", query: page2Query })).cache).toBe("hit");
    expect((await service.handle({ path: "/v2/stocks/bars", query: open })).cache).toBe("miss");
    expect(up.requests.length).toBe(4);
  });

  it("never caches a non-2xx upstream answer and passes it through unchanged", async () => {
    const { service } = setup();
    up.fail = { prefix: "/v2/stocks/snapshots", status: 500 };
    const a = await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA" });
    expect(a.status).toBe(500);
    expect(json(a.body)).toEqual({ code: 50000000, message: "injected failure" });
    up.fail = { prefix: "/v2/stocks/AAA/bars", status: 422 };
    const b = await service.handle({ path: "/v2/stocks/AAA/bars", query: "timeframe=1Day" });
    expect(b.status).toBe(422);
    up.fail = undefined;
    expect((await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA" })).status).toBe(200);
    expect((await service.handle({ path: "/v2/stocks/AAA/bars", query: "timeframe=1Day" })).status).toBe(200);
    expect(up.requests.length).toBe(4);
  });

  it("a refusal caused by another request's symbol does not leak into requests that joined its batch", async () => {
    const { service } = setup();
    up.latencyMs = 30;
    up.refuseSymbol = "BAD";
    const [mine, theirs] = await Promise.all([
      service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA,BAD" }),
      service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA" }),
    ]);
    expect(mine.status).toBe(400);
    expect(theirs.status).toBe(200);
    expect(json(theirs.body)).toEqual(await direct("/v2/stocks/snapshots", "symbols=AAA"));
    expect(up.symbolsRequested("/v2/stocks/snapshots")).toEqual([["AAA", "BAD"], ["AAA"]]);
  });

  it("refuses invalid requests and non-market-data paths before anything goes upstream", async () => {
    const { service } = setup();
    const bad = [
      ["/v2/stocks/snapshots", `symbols=${symbols(101).join(",")}`],
      ["/v2/stocks/bars", "symbols=AAA&timeframe=1Day&start=2020-01-01T00:00:00Z&end=2024-01-01T00:00:00Z"],
      ["/v2/stocks/bars", "symbols=AAA&timeframe=7Min&sort=sideways"],
      ["/v2/stocks/snapshots", "symbols=AAA&feed=sip"], // no sip-entitled data account
      ["/v2/stocks/snapshots", "symbols=aapl"], // Alpaca's symbols are upper case
      ["/v2/account", ""],
      ["/v2/orders", "status=open"],
    ] as const;
    for (const [path, query] of bad) {
      await expect(service.handle({ path, query })).rejects.toSatisfy(
        (e) =>
          isPaddockError(e, "PADDOCK_DATA_PARAM_INVALID") ||
          isPaddockError(e, "PADDOCK_REQUEST_INVALID") ||
          isPaddockError(e, "PADDOCK_NOT_FOUND"),
      );
    }
    expect(up.requests.length).toBe(0);
    expect(service.stats().l1Entries).toBe(0);
  });

  it("spreads data calls over the data accounts with the most budget left", async () => {
    const { service, accounts } = setup({ accounts: 3 });
    accounts[0]!.budget.remaining = 5;
    accounts[1]!.budget.remaining = 180;
    accounts[2]!.budget.remaining = 90;
    await service.handle({ path: "/v2/stocks/snapshots", query: "symbols=AAA" });
    expect(up.requests.map((r) => r.keyId)).toEqual(["data-1"]);
    expect(accounts[1]!.calls[0]).toMatchObject({
      method: "GET",
      kind: "data",
      priority: "read",
      idempotent: true,
    });
  });

  it("results through the cache equal the upstream's directly (property over symbol sets and ranges)", async () => {
    const fc = (await import("fast-check")).default;
    const { service } = setup();
    const pool = symbols(12).concat(["ZZGONE"]);
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool, { minLength: 1 }),
        fc.constantFrom(
          "/v2/stocks/snapshots",
          "/v2/stocks/trades/latest",
          "/v2/stocks/bars/latest",
          "/v2/stocks/bars",
        ),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 72 }),
        fc.constantFrom("1Hour", "15Min", "1Day"),
        async (syms, path, startHour, hours, timeframe) => {
          const start = new Date(Date.parse("2024-02-01T00:00:00Z") + startHour * 3_600_000).toISOString();
          const end = new Date(Date.parse(start) + hours * 3_600_000).toISOString();
          const query =
            path === "/v2/stocks/bars"
              ? `symbols=${syms.join(",")}&timeframe=${timeframe}&start=${start}&end=${end}&limit=50`
              : `symbols=${syms.join(",")}`;
          const through = await service.handle({ path, query });
          expect(through.status).toBe(200);
          expect(json(through.body)).toEqual(await direct(path, query));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("market-data service with Redis (level 2)", async () => {
  const url = await getRedisUrl();
  let redis: Redis;
  let redis2: Redis;
  beforeAll(() => {
    if (!url) return;
    redis = new Redis(url);
    redis2 = new Redis(url);
  });
  afterAll(() => {
    redis?.disconnect();
    redis2?.disconnect();
  });

  it.skipIf(!url)("two instances share level 2: the second answers without an upstream call", async () => {
    await Promise.all([redis.ping(), redis2.ping()]);
    const cfg = config();
    const one = setup({ cfg, redis });
    const two = setup({ cfg, redis: redis2 });
    const q = `symbols=${symbols(50).join(",")}`;
    const first = await one.service.handle({ path: "/v2/stocks/snapshots", query: q });
    const bars = "timeframe=1Day&start=2024-01-02T00:00:00Z&end=2024-02-01T00:00:00Z";
    await one.service.handle({ path: "/v2/stocks/AAA/bars", query: bars });
    expect(up.requests.length).toBe(2);
    const second = await two.service.handle({ path: "/v2/stocks/snapshots", query: q });
    const secondBars = await two.service.handle({ path: "/v2/stocks/AAA/bars", query: bars });
    expect(up.requests.length).toBe(2);
    expect(json(second.body)).toEqual(json(first.body));
    expect(json(secondBars.body)).toEqual(await direct("/v2/stocks/AAA/bars", bars));
    expect(await two.metric("paddock_marketdata_cache_hits_total", { level: "l2" })).toBe(51);
    // a closed range lives long in Redis too
    const keys = await redis.keys(`${cfg.cache.redisKeyPrefix}md:*AAA/bars*`);
    expect(keys).toHaveLength(1);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(3_600_000);
    expect((await two.service.check()).status).toBe("up");
    await deleteKeys(redis, cfg.cache.redisKeyPrefix);
  });

  it("with Redis stopped it serves from level 1 only, still correct, and reports down", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const { service, metric } = setup({ redis: dead });
    const q = "symbols=AAA,BBB";
    const a = await service.handle({ path: "/v2/stocks/snapshots", query: q });
    const b = await service.handle({ path: "/v2/stocks/snapshots", query: q });
    expect(json(a.body)).toEqual(await direct("/v2/stocks/snapshots", q));
    expect(b.cache).toBe("hit");
    expect(up.requests.length).toBe(1);
    expect(await metric("paddock_marketdata_cache_hits_total", { level: "l1" })).toBe(2);
    const check = await service.check();
    expect(check.status).toBe("down");
    expect(check.detail).toMatch(/level 1 only/);
    dead.disconnect();
  });

  it.skipIf(!url)("a Redis that stops mid-run degrades to level 1 without failing requests", async () => {
    const own = new Redis(url!, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    await own.ping();
    const cfg = config();
    const { service } = setup({ cfg, redis: own });
    const q = "symbols=AAA";
    await service.handle({ path: "/v2/stocks/trades/latest", query: q });
    own.disconnect(); // this client's Redis is gone from now on
    const b = await service.handle({ path: "/v2/stocks/trades/latest", query: "symbols=AAA,CCC" });
    expect(json(b.body)).toEqual(await direct("/v2/stocks/trades/latest", "symbols=AAA,CCC"));
    expect(up.symbolsRequested("/v2/stocks/trades/latest")).toEqual([["AAA"], ["CCC"]]);
    expect((await service.check()).status).toBe("down");
    await deleteKeys(redis, cfg.cache.redisKeyPrefix);
  });
});
