/**
 * Budget slots shared by every instance through Redis: one sorted set per account
 * (`<prefix><accountId>`) holding a member per slot spent in the last span, scored by
 * Redis' own clock, so instance clock skew does not matter. One Lua call spends a whole
 * batch atomically. While Redis is unreachable (not ready, erroring or slower than
 * `storeTimeoutMs`) each instance spends from an in-memory fallback holding
 * `fallbackShare` of each limit, so N instances with a share of 1/N stay under it
 * together; the store reports `degraded` and logs each transition.
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
 * KEYS[1] the account's set; ARGV: wanted, limit, span ms, member prefix.
 * Returns { granted, ms until the oldest slot frees (0 if room is left) }.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want, limit, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local used = redis.call('ZCARD', KEYS[1])
local granted = math.max(0, math.min(want, limit - used))
for i = 1, granted do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
if granted > 0 then redis.call('PEXPIRE', KEYS[1], span) end
local wait = 0
if used + granted >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] then wait = math.max(1, tonumber(oldest[2]) + span - now) end
end
return { granted, wait }
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
  const fallback = createMemorySlotStore({ clock, spanMs });
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
    const g = fallback.take(key, want, Math.max(1, Math.floor(limit * o.fallbackShare))) as SlotGrant;
    remember(
      key,
      Array.from({ length: g.granted }, () => null),
    );
    return g;
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
      try {
        const [granted, wait] = (await withTimeout(
          o.redis.eval(TAKE, 1, `${o.keyPrefix}${key}`, want, limit, spanMs, member),
        )) as [number, number];
        setDegraded(false);
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
      const local = members.length - shared.length;
      if (local > 0) fallback.release(key, local);
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
