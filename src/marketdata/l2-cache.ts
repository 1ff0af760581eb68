/**
 * Level 2: Redis, shared by every instance. Entries carry a TTL (Redis expires them)
 * and their absolute expiry (so level 1 never keeps a copy longer than level 2 would).
 * The level is bounded in bytes by a ledger: a Redis hash of bytes written per minute
 * of expiry; a write that would take the live total past `maxBytes` is refused (the
 * entry then lives in level 1 only). Every operation has a short timeout and is skipped
 * while the client is not connected, so a stopped Redis degrades to level 1, never hangs.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface L2Entry {
  readonly value: Buffer;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface L2Cache {
  /** One result per key; undefined for a miss or when Redis is unavailable. */
  getMany(keys: readonly string[]): Promise<Array<L2Entry | undefined>>;
  /** Stores entries sharing one TTL. Resolves to how many were stored (0 when refused or unavailable). */
  setMany(entries: ReadonlyArray<{ key: string; value: Buffer }>, ttlMs: number): Promise<number>;
  /** Live bytes according to the shared ledger (undefined when Redis is unavailable). */
  usedBytes(): Promise<number | undefined>;
  ping(): Promise<boolean>;
}

export interface L2Options {
  readonly redis: Redis;
  /** Prefix of every key (cache.redisKeyPrefix). */
  readonly keyPrefix: string;
  readonly maxBytes: number;
  readonly now: () => number;
  /** Per-operation timeout. */
  readonly timeoutMs?: number;
  readonly onError?: (op: "get" | "set" | "ledger" | "ping", err: unknown) => void;
  readonly onRejected?: (count: number) => void;
}

/** Ledger bucket width: an entry's bytes are counted until the end of its expiry minute. */
export const LEDGER_BUCKET_MS = 60_000;
const HEADER_BYTES = 8;
const KEY_OVERHEAD = 64;

/**
 * KEYS[1] ledger hash. ARGV: 1 current bucket, 2 max bytes, 3 bytes to add (0 = read only),
 * 4 bucket of the entries' expiry, 5 ledger TTL ms. Drops dead buckets, then admits or refuses.
 * Returns {admitted (1/0), live total after}.
 */
const LEDGER_SCRIPT = `
local now = tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  if tonumber(fields[i]) < now then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    total = total + tonumber(fields[i + 1])
  end
end
local add = tonumber(ARGV[3])
if add == 0 then return {1, total} end
if total + add > tonumber(ARGV[2]) then return {0, total} end
redis.call('HINCRBY', KEYS[1], ARGV[4], add)
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return {1, total + add}
`;

class L2Timeout extends Error {
  constructor(ms: number) {
    super(`redis operation timed out after ${ms} ms`);
  }
}

export function createL2Cache(opts: L2Options): L2Cache {
  const { redis, now } = opts;
  const timeoutMs = opts.timeoutMs ?? 250;
  const ledgerKey = `${opts.keyPrefix}md:ledger`;
  const redisKey = (key: string): string =>
    key.length > 200
      ? `${opts.keyPrefix}md:h:${createHash("sha256").update(key).digest("base64url")}`
      : `${opts.keyPrefix}md:${key}`;

  const ready = (): boolean => redis.status === "ready";

  async function bounded<T>(op: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new L2Timeout(timeoutMs)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function ledger(add: number, expiryBucket: number, ledgerTtlMs: number): Promise<[number, number]> {
    const reply = (await bounded(
      redis.eval(
        LEDGER_SCRIPT,
        1,
        ledgerKey,
        Math.floor(now() / LEDGER_BUCKET_MS),
        opts.maxBytes,
        add,
        expiryBucket,
        ledgerTtlMs,
      ),
    )) as [number, number];
    return [Number(reply[0]), Number(reply[1])];
  }

  return {
    async getMany(keys) {
      if (keys.length === 0) return [];
      if (!ready()) return keys.map(() => undefined);
      let raw: Array<Buffer | null>;
      try {
        raw = await bounded(redis.mgetBuffer(...keys.map(redisKey)));
      } catch (err) {
        opts.onError?.("get", err);
        return keys.map(() => undefined);
      }
      const t = now();
      return raw.map((buf) => {
        if (!buf || buf.length < HEADER_BYTES) return undefined;
        const expiresAt = buf.readDoubleBE(0);
        return expiresAt > t ? { value: buf.subarray(HEADER_BYTES), expiresAt } : undefined;
      });
    },

    async setMany(entries, ttlMs) {
      if (entries.length === 0 || ttlMs <= 0 || !ready()) return 0;
      const ttl = Math.ceil(ttlMs);
      const expiresAt = now() + ttl;
      const keyed = entries.map((e) => ({ key: redisKey(e.key), value: e.value }));
      const bytes = keyed.reduce(
        (n, e) => n + e.key.length + e.value.length + HEADER_BYTES + KEY_OVERHEAD,
        0,
      );
      try {
        const bucket = Math.floor(expiresAt / LEDGER_BUCKET_MS);
        const [admitted] = await ledger(bytes, bucket, (bucket + 1) * LEDGER_BUCKET_MS - now() + 1000);
        if (admitted !== 1) {
          opts.onRejected?.(entries.length);
          return 0;
        }
      } catch (err) {
        opts.onError?.("ledger", err);
        return 0;
      }
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      header.writeDoubleBE(expiresAt, 0);
      const pipeline = redis.pipeline();
      for (const e of keyed) pipeline.set(e.key, Buffer.concat([header, e.value]), "PX", ttl);
      try {
        const results = await bounded(pipeline.exec());
        return (results ?? []).filter(([err]) => !err).length;
      } catch (err) {
        opts.onError?.("set", err);
        return 0;
      }
    },

    async usedBytes() {
      if (!ready()) return undefined;
      try {
        const [, total] = await ledger(0, 0, 0);
        return total;
      } catch (err) {
        opts.onError?.("ledger", err);
        return undefined;
      }
    },

    async ping() {
      if (!ready()) return false;
      try {
        return (await bounded(redis.ping())) === "PONG";
      } catch (err) {
        opts.onError?.("ping", err);
        return false;
      }
    },
  };
}
