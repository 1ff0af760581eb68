/**
 * Level 1: an in-process LRU bounded in bytes (lru-cache with maxSize and
 * sizeCalculation), each entry with its own TTL. Values are the answer bytes.
 */
import { LRUCache } from "lru-cache";

export interface L1Cache {
  get(key: string): Buffer | undefined;
  /** Ms an entry has left (0 when absent or expired). */
  remainingTtl(key: string): number;
  /** Stores with a TTL in ms; ignored when ttlMs ≤ 0 or the entry is larger than the cache. */
  set(key: string, value: Buffer, ttlMs: number): void;
  /** Bytes currently accounted (values + keys + per-entry overhead). */
  bytes(): number;
  entries(): number;
  clear(): void;
}

/** Rough bookkeeping cost of one entry beyond its key and value. */
const ENTRY_OVERHEAD = 64;

export const entrySize = (key: string, value: Buffer): number =>
  value.length + key.length * 2 + ENTRY_OVERHEAD;

export function createL1Cache(opts: { maxBytes: number; now?: () => number }): L1Cache {
  if (opts.maxBytes <= 0) {
    return {
      get: () => undefined,
      remainingTtl: () => 0,
      set: () => {},
      bytes: () => 0,
      entries: () => 0,
      clear: () => {},
    };
  }
  const lru = new LRUCache<string, { readonly key: string; readonly value: Buffer }>({
    maxSize: opts.maxBytes,
    sizeCalculation: (v) => entrySize(v.key, v.value),
    ttlAutopurge: false,
    allowStale: false,
    updateAgeOnGet: false,
    // Read the clock on every check (the default caches it for 1 ms with a timer).
    ttlResolution: 0,
    ...(opts.now ? { perf: { now: opts.now } } : {}),
  });
  return {
    get: (key) => lru.get(key)?.value,
    remainingTtl: (key) => (lru.has(key) ? Math.max(0, lru.getRemainingTTL(key)) : 0),
    set(key, value, ttlMs) {
      if (ttlMs <= 0) return;
      lru.set(key, { key, value }, { ttl: Math.ceil(ttlMs) });
    },
    bytes: () => lru.calculatedSize,
    entries: () => lru.size,
    clear: () => lru.clear(),
  };
}
