/**
 * Where block orders are kept so that a retry after a restart still answers the same
 * children and places nothing new. The interface is the subset of the gateway's durable
 * state store (src/state/state-store.ts) that blocks need, so that store can be passed
 * as it is; until it is wired, blocks live in Redis when the gateway has one
 * (`createRedisBlockStore`: they survive a restart) and in memory otherwise.
 */

export interface BlockStateStore {
  get(ns: string, key: string): Promise<string | undefined>;
  put(ns: string, key: string, value: string): Promise<void>;
  putIfAbsent(
    ns: string,
    key: string,
    value: string,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly value: string }>;
}

export function createMemoryBlockStore(): BlockStateStore {
  const data = new Map<string, string>();
  const k = (ns: string, key: string) => `${ns}\u0000${key}`;
  return {
    async get(ns, key) {
      return data.get(k(ns, key));
    },
    async put(ns, key, value) {
      data.set(k(ns, key), value);
    },
    async putIfAbsent(ns, key, value) {
      const had = data.get(k(ns, key));
      if (had !== undefined) return { created: false, value: had };
      data.set(k(ns, key), value);
      return { created: true };
    },
  };
}

/** Blocks are answered for a week; then a retry of the block is a new block (its children replay via the ledger while it remembers them). */
export const BLOCK_TTL_SECONDS = 7 * 24 * 3600;

/** Minimal Redis surface the store uses (ioredis's `Redis` fits). */
export interface BlockRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ex: "EX", seconds: number): Promise<unknown>;
  set(key: string, value: string, ex: "EX", seconds: number, nx: "NX"): Promise<"OK" | null>;
}

/** Blocks in Redis (when the gateway has one): shared by instances, kept across restarts. */
export function createRedisBlockStore(redis: BlockRedis, keyPrefix: string): BlockStateStore {
  const k = (ns: string, key: string) => `${keyPrefix}${ns}:${key}`;
  return {
    async get(ns, key) {
      return (await redis.get(k(ns, key))) ?? undefined;
    },
    async put(ns, key, value) {
      await redis.set(k(ns, key), value, "EX", BLOCK_TTL_SECONDS);
    },
    async putIfAbsent(ns, key, value) {
      if ((await redis.set(k(ns, key), value, "EX", BLOCK_TTL_SECONDS, "NX")) === "OK")
        return { created: true };
      const had = await redis.get(k(ns, key));
      return had === null ? this.putIfAbsent(ns, key, value) : { created: false, value: had };
    },
  };
}
