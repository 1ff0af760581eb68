/**
 * A fleet of 1,000 accounts recording trade updates: the gateway opens one upstream
 * trading stream per account, paced (`streams.upstreamConnectsPerSecond`), so the
 * simulator never sees a connection storm or a 429 for the order snapshots that
 * follow each connection; with Redis, every lease is held and renewed by one instance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const ACCOUNTS = 1000;
const RATE = 200;
const redisUrl = await getRedisUrl();

let sim: SimHandle;
let gw: TestGateway;
let elapsedMs = 0;

const openTrading = (): number =>
  Object.values(sim.stats().streams).reduce((n, s) => n + (s.trading ?? 0), 0);

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 5, rateLimitPerMinute: 200 });
  const t0 = Date.now();
  try {
    gw = await startGateway({
      sim,
      accounts: ACCOUNTS,
      logLevel: "warn",
      configure: (raw) => {
        raw.streams = { ...(raw.streams as object), upstreamConnectsPerSecond: RATE };
        if (redisUrl)
          raw.cache = { ...(raw.cache as object), redisUrl, redisKeyPrefix: uniquePrefix("streams-1000") };
      },
    });
    const end = Date.now() + 90_000;
    while (openTrading() < ACCOUNTS && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  } finally {
    elapsedMs = Date.now() - t0;
  }
}, 150_000);
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

describe(`${ACCOUNTS} accounts recording trade updates`, () => {
  it("opens exactly one trading stream per account, paced, with no upstream 429", async () => {
    const stats = sim.stats();
    const keys = gw.gateway.fleet.list().map((a) => a.credentials().keyId);
    expect(keys).toHaveLength(ACCOUNTS);
    expect(keys.filter((k) => stats.streams[k]?.trading !== 1)).toEqual([]);
    expect(stats.rateLimited.total).toBe(0);
    // all open within the wait (5 s at the pace; ~30 s on a loaded 2-core machine, slower than the pace,
    // which trade-recorder.test.ts shows with fewer accounts)
    expect(elapsedMs).toBeLessThan(90_000);
    const service = gw.gateway.metrics.registry;
    const connected = await service.getSingleMetric("paddock_stream_upstream_connected")?.get();
    expect(connected?.values.filter((v) => v.value === 1)).toHaveLength(ACCOUNTS);
  });
});
