/**
 * Shared budgets over a real Redis: three factories stand in for three gateway
 * instances; an outage of a Redis we own falls back to the configured share, reports
 * degraded, and returns to the shared budget when Redis is back.
 */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisSlotStore, type RedisSlotStoreOptions } from "../../src/accounts/redis-slot-store.js";
import { type BudgetFactory, createBudgetFactory } from "../../src/resilience/budget.js";
import { getRedisUrl, type RedisServer, startRedisServer, uniquePrefix } from "../helpers/redis.js";

const url = await getRedisUrl();

const clients: Redis[] = [];
const factories: BudgetFactory[] = [];
afterAll(async () => {
  await Promise.all(factories.map((f) => f.close()));
  for (const c of clients) c.disconnect();
});

/** Options like the gateway's own client (src/app.ts): fail fast instead of queueing while down. */
const client = (u: string): Redis => {
  const c = new Redis(u, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 500),
  });
  c.on("error", () => undefined);
  clients.push(c);
  return c;
};

const waitFor = async (cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A budget factory over Redis, as src/app.ts builds it. */
const createFactory = (o: Omit<RedisSlotStoreOptions, "fallbackShare"> & { fallbackShare?: number }) =>
  createBudgetFactory({
    store: createRedisSlotStore({ fallbackShare: 0.34, ...o }),
    ...(o.spanMs === undefined ? {} : { spanMs: o.spanMs }),
  });

/** Fires `n` acquires with no waiting allowed; resolves to how many were admitted. */
const burst = async (f: BudgetFactory, account: string, limit: number, n: number): Promise<number> => {
  const b = f.forAccount(account, { limitPerMinute: limit, maxWaitMs: 0, maxDepth: 1000 });
  const settled = await Promise.allSettled(Array.from({ length: n }, () => b.acquire("read")));
  b.close();
  return settled.filter((s) => s.status === "fulfilled").length;
};

describe.skipIf(url === undefined)("budget shared through Redis", () => {
  it("three instances hammering one account together admit one budget, never three", async () => {
    const prefix = uniquePrefix("budget");
    const limit = 60;
    const instances = [0, 1, 2].map(() => {
      const f = createFactory({ redis: client(url!), keyPrefix: prefix });
      factories.push(f);
      return f;
    });
    await waitFor(() => clients.every((c) => c.status === "ready"), "redis clients");
    const admitted = await Promise.all(instances.map((f) => burst(f, "acct-1", limit, 50)));
    const total = admitted.reduce((a, b) => a + b, 0);
    // the whole budget, as one burst, for all three together (in memory each would admit 50)
    expect(total).toBe(limit);
    for (const f of instances) expect(f.health().status).toBe("up");
    // the slots live in Redis under the configured prefix, one member each
    expect(await clients[0]!.zcard(`${prefix}acct-1`)).toBe(limit);
  });

  it("three instances hammering for several windows never exceed the limit in any rolling span", async () => {
    // a 6-second "minute" keeps the test short; the window arithmetic is the same
    const spanMs = 6000;
    const limit = 12;
    const prefix = uniquePrefix("budget-rolling");
    const instances = [0, 1, 2].map(() => {
      const f = createFactory({ redis: client(url!), keyPrefix: prefix, spanMs });
      factories.push(f);
      return f.forAccount("acct-rolling", { limitPerMinute: limit, maxWaitMs: 1500, maxDepth: 100 });
    });
    await waitFor(() => clients.every((c) => c.status === "ready"), "redis clients");
    const admitted: number[] = [];
    const until = Date.now() + 8000;
    const worker = async (b: (typeof instances)[number]): Promise<void> => {
      while (Date.now() < until) {
        try {
          await b.acquire("read");
          admitted.push(Date.now());
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    await Promise.all(instances.flatMap((b) => [worker(b), worker(b), worker(b)]));
    for (const b of instances) b.close();
    admitted.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < admitted.length; i++) {
      while (admitted[i]! - admitted[j]! >= spanMs) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(limit);
    // it kept flowing: the first span's burst, then more as slots freed
    expect(admitted.length).toBeGreaterThan(limit);
  }, 20_000);

  it("a waiter abandoned while Redis answers gives its slot back to the shared budget", async () => {
    const prefix = uniquePrefix("budget-abandoned");
    const f = createFactory({ redis: client(url!), keyPrefix: prefix });
    factories.push(f);
    await waitFor(() => clients.at(-1)!.status === "ready", "redis client");
    const b = f.forAccount("acct", { limitPerMinute: 3, maxWaitMs: 1000, maxDepth: 10 });
    const ac = new AbortController();
    const gone = b.acquire("read", ac.signal);
    await Promise.resolve(); // the batch is on its way to Redis
    await Promise.resolve();
    ac.abort(new Error("client went away"));
    await expect(gone).rejects.toThrow("client went away");
    // whatever Redis granted for it is removed again: all three are there for others
    const key = `${prefix}acct`;
    for (let i = 0; i < 100 && (await clients[0]!.zcard(key)) > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await clients[0]!.zcard(key)).toBe(0);
    const other = createFactory({ redis: client(url!), keyPrefix: prefix });
    factories.push(other);
    await waitFor(() => clients.at(-1)!.status === "ready", "second client");
    expect(await burst(other, "acct", 3, 5)).toBe(3);
    b.close();
  });

  it("other accounts have budgets of their own", async () => {
    const prefix = uniquePrefix("budget-accounts");
    const f = createFactory({ redis: client(url!), keyPrefix: prefix });
    factories.push(f);
    await waitFor(() => clients.at(-1)!.status === "ready", "redis client");
    expect(await burst(f, "a", 60, 70)).toBe(60);
    expect(await burst(f, "b", 60, 70)).toBe(60);
  });
});

describe("budget switching to its fallback right after a burst", () => {
  let server: RedisServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("an outage right after two instances spent the budget hands out no fresh budget", async () => {
    // (the instances must have heard Redis' count: both took part in the burst)
    try {
      server = await startRedisServer();
    } catch (err) {
      if (process.env.CI === "true") throw err;
      console.warn(`[budget-redis] cannot start redis-server (${(err as Error).message}): skipped`);
      return;
    }
    const prefix = uniquePrefix("burst-outage");
    const [a, b] = [0, 1].map(() => {
      const f = createFactory({ redis: client(server!.url), keyPrefix: prefix, fallbackShare: 0.5 });
      factories.push(f);
      return f;
    });
    await waitFor(() => clients.slice(-2).every((c) => c.status === "ready"), "redis clients");
    const limit = 40;
    const shared = await Promise.all([burst(a!, "acct", limit, 25), burst(b!, "acct", limit, 25)]);
    expect(shared[0]! + shared[1]!).toBe(limit);
    await server.stop();
    await waitFor(() => clients.slice(-2).every((c) => c.status !== "ready"), "redis to be seen down");
    // each starts from its share of what Redis last told it was spent: the one that heard
    // "40 of 40" adds nothing; the other adds at most its share of what it had not heard of
    const during = await Promise.all([burst(a!, "acct", limit, 25), burst(b!, "acct", limit, 25)]);
    expect(Math.min(...during)).toBe(0);
    expect(during[0]! + during[1]!).toBeLessThanOrEqual(limit * 0.5 - Math.ceil(Math.min(...shared) * 0.5));
    // a key untouched before the outage: each instance has its share of the limit
    expect(await burst(a!, "fresh", limit, 25)).toBe(limit * 0.5);
    console.log(`[budget-redis] burst_then_outage shared=${shared.join("+")} fallback=${during.join("+")}`);
  });
});

describe("budget while its Redis hangs", () => {
  let server: RedisServer | undefined;
  afterAll(async () => {
    server?.resume();
    await server?.stop();
  });

  it("a Redis that stops answering is given up on after storeTimeoutMs; requests keep flowing", async () => {
    try {
      server = await startRedisServer();
    } catch (err) {
      if (process.env.CI === "true") throw err;
      console.warn(`[budget-redis] cannot start redis-server (${(err as Error).message}): hang test skipped`);
      return;
    }
    const redis = client(server.url);
    const prefix = uniquePrefix("hang");
    const f = createFactory({ redis, keyPrefix: prefix, fallbackShare: 0.5, storeTimeoutMs: 150 });
    factories.push(f);
    await waitFor(() => redis.status === "ready", "redis ready");
    const limit = 40;
    expect(await burst(f, "before", limit, 50)).toBe(limit);
    server.pause();
    const started = Date.now();
    const during = await burst(f, "hung", limit, 50);
    const took = Date.now() - started;
    expect(redis.status).toBe("ready"); // the socket is still open: only the timeout can tell
    expect(during).toBe(limit * 0.5);
    expect(took).toBeLessThan(5000); // bounded by the store timeout, not by Redis
    expect(f.health().status).toBe("degraded");
    server.resume();
    await waitFor(() => {
      f.health(); // pings Redis while degraded
      return f.health().status === "up";
    }, "the shared store to answer again");
    expect(await burst(f, "after", limit, 50)).toBe(limit);
  });
});

describe("budget while its Redis goes away and comes back", () => {
  let server: RedisServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps admitting at the fallback share, reports degraded, and shares again once Redis is back", async () => {
    try {
      server = await startRedisServer();
    } catch (err) {
      if (process.env.CI === "true") throw err;
      console.warn(
        `[budget-redis] cannot start redis-server (${(err as Error).message}): outage test skipped`,
      );
      return;
    }
    const warnings: string[] = [];
    const infos: string[] = [];
    const redis = client(server.url);
    const prefix = uniquePrefix("outage");
    const f = createFactory({
      redis,
      keyPrefix: prefix,
      fallbackShare: 0.5,
      storeTimeoutMs: 200,
      logger: { warn: (_o, m) => void warnings.push(m ?? ""), info: (_o, m) => void infos.push(m ?? "") },
    });
    factories.push(f);
    await waitFor(() => redis.status === "ready", "redis ready");
    const limit = 40;
    expect(await burst(f, "acct-shared", limit, 50)).toBe(limit);
    expect(f.health().status).toBe("up");

    await server.stop();
    await waitFor(() => redis.status !== "ready", "redis to be seen down");
    // requests keep flowing, at the fallback share, without errors other than budget refusals
    const during = await burst(f, "acct-outage", limit, 50);
    expect(during).toBe(limit * 0.5);
    expect(f.health().status).toBe("degraded");
    expect(warnings.some((m) => /unreachable/.test(m))).toBe(true);

    await server.start();
    await waitFor(() => redis.status === "ready", "redis to reconnect", 15_000);
    const after = await burst(f, "acct-back", limit, 50);
    expect(after).toBe(limit);
    expect(f.health().status).toBe("up");
    expect(infos.some((m) => /back/.test(m))).toBe(true);
    // what was spent from the fallback during the outage is in the shared set now
    const owedSeen = createFactory({ redis: client(server.url), keyPrefix: prefix, fallbackShare: 0.5 });
    factories.push(owedSeen);
    await waitFor(() => clients.at(-1)!.status === "ready", "third client");
    expect(await burst(owedSeen, "acct-outage", limit, 50)).toBe(limit - limit * 0.5);
    // shared again: a second instance sees the same window as spent
    const otherRedis = client(server.url);
    const other = createFactory({ redis: otherRedis, keyPrefix: prefix, fallbackShare: 0.5 });
    factories.push(other);
    await waitFor(() => otherRedis.status === "ready", "second client");
    expect(await burst(other, "acct-back", limit, 10)).toBe(0);
  });
});
