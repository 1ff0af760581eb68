/**
 * The shared state store in Redis, for instances that share one. Keys live under their
 * own prefix (`<cache.redisKeyPrefix>state:`), apart from the market-data cache: entry
 * `<prefix>kv:<ns>:<key>`, namespace version `<prefix>v:<ns>`. Each write and its version
 * bump run in one Lua script, so they are atomic. Eviction is a server-wide policy, so a
 * prefix alone cannot protect these keys: the Redis that holds them must run with
 * `maxmemory-policy noeviction` and persistence (docs/deploy.md); `openStateStore` warns
 * when it does not.
 *
 * The client should fail fast (`enableOfflineQueue: false`): while Redis is unreachable a
 * write fails, and the order ledger then refuses the order instead of sending it unrecorded.
 */
import type { Redis } from "ioredis";
import { checkNamespace, type StateStore, ttlOf } from "./state-store.js";

export interface RedisStoreOptions {
  readonly redis: Redis;
  /** Prefix of every key, e.g. `paddock:state:`. */
  readonly keyPrefix: string;
  /** Whether close() disconnects the client (true when the store made it). */
  readonly ownsClient?: boolean;
}

// KEYS[1] entry, KEYS[2] version. ARGV[1] value, ARGV[2] ttl ms ("0": none).
const PUT = `
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[2])
return 1
`;
const PUT_IF_ABSENT = `
local ok
if tonumber(ARGV[2]) > 0 then ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')
else ok = redis.call('SET', KEYS[1], ARGV[1], 'NX') end
if ok then redis.call('INCR', KEYS[2]) return {1} end
return {0, redis.call('GET', KEYS[1])}
`;
// ARGV[3] the expected current value
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[2])
return 1
`;
const DELETE = `
if redis.call('DEL', KEYS[1]) == 1 then redis.call('INCR', KEYS[2]) return 1 end
return 0
`;

/** Escapes Redis glob characters so a prefix matches only itself in SCAN MATCH. */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export function createRedisStateStore(opts: RedisStoreOptions): StateStore {
  const { redis, keyPrefix } = opts;
  const entryKey = (ns: string, key: string): string => `${keyPrefix}kv:${checkNamespace(ns)}:${key}`;
  const versionKey = (ns: string): string => `${keyPrefix}v:${checkNamespace(ns)}`;
  const ttlArg = (o: Parameters<StateStore["put"]>[3]): string => String(ttlOf(o) ?? 0);

  return {
    kind: "redis",
    location: `redis ${keyPrefix}`,
    async get(ns, key) {
      return (await redis.get(entryKey(ns, key))) ?? undefined;
    },
    async put(ns, key, value, o) {
      await redis.eval(PUT, 2, entryKey(ns, key), versionKey(ns), value, ttlArg(o));
    },
    async putIfAbsent(ns, key, value, o) {
      const r = (await redis.eval(PUT_IF_ABSENT, 2, entryKey(ns, key), versionKey(ns), value, ttlArg(o))) as [
        number,
        string | null | undefined,
      ];
      if (r[0] === 1) return { created: true };
      // the key expired between SET NX and GET (within one script: practically never); report it as taken by ""
      return { created: false, value: r[1] ?? "" };
    },
    async compareAndSet(ns, key, expected, next, o) {
      const r = await redis.eval(
        COMPARE_AND_SET,
        2,
        entryKey(ns, key),
        versionKey(ns),
        next,
        ttlArg(o),
        expected,
      );
      return r === 1;
    },
    async delete(ns, key) {
      return (await redis.eval(DELETE, 2, entryKey(ns, key), versionKey(ns))) === 1;
    },
    async list(ns) {
      // SCAN walks the whole keyspace (cache keys included): fine for the small namespaces that are
      // listed (halts, revocations), and only when their version moved; never used for the ledger
      const head = `${keyPrefix}kv:${checkNamespace(ns)}:`;
      const keys = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${globEscape(head)}*`, "COUNT", 1000);
        for (const k of batch) keys.add(k);
        cursor = next;
      } while (cursor !== "0");
      const sorted = [...keys].sort();
      const out: Array<{ key: string; value: string }> = [];
      for (let i = 0; i < sorted.length; i += 500) {
        const chunk = sorted.slice(i, i + 500);
        const values = await redis.mget(...chunk);
        chunk.forEach((k, j) => {
          const v = values[j];
          if (v !== null && v !== undefined) out.push({ key: k.slice(head.length), value: v });
        });
      }
      return out;
    },
    async version(ns) {
      return Number((await redis.get(versionKey(ns))) ?? 0);
    },
    async ping() {
      const pong = await redis.ping();
      if (pong !== "PONG") throw new Error(`redis answered ${pong}`);
    },
    async close() {
      if (opts.ownsClient) redis.disconnect();
    },
  };
}
