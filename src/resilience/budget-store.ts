/**
 * Where budget slots are counted: rate-limiter-flexible's RateLimiterMemory in one
 * process, or RateLimiterRedis shared by every instance. While Redis is unreachable
 * (not ready, erroring or slower than `storeTimeoutMs`), rate-limiter-flexible's
 * `insuranceLimiter` answers instead: an in-memory limiter holding `fallbackShare` of
 * the budget, so N instances with a share of 1/N stay under the limit together. The
 * store notices which limiter answered to report `degraded` and log each transition.
 */
import type { Redis } from "ioredis";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from "rate-limiter-flexible";
import type { CheckResult } from "../observability/health.js";
import { planWindows, type WindowPlan } from "./window-plan.js";

export type SlotDecision = { readonly ok: true } | { readonly ok: false; readonly msBeforeNext: number };

export interface SlotLimiter {
  readonly plan: WindowPlan;
  /** Spends one slot of `accountId` now, or says how long until the next window. */
  consume(accountId: string): Promise<SlotDecision>;
}

export interface BudgetLogger {
  warn(o: object, m?: string): void;
  info(o: object, m?: string): void;
}

export interface BudgetStoreOptions {
  readonly redis?: Redis | undefined;
  readonly keyPrefix: string;
  readonly fallbackShare: number;
  /** A Redis answer slower than this counts as unreachable (default 250 ms). */
  readonly storeTimeoutMs?: number;
  readonly spanMs?: number;
  readonly logger?: BudgetLogger | undefined;
}

export interface BudgetStore {
  limiter(limitPerMinute: number): SlotLimiter;
  health(): CheckResult;
  /** True while the shared store is not answering (fallback share in use). */
  degraded(): boolean;
}

/** A memory limiter that reports each use: used only as insurance, so a use means Redis failed. */
class ObservedMemoryLimiter extends RateLimiterMemory {
  readonly #onUse: () => void;
  constructor(opts: ConstructorParameters<typeof RateLimiterMemory>[0], onUse: () => void) {
    super(opts);
    this.#onUse = onUse;
  }
  override consume(
    key: string | number,
    points?: number,
    // biome-ignore lint/suspicious/noExplicitAny: rate-limiter-flexible types its options bag as any
    options?: { [key: string]: any },
  ): Promise<RateLimiterRes> {
    this.#onUse();
    return super.consume(key, points, options);
  }
}

const toDecision = async (p: Promise<RateLimiterRes>): Promise<SlotDecision> => {
  try {
    await p;
    return { ok: true };
  } catch (err) {
    if (err instanceof RateLimiterRes) return { ok: false, msBeforeNext: Math.max(1, err.msBeforeNext) };
    throw err;
  }
};

export function createBudgetStore(o: BudgetStoreOptions): BudgetStore {
  if (!(o.fallbackShare > 0 && o.fallbackShare <= 1)) {
    throw new RangeError(`fallbackShare must be in (0, 1], got ${o.fallbackShare}`);
  }
  const prefix = o.keyPrefix.replace(/:+$/, ""); // rate-limiter-flexible adds its own ":"
  const spanOptions = o.spanMs === undefined ? {} : { spanMs: o.spanMs };
  const limiters = new Map<number, SlotLimiter>();
  let fallbackUses = 0;
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

  const memoryLimiter = (limit: number): SlotLimiter => {
    const plan = planWindows(limit, spanOptions);
    const rl = new RateLimiterMemory({
      keyPrefix: prefix,
      points: plan.points,
      duration: plan.windowSeconds,
    });
    return { plan, consume: (id) => toDecision(rl.consume(id)) };
  };

  const redisLimiter = (redis: Redis, limit: number): SlotLimiter => {
    const plan = planWindows(limit, spanOptions);
    const share = Math.max(1, Math.floor(limit * o.fallbackShare));
    const fallbackPlan = planWindows(share, spanOptions);
    const insurance = new ObservedMemoryLimiter(
      { keyPrefix: `${prefix}:fallback`, points: fallbackPlan.points, duration: fallbackPlan.windowSeconds },
      () => {
        fallbackUses++;
      },
    );
    const shared = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: prefix,
      points: plan.points,
      duration: plan.windowSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
    const rl = new RLWrapperTimeouts({
      limiter: shared,
      timeoutMs: o.storeTimeoutMs ?? 250,
      insuranceLimiter: insurance,
    });
    return {
      plan,
      async consume(id) {
        const before = fallbackUses;
        const decision = await toDecision(rl.consume(id));
        if (fallbackUses !== before) setDegraded(true, `redis ${redis.status}`);
        else setDegraded(false);
        return decision;
      },
    };
  };

  return {
    limiter(limit) {
      let l = limiters.get(limit);
      if (!l) {
        l = o.redis ? redisLimiter(o.redis, limit) : memoryLimiter(limit);
        limiters.set(limit, l);
      }
      return l;
    },
    degraded: () => degraded || (o.redis !== undefined && o.redis.status !== "ready"),
    health() {
      const redis = o.redis;
      if (!redis) return { status: "up", detail: "in-memory budgets (no Redis configured)" };
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
