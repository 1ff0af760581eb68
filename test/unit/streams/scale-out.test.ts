/**
 * Two gateway instances sharing one Redis: exactly one upstream data connection
 * and one trading stream in total, messages reaching clients on both through
 * pub/sub with one sequence, and a takeover when the lease owner dies.
 */
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getRedisUrl, uniquePrefix } from "../../helpers/redis.js";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame, type TestClient, until } from "./ws-client.js";

const redisUrl = await getRedisUrl();
const tuning = { leaseTtlMs: 1500, leaseRenewMs: 250, backoff: { baseMs: 100, maxMs: 1000 } };

let fake: FakeAlpaca;
const open: Harness[] = [];
const clients: Redis[] = [];
let prefix: string;

/** A Redis client whose duplicates (the subscriber connection) are remembered, to "kill" the instance. */
function trackedRedis(url: string): { redis: Redis; kill: () => void } {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const dups: Redis[] = [];
  const dup = redis.duplicate.bind(redis);
  redis.duplicate = (...args: Parameters<Redis["duplicate"]>) => {
    const d = dup(...args);
    dups.push(d);
    return d;
  };
  clients.push(redis);
  return {
    redis,
    kill: () => {
      redis.disconnect();
      for (const d of dups) d.disconnect();
    },
  };
}

async function instance(redis: Redis): Promise<Harness> {
  const gw = await startHarness({ upstreamUrl: fake.url, redis, redisKeyPrefix: prefix, tuning });
  open.push(gw);
  return gw;
}

describe.skipIf(!redisUrl)("scale-out with Redis", () => {
  beforeEach(async () => {
    prefix = uniquePrefix("streams");
    fake = await startFakeAlpaca();
  });
  afterEach(async () => {
    for (const gw of open.splice(0)) await gw.close().catch(() => undefined);
    for (const r of clients.splice(0)) r.disconnect();
    await fake.close();
  });

  it("two instances, clients on both, one upstream data connection and one trading stream", async () => {
    const a = await instance(trackedRedis(redisUrl!).redis);
    const b = await instance(trackedRedis(redisUrl!).redis);
    const ca = await connectClient(`${a.wsUrl}/v1/data/stream/v2/iex`, {
      token: a.token({ scopes: ["data"], accounts: "*" }),
    });
    const cb = await connectClient(`${b.wsUrl}/v1/data/stream/v2/iex`, {
      token: b.token({ scopes: ["data"], accounts: "*" }),
    });
    ca.send({ action: "subscribe", trades: ["AAPL"] });
    cb.send({ action: "subscribe", trades: ["MSFT"] });
    await ca.waitFor(hasFrame((f) => f.T === "subscription"));
    await cb.waitFor(hasFrame((f) => f.T === "subscription"));
    await until(() => {
      const subs = fake.dataConns("iex")[0]?.subs.trades;
      return subs?.has("AAPL") === true && subs.has("MSFT");
    }, 5000);
    fake.emit("iex", [
      { T: "t", S: "AAPL", p: 1, t: "2026-11-25T15:00:00Z" },
      { T: "t", S: "MSFT", p: 2, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(await ca.waitFor(hasFrame((f) => f.T === "t"))).toEqual([
      { T: "t", S: "AAPL", p: 1, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(await cb.waitFor(hasFrame((f) => f.T === "t"))).toEqual([
      { T: "t", S: "MSFT", p: 2, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(fake.stats.dataConnects).toBe(1);
    expect(fake.stats.refused406).toBe(0);
    const owners = [a, b].filter((g) => g.service.stats().owned.includes("data:iex"));
    expect(owners).toHaveLength(1);

    // trade updates: listeners on both instances, one upstream, one sequence
    const listen = async (gw: Harness): Promise<TestClient> => {
      const c = await connectClient(`${gw.wsUrl}/v1/stream/trade_updates`, {
        token: gw.token({ scopes: ["read"], accounts: ["acct-1"] }),
      });
      c.send({ action: "listen", data: { streams: ["trade_updates"] } });
      await c.waitFor((m) => (m as { stream: string }).stream === "listening");
      return c;
    };
    const ta = await listen(a);
    const tb = await listen(b);
    await until(() => fake.listening("KEY-1") === 1, 5000);
    fake.emitTrade("KEY-1", { event: "new", order: { id: "o1", status: "new", filled_qty: "0" } });
    const isUpdate = (m: unknown) => (m as { stream: string }).stream === "trade_updates";
    const ua = (await ta.waitFor(isUpdate)) as { seq: number; account_id: string };
    const ub = (await tb.waitFor(isUpdate)) as { seq: number; account_id: string };
    expect(ua).toMatchObject({ account_id: "acct-1", seq: 1 });
    expect(ub).toMatchObject({ account_id: "acct-1", seq: 1 });
    expect(fake.stats.tradingConnects).toBe(1);
    for (const c of [ca, cb, ta, tb]) c.close();
  });

  it("when the lease owner dies, another instance takes the upstream over and data resumes", async () => {
    const ra = trackedRedis(redisUrl!);
    const a = await instance(ra.redis);
    const ca = await connectClient(`${a.wsUrl}/v1/data/stream/v2/iex`, {
      token: a.token({ scopes: ["data"], accounts: "*" }),
    });
    ca.send({ action: "subscribe", trades: ["AAPL"] });
    await ca.waitFor(hasFrame((f) => f.T === "subscription"));
    await until(() => a.service.stats().owned.includes("data:iex"), 5000);
    const b = await instance(trackedRedis(redisUrl!).redis);
    const cb = await connectClient(`${b.wsUrl}/v1/data/stream/v2/iex`, {
      token: b.token({ scopes: ["data"], accounts: "*" }),
    });
    cb.send({ action: "subscribe", trades: ["MSFT"] });
    await cb.waitFor(hasFrame((f) => f.T === "subscription"));
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("MSFT") === true, 5000);
    expect(b.service.stats().owned).toEqual([]);

    // instance A dies as far as the cluster can tell: its Redis connections are gone
    ra.kill();
    await until(() => b.service.stats().owned.includes("data:iex"), 10_000);
    await until(() => a.service.stats().owned.length === 0, 5000);
    await until(
      () => fake.dataConns("iex").length === 1 && fake.dataConns("iex")[0]!.subs.trades?.has("MSFT") === true,
      10_000,
    );
    const from = cb.messages.length;
    fake.emit("iex", [{ T: "t", S: "MSFT", p: 3, t: "2026-11-25T15:00:01Z" }]);
    await cb.waitFor(
      hasFrame((f) => f.T === "t" && f.p === 3),
      5000,
      from,
    );
    // never two upstream connections on the key at once
    expect(fake.stats.refused406).toBe(0);
    expect(fake.dataConns("iex")).toHaveLength(1);
    ca.close();
    cb.close();
  });
});
