import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createL1Cache, entrySize } from "../../../src/marketdata/l1-cache.js";
import { createL2Cache, LEDGER_BUCKET_MS } from "../../../src/marketdata/l2-cache.js";
import { createSingleFlight } from "../../../src/marketdata/single-flight.js";
import { deleteKeys, getRedisUrl, uniquePrefix } from "./redis-fixture.js";

describe("level 1 (in-process LRU bounded in bytes)", () => {
  it("evicts the least recently used entries to stay under maxBytes", () => {
    const value = Buffer.alloc(1000, 1);
    const one = entrySize("k0", value);
    const l1 = createL1Cache({ maxBytes: one * 3 });
    for (let i = 0; i < 3; i++) l1.set(`k${i}`, value, 60_000);
    expect(l1.get("k0")).toBeDefined(); // k0 is now the most recent
    l1.set("k3", value, 60_000);
    expect(l1.entries()).toBe(3);
    expect(l1.bytes()).toBeLessThanOrEqual(one * 3);
    expect(l1.get("k1")).toBeUndefined();
    expect(l1.get("k0")).toEqual(value);
    expect(l1.get("k3")).toEqual(value);
  });

  it("expires entries by their own TTL on an injected clock", () => {
    let t = 1_000_000;
    const l1 = createL1Cache({ maxBytes: 1 << 20, now: () => t });
    l1.set("short", Buffer.from("a"), 1000);
    l1.set("long", Buffer.from("b"), 60_000);
    l1.set("never", Buffer.from("c"), 0);
    t += 999;
    expect(l1.get("short")?.toString()).toBe("a");
    t += 2;
    expect(l1.get("short")).toBeUndefined();
    expect(l1.get("long")?.toString()).toBe("b");
    expect(l1.get("never")).toBeUndefined();
  });

  it("refuses entries larger than the whole cache and does nothing when sized 0", () => {
    const l1 = createL1Cache({ maxBytes: 100 });
    l1.set("big", Buffer.alloc(500), 60_000);
    expect(l1.get("big")).toBeUndefined();
    const off = createL1Cache({ maxBytes: 0 });
    off.set("k", Buffer.from("v"), 60_000);
    expect(off.get("k")).toBeUndefined();
    expect(off.bytes()).toBe(0);
  });
});

describe("single-flight", () => {
  it("gives concurrent callers of a key the same load and clears it when settled", async () => {
    const sf = createSingleFlight<string>();
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const [a, b] = sf.run(["a", "b"], async ({ resolve }) => {
      loads++;
      await gate;
      resolve("a", "A");
      resolve("b", "B");
    });
    expect(sf.get("a")).toBe(a);
    expect(sf.get("b")).toBe(b);
    expect(sf.size).toBe(2);
    release();
    expect(await Promise.all([a, b, sf.get("a")])).toEqual(["A", "B", "A"]);
    expect(loads).toBe(1);
    expect(sf.size).toBe(0);
    expect(() => sf.run(["x", "x"], async ({ resolve }) => resolve("x", "X"))).not.toThrow();
  });

  it("rejects keys the load left unsettled, and all keys when it throws", async () => {
    const sf = createSingleFlight<number>();
    const [p1, p2] = sf.run(["one", "two"], async ({ resolve }) => resolve("one", 1));
    await expect(p1).resolves.toBe(1);
    await expect(p2).rejects.toThrow(/without settling/);
    const [p3] = sf.run(["three"], async () => {
      throw new Error("boom");
    });
    await expect(p3).rejects.toThrow("boom");
    expect(sf.size).toBe(0);
  });

  it("refuses to start a second load for a key in flight", () => {
    const sf = createSingleFlight<number>();
    sf.run(["k"], () => new Promise(() => {}));
    expect(() => sf.run(["k"], async () => {})).toThrow(/already in flight/);
  });
});

describe("level 2 (Redis)", async () => {
  const url = await getRedisUrl();
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(() => {
    if (url) redis = new Redis(url);
  });
  afterAll(async () => {
    if (!url) return;
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it.skipIf(!url)(
    "stores entries with a TTL and their expiry, and reads them back in one round trip",
    async () => {
      let t = Date.now();
      await redis.ping();
      const l2 = createL2Cache({ redis, keyPrefix: prefix, maxBytes: 1 << 20, now: () => t });
      const long = `k:${"x".repeat(300)}`; // hashed into a short Redis key
      expect(
        await l2.setMany(
          [
            { key: "a", value: Buffer.from('{"p":1}') },
            { key: long, value: Buffer.from("") },
          ],
          5000,
        ),
      ).toBe(2);
      const [a, empty, missing] = await l2.getMany(["a", long, "nope"]);
      expect(a?.value.toString()).toBe('{"p":1}');
      expect(a?.expiresAt).toBe(t + 5000);
      expect(empty?.value.length).toBe(0);
      expect(missing).toBeUndefined();
      const pttl = await redis.pttl(`${prefix}md:a`);
      expect(pttl).toBeGreaterThan(4000);
      expect(pttl).toBeLessThanOrEqual(5000);
      // past its recorded expiry it is a miss even if Redis still holds it
      t += 5001;
      expect((await l2.getMany(["a"]))[0]).toBeUndefined();
    },
  );

  it.skipIf(!url)(
    "refuses writes past maxBytes and counts bytes only until their expiry minute ends",
    async () => {
      const p = uniquePrefix();
      let t = Date.now();
      let rejected = 0;
      const l2 = createL2Cache({
        redis,
        keyPrefix: p,
        maxBytes: 5000,
        now: () => t,
        onRejected: (n) => {
          rejected += n;
        },
      });
      const value = Buffer.alloc(1500, 65);
      expect(await l2.setMany([{ key: "a", value }], 1000)).toBe(1);
      expect(await l2.setMany([{ key: "b", value }], 1000)).toBe(1);
      expect(await l2.setMany([{ key: "c", value }], 1000)).toBe(1);
      const used = await l2.usedBytes();
      expect(used).toBeGreaterThan(3 * 1500);
      expect(used).toBeLessThanOrEqual(5000);
      expect(await l2.setMany([{ key: "d", value }], 1000)).toBe(0);
      expect(rejected).toBe(1);
      expect((await l2.getMany(["d"]))[0]).toBeUndefined();
      // once their expiry bucket is over, the bytes no longer count
      t += 2 * LEDGER_BUCKET_MS;
      expect(await l2.usedBytes()).toBe(0);
      expect(await l2.setMany([{ key: "d", value }], 1000)).toBe(1);
      await deleteKeys(redis, p);
    },
  );

  it("answers misses at once when Redis is unreachable", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const l2 = createL2Cache({ redis: dead, keyPrefix: "x:", maxBytes: 1000, now: Date.now });
    const started = Date.now();
    expect(await l2.getMany(["a", "b"])).toEqual([undefined, undefined]);
    expect(await l2.setMany([{ key: "a", value: Buffer.from("v") }], 1000)).toBe(0);
    expect(await l2.usedBytes()).toBeUndefined();
    expect(await l2.ping()).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    dead.disconnect();
  });
});
