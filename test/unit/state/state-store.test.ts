import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMemoryStateStore,
  createRedisStateStore,
  openSqliteStateStore,
  type StateStore,
  watchNamespace,
} from "../../../src/state/index.js";
import { getRedisUrl, uniquePrefix } from "../../helpers/redis.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "paddock-state-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

const waitFor = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 3000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Harness {
  store: StateStore;
  /** Moves the store's clock (or waits for real time to pass for Redis). */
  advance(ms: number): Promise<void>;
}

function contract(name: string, make: () => Promise<Harness>) {
  describe(`${name} state store`, () => {
    it("puts, gets and deletes, namespaces apart", async () => {
      const { store } = await make();
      expect(await store.get("halts", "a")).toBeUndefined();
      await store.put("halts", "a", "1");
      await store.put("orders", "a", "other");
      expect(await store.get("halts", "a")).toBe("1");
      await store.put("halts", "a", "2");
      expect(await store.get("halts", "a")).toBe("2");
      expect(await store.delete("halts", "a")).toBe(true);
      expect(await store.delete("halts", "a")).toBe(false);
      expect(await store.get("halts", "a")).toBeUndefined();
      expect(await store.get("orders", "a")).toBe("other");
    });

    it("claims a key once with putIfAbsent; the loser reads the winner's value", async () => {
      const { store } = await make();
      expect(await store.putIfAbsent("orders", "acct:cid:1", "first")).toEqual({ created: true });
      expect(await store.putIfAbsent("orders", "acct:cid:1", "second")).toEqual({
        created: false,
        value: "first",
      });
      const racers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.putIfAbsent("orders", "race", `v${i}`)),
      );
      expect(racers.filter((r) => r.created)).toHaveLength(1);
    });

    it("compareAndSet replaces only the value it was given", async () => {
      const { store } = await make();
      await store.put("orders", "k", "a");
      expect(await store.compareAndSet("orders", "k", "b", "c")).toBe(false);
      expect(await store.compareAndSet("orders", "k", "a", "c")).toBe(true);
      expect(await store.get("orders", "k")).toBe("c");
      expect(await store.compareAndSet("orders", "missing", "a", "c")).toBe(false);
      expect(await store.get("orders", "missing")).toBeUndefined();
    });

    it("expires keys after their ttl; an expired key can be claimed again", async () => {
      const { store, advance } = await make();
      await store.put("revocations", "t", "x", { ttlMs: 40 });
      await store.put("revocations", "forever", "y");
      expect(await store.get("revocations", "t")).toBe("x");
      await advance(40);
      expect(await store.get("revocations", "t")).toBeUndefined();
      expect((await store.list("revocations")).map((e) => e.key)).toEqual(["forever"]);
      expect(await store.putIfAbsent("revocations", "t", "z", { ttlMs: 60_000 })).toEqual({ created: true });
      await expect(store.put("revocations", "bad", "v", { ttlMs: 0 })).rejects.toThrow(/ttlMs/);
    });

    it("lists a namespace in key order, keys with ':' intact", async () => {
      const { store } = await make();
      await store.put("revocations", "sub:b", "2");
      await store.put("revocations", "jti:a:b", "1");
      await store.put("halts", "*", "h");
      expect(await store.list("revocations")).toEqual([
        { key: "jti:a:b", value: "1" },
        { key: "sub:b", value: "2" },
      ]);
      expect(await store.list("halts")).toEqual([{ key: "*", value: "h" }]);
      expect(await store.list("orders")).toEqual([]);
    });

    it("moves a namespace's version with every write, and only that namespace's", async () => {
      const { store } = await make();
      const v0 = await store.version("halts");
      const other0 = await store.version("revocations");
      await store.put("halts", "a", "1");
      const v1 = await store.version("halts");
      expect(v1).not.toBe(v0);
      await store.putIfAbsent("halts", "a", "again"); // not written: no change
      expect(await store.version("halts")).toBe(v1);
      await store.delete("halts", "a");
      expect(await store.version("halts")).not.toBe(v1);
      expect(await store.version("revocations")).toBe(other0);
    });

    it("refuses a namespace that is not a plain name", async () => {
      const { store } = await make();
      await expect(store.put("Bad:ns", "k", "v")).rejects.toThrow(/namespace/);
      await store.ping();
    });
  });
}

contract("memory", async () => {
  let t = 1_000;
  return {
    store: createMemoryStateStore({ now: () => t }),
    advance: async (ms) => {
      t += ms;
    },
  };
});

contract("sqlite", async () => {
  let t = 1_000;
  const store = openSqliteStateStore({ file: join(await tempDir(), "s", "state.db"), now: () => t });
  cleanups.push(() => store.close());
  return {
    store,
    advance: async (ms) => {
      t += ms;
    },
  };
});

const redisUrl = await getRedisUrl();
describe.skipIf(redisUrl === undefined)("redis", () => {
  contract("redis", async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.quit());
    const store = createRedisStateStore({ redis, keyPrefix: uniquePrefix("state-store") });
    return {
      store,
      // real time in Redis: wait until a key given the same ttl now has expired in Redis itself
      advance: async (ms) => {
        const probe = `${uniquePrefix("probe")}p`;
        await redis.set(probe, "1", "PX", ms);
        await waitFor(async () => (await redis.exists(probe)) === 0, "redis to expire a probe key");
      },
    };
  });

  it("keeps durable keys under their own prefix with the ttl asked for", async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.quit());
    const prefix = uniquePrefix("state-layout");
    const store = createRedisStateStore({ redis, keyPrefix: prefix });
    await store.put("orders", "acct-1:c", "v", { ttlMs: 100_000 });
    expect(await redis.get(`${prefix}kv:orders:acct-1:c`)).toBe("v");
    expect(await redis.pttl(`${prefix}kv:orders:acct-1:c`)).toBeGreaterThan(90_000);
    expect(Number(await redis.get(`${prefix}v:orders`))).toBe(1);
  });
});

describe("sqlite state store on disk", () => {
  it("is shared by two handles on one file and survives closing both", async () => {
    const file = join(await tempDir(), "shared.db");
    const a = openSqliteStateStore({ file });
    const b = openSqliteStateStore({ file });
    expect(await a.putIfAbsent("orders", "k", "from-a")).toEqual({ created: true });
    expect(await b.putIfAbsent("orders", "k", "from-b")).toEqual({ created: false, value: "from-a" });
    // a write without fsync is committed all the same: the other handle reads it at once
    expect(await a.compareAndSet("orders", "k", "from-a", "progress", { durable: false })).toBe(true);
    expect(await b.get("orders", "k")).toBe("progress");
    await b.put("orders", "k", "from-a"); // and durable writes go on after it
    const before = await b.version("halts");
    await a.put("halts", "*", "on");
    await waitFor(async () => (await b.version("halts")) !== before, "b to see a's write");
    expect(await b.list("halts")).toEqual([{ key: "*", value: "on" }]);
    await a.close();
    await b.close();
    await expect(a.get("orders", "k")).rejects.toThrow(/closed/);
    const c = openSqliteStateStore({ file });
    cleanups.push(() => c.close());
    expect(await c.get("orders", "k")).toBe("from-a");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe("namespace view over a store that is down at start", () => {
  it("starts empty instead of failing, reports the error once, and fills when the store answers", async () => {
    const store = createMemoryStateStore();
    await store.put("halts", "*", "on");
    let down = true;
    const flaky: StateStore = {
      ...store,
      version: async (ns) => {
        if (down) throw new Error("connection refused");
        return store.version(ns);
      },
    };
    const errors: unknown[] = [];
    const view = await watchNamespace(flaky, "halts", {
      parse: (_k, v) => v,
      intervalMs: 20,
      onError: (e) => errors.push(e),
    });
    expect(view.entries().size).toBe(0);
    await waitFor(async () => errors.length >= 1, "the first error");
    down = false;
    await waitFor(async () => view.get("*") === "on", "the view to fill");
    expect(errors).toHaveLength(1);
    view.close();
  });
});
