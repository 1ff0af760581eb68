/**
 * Budget slots shared by every instance through Redis: one sorted set per account
 * (`<prefix><accountId>`) holding a member per slot spent in the last span, scored by
 * Redis' own clock, so instance clock skew does not matter. One Lua call spends a whole
 * batch atomically. While Redis is unreachable (not ready, erroring or slower than
 * `storeTimeoutMs`) each instance spends from an in-memory fallback holding
 * `fallbackShare` of each limit, so N instances with a share of 1/N stay under it
 * together; the store reports `degraded` and logs each transition.
 *
 * A budget can be spent as one burst, so the switch must not hand out a fresh budget:
 * when an outage starts, each instance's fallback begins with its share of what Redis
 * last said was spent (U), so the N instances together add at most N × share × (limit −
 * U) ≤ limit − U in that minute; and slots spent from the fallback are added to the
 * shared set once Redis answers again, so every instance sees them after the outage.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { type Clock, systemClock } from "../resilience/clock.js";
import { createMemorySlotStore, type SlotGrant, type SlotStore } from "../resilience/slot-store.js";

export interface RedisSlotStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Share of each limit one instance may spend while Redis is unreachable, in (0, 1]. */
  readonly fallbackShare: number;
  readonly spanMs?: number;
  /** A Redis answer slower than this counts as unreachable (default 250 ms). */
  readonly storeTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: { warn(o: object, m?: string): void; info(o: object, m?: string): void } | undefined;
}

/**
 * KEYS[1] the account's set; ARGV: wanted, limit, span ms, member prefix, slots owed
 * (spent from the fallback during an outage, recorded first).
 * Returns { granted, ms until the oldest slot frees (0 if room is left) }.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want, limit, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
for i = 1, tonumber(ARGV[5]) do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':owed:' .. i) end
local used = redis.call('ZCARD', KEYS[1])
local granted = math.max(0, math.min(want, limit - used))
for i = 1, granted do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
if granted > 0 then redis.call('PEXPIRE', KEYS[1], span) end
local wait = 0
if used + granted >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] then wait = math.max(1, tonumber(oldest[2]) + span - now) end
end
return { granted, wait, used + granted }
`;

/** Members of the newest slots per key (null: spent from the fallback), for release. */
const MAX_REMEMBERED = 256;

export function createRedisSlotStore(o: RedisSlotStoreOptions): SlotStore {
  if (!(o.fallbackShare > 0 && o.fallbackShare <= 1)) {
    throw new RangeError(`fallbackShare must be in (0, 1], got ${o.fallbackShare}`);
  }
  const clock = o.clock ?? systemClock;
  const spanMs = o.spanMs ?? 60_000;
  const timeoutMs = o.storeTimeoutMs ?? 250;
  /** This instance's fallback budgets (seeded at each outage with its share of what was spent). */
  const fallback = createMemorySlotStore({ clock, spanMs });
  /** What Redis last said was spent per key, and when. */
  const known = new Map<string, { used: number; at: number }>();
  /** Keys whose fallback was seeded in this outage. */
  const seeded = new Set<string>();
  /** Times of fallback admissions Redis has not heard of yet, per key. */
  const owed = new Map<string, number[]>();
  const instance = randomUUID().slice(0, 8);
  const recent = new Map<string, (string | null)[]>();
  let seq = 0;
  let degraded = false;
  let pinging = false;

  const setDegraded = (next: boolean, reason?: string): void => {
    if (next === degraded) return;
    degraded = next;
    if (next) {
      o.logger?.warn(
        { component: "budget-store", fallbackShare: o.fallbackShare, reason },
        "budget store (Redis) unreachable: each instance now uses its fallback share of every budget",
      );
    } else {
      o.logger?.info({ component: "budget-store" }, "budget store (Redis) is back: budgets are shared again");
      flushOwed();
    }
  };

  /** Back from an outage: tell Redis what every account spent from the fallback meanwhile. */
  const flushOwed = (): void => {
    seeded.clear();
    for (const key of [...owed.keys()]) {
      const debt = owedNow(key);
      owed.delete(key);
      if (debt === 0) continue;
      const member = `${instance}:${++seq}`;
      o.redis.eval(TAKE, 1, `${o.keyPrefix}${key}`, 0, 0, spanMs, member, debt).catch(() => undefined);
    }
  };

  const remember = (key: string, members: (string | null)[]): void => {
    let list = recent.get(key);
    if (!list) {
      list = [];
      recent.set(key, list);
    }
    list.push(...members);
    if (list.length > MAX_REMEMBERED) list.splice(0, list.length - MAX_REMEMBERED);
  };

  const fromFallback = (key: string, want: number, limit: number): SlotGrant => {
    const k = known.get(key);
    if (!seeded.has(key)) {
      seeded.add(key);
      // the rest of this minute: this instance's share of what Redis had left
      if (k && clock.now() - k.at < spanMs) fallback.take(key, Math.ceil(k.used * o.fallbackShare), Infinity);
    }
    const g = fallback.take(key, want, Math.max(1, Math.floor(limit * o.fallbackShare))) as SlotGrant;
    remember(
      key,
      Array.from({ length: g.granted }, () => null),
    );
    if (g.granted > 0) {
      const list = owed.get(key) ?? [];
      const t = clock.now();
      for (let i = 0; i < g.granted; i++) list.push(t);
      owed.set(key, list);
    }
    return g;
  };

  /** Fallback admissions still inside the span (older ones no longer matter to anyone). */
  const owedNow = (key: string): number => {
    const list = owed.get(key);
    if (!list) return 0;
    const horizon = clock.now() - spanMs;
    return list.filter((t) => t > horizon).length;
  };

  const withTimeout = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new Error(`redis slower than ${timeoutMs} ms`)), timeoutMs);
      p.then(
        (v) => {
          clock.clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clock.clearTimeout(timer);
          reject(err);
        },
      );
    });

  return {
    synchronous: false,
    async take(key, want, limit) {
      if (o.redis.status !== "ready") {
        setDegraded(true, `redis ${o.redis.status}`);
        return fromFallback(key, want, limit);
      }
      const member = `${instance}:${++seq}`;
      const debt = owedNow(key);
      try {
        const [granted, wait, used] = (await withTimeout(
          o.redis.eval(TAKE, 1, `${o.keyPrefix}${key}`, want, limit, spanMs, member, debt),
        )) as [number, number, number];
        owed.delete(key); // sent with this call: not again by the flush below
        setDegraded(false);
        known.set(key, { used, at: clock.now() });
        remember(
          key,
          Array.from({ length: granted }, (_, i) => `${member}:${i + 1}`),
        );
        return { granted, retryInMs: wait };
      } catch (err) {
        setDegraded(true, err instanceof Error ? err.message : String(err));
        return fromFallback(key, want, limit);
      }
    },
    release(key, count) {
      const list = recent.get(key);
      if (!list) return;
      const members = list.splice(Math.max(0, list.length - count));
      const shared = members.filter((m): m is string => m !== null);
      const unowed = members.length - shared.length;
      if (unowed > 0) {
        fallback.release(key, unowed);
        owed.get(key)?.splice(-unowed);
      }
      if (shared.length > 0) o.redis.zrem(`${o.keyPrefix}${key}`, ...shared).catch(() => undefined);
    },
    health() {
      const redis = o.redis;
      if (redis.status !== "ready") {
        setDegraded(true, `redis ${redis.status}`);
        return {
          status: "degraded",
          detail: `Redis ${redis.status}: budgets fall back to ${o.fallbackShare} of each limit per instance`,
        };
      }
      if (degraded && !pinging) {
        // no traffic may follow the outage: confirm the shared store answers again
        pinging = true;
        redis
          .ping()
          .then(() => setDegraded(false))
          .catch(() => undefined)
          .finally(() => {
            pinging = false;
          });
      }
      return degraded
        ? { status: "degraded", detail: `Redis not answering: budgets use ${o.fallbackShare} of each limit` }
        : { status: "up", detail: "budgets shared through Redis" };
    },
  };
}
