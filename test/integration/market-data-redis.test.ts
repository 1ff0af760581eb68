/**
 * The Redis level of the market-data cache through real gateways: two instances share
 * it, and a Redis that stops leaves answers correct (level 1 only) and /readyz degraded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { type DataGateway, startDataGateway } from "../unit/marketdata/data-gateway.js";
import { deleteKeys, getRedisUrl, uniquePrefix } from "../unit/marketdata/redis-fixture.js";
import { startRedisProcess } from "../unit/marketdata/redis-process.js";

const SIM_KEY = { "APCA-API-KEY-ID": "direct-check", "APCA-API-SECRET-KEY": "secret" };
const SYMBOLS = ["AAPL", "MSFT", "AMZN", "GOOG", "TSLA", "META", "NFLX", "IBM", "ORCL", "KO"];

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 11, rateLimitPerMinute: 0 });
  await fetch(`${sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: false }) });
});
afterAll(() => sim.close());

/** Calls made by `direct`, per path, so upstream counts can leave them out. */
const directCalls = new Map<string, number>();

async function direct(pathAndQuery: string): Promise<unknown> {
  const path = pathAndQuery.split("?")[0]!;
  directCalls.set(path, (directCalls.get(path) ?? 0) + 1);
  const res = await fetch(`${sim.url}${pathAndQuery}`, { headers: SIM_KEY });
  return res.json();
}

async function simCalls(path: string): Promise<number> {
  const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as {
    requests: { byPath: Record<string, number> };
  };
  return (stats.requests.byPath[`GET ${path}`] ?? 0) - (directCalls.get(path) ?? 0);
}

async function metric(gw: DataGateway, name: string, label: string): Promise<number> {
  const text = await (await gw.call("/metrics")).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name) && l.includes(label))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

const withRedis = (redisUrl: string, prefix: string) => (raw: Record<string, unknown>) => {
  raw.cache = { ...(raw.cache as object), redisUrl, redisKeyPrefix: prefix, latestTtlMs: 30_000 };
};

describe("market-data cache level 2 (Redis)", async () => {
  const url = await getRedisUrl();

  it.skipIf(!url)(
    "is shared by two gateway instances: the second answers without an upstream call",
    async () => {
      const prefix = uniquePrefix();
      const one = await startDataGateway({ sim, configure: withRedis(url!, prefix) });
      const two = await startDataGateway({ sim, configure: withRedis(url!, prefix) });
      try {
        const snaps = `/v2/stocks/snapshots?symbols=${SYMBOLS.join(",")}`;
        const bars =
          "/v2/stocks/AAPL/bars?timeframe=1Hour&start=2024-03-04T00:00:00Z&end=2024-03-08T00:00:00Z";
        const before = [await simCalls("/v2/stocks/snapshots"), await simCalls("/v2/stocks/AAPL/bars")];
        const a1 = await one.data(snaps);
        const b1 = await one.data(bars);
        expect([a1.status, b1.status]).toEqual([200, 200]);
        const a2 = await two.data(snaps);
        const b2 = await two.data(bars);
        expect([await simCalls("/v2/stocks/snapshots"), await simCalls("/v2/stocks/AAPL/bars")]).toEqual([
          before[0]! + 1,
          before[1]! + 1,
        ]);
        expect(await a2.json()).toEqual(await direct(snaps));
        expect(await b2.json()).toEqual(await direct(bars));
        expect(await a1.json()).toEqual(await direct(snaps));
        expect(await metric(two, "paddock_marketdata_cache_hits_total", 'level="l2"')).toBe(
          SYMBOLS.length + 1,
        );
        // an overlapping set on the second instance fetches only what neither instance has seen
        const more = `/v2/stocks/snapshots?symbols=AAPL,MSFT,PEP`;
        expect(await (await two.data(more)).json()).toEqual(await direct(more));
        expect(await simCalls("/v2/stocks/snapshots")).toBe(before[0]! + 2);
      } finally {
        await one.close();
        await two.close();
        const { Redis } = await import("ioredis");
        const r = new Redis(url!);
        await deleteKeys(r, prefix);
        r.disconnect();
      }
    },
  );

  it("when Redis stops, answers stay correct from level 1 and /readyz reports degraded", async (ctx) => {
    const redis = await startRedisProcess();
    if (!redis) return ctx.skip();
    const prefix = uniquePrefix();
    const gw = await startDataGateway({ sim, configure: withRedis(redis.url, prefix) });
    try {
      const q1 = "/v2/stocks/trades/latest?symbols=AAPL,MSFT";
      expect(await (await gw.data(q1)).json()).toEqual(await direct(q1));
      const { Redis } = await import("ioredis");
      const probe = new Redis(redis.url);
      expect(await probe.keys(`${prefix}md:v1:*`)).toHaveLength(3); // AAPL, MSFT and the envelope
      probe.disconnect();
      await gw.gateway.health.runAll();
      const up = (await (await gw.call("/readyz")).json()) as { status: string };
      expect(up.status).toBe("up");

      await redis.stop();
      const cached = await gw.data(q1);
      expect(cached.headers.get("x-paddock-cache")).toBe("hit");
      expect(await cached.json()).toEqual(await direct(q1));
      const q2 = "/v2/stocks/trades/latest?symbols=AAPL,IBM,KO";
      const partly = await gw.data(q2);
      expect(partly.status).toBe(200);
      expect(await partly.json()).toEqual(await direct(q2));
      const bars =
        "/v2/stocks/bars?symbols=IBM,KO&timeframe=1Day&start=2024-02-01T00:00:00Z&end=2024-03-01T00:00:00Z";
      expect(await (await gw.data(bars)).json()).toEqual(await direct(bars));

      await gw.gateway.health.runAll();
      const ready = await gw.call("/readyz");
      expect(ready.status).toBe(200);
      const report = (await ready.json()) as {
        status: string;
        components: Array<{ name: string; status: string }>;
      };
      expect(report.status).toBe("degraded");
      expect(report.components.find((c) => c.name === "market-data-cache")?.status).toBe("down");
    } finally {
      await gw.close();
      await redis.stop();
    }
  });
});
