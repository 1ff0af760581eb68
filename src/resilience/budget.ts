/**
 * Per-account upstream budget scheduling. A request spends a slot before it goes
 * upstream, so Alpaca never has to answer 429 because of Paddock's own traffic.
 * Requests over budget wait in the account's priority queue (order mutations, then
 * reads, then bulk; FIFO within a class) for at most `maxWaitMs`, and are refused with
 * PADDOCK_RATE_LIMITED (429 + Retry-After) when the wait would be longer or the queue
 * is full. Slots are counted by rate-limiter-flexible (see budget-store.ts and
 * window-plan.ts for the window arithmetic); Alpaca's own X-RateLimit-* headers
 * tighten the budget when another client shares the key.
 */
import type { Redis } from "ioredis";
import type { BudgetSnapshot, Priority } from "../accounts/types.js";
import { PaddockError } from "../errors.js";
import type { CheckResult } from "../observability/health.js";
import { type BudgetLogger, createBudgetStore, type SlotDecision, type SlotLimiter } from "./budget-store.js";
import { createWaitQueue, PRIORITY_RANK } from "./wait-queue.js";

export interface BudgetFactoryOptions {
  readonly redis?: Redis;
  readonly keyPrefix: string;
  /** Share of each budget one instance may spend while Redis is unreachable. */
  readonly fallbackShare: number;
  readonly now?: () => number;
  readonly logger?: BudgetLogger;
  /** A Redis answer slower than this counts as unreachable (default 250 ms). */
  readonly storeTimeoutMs?: number;
  /** Rolling span the limit holds over (default 61 000 ms: a minute plus 1 s of send jitter). */
  readonly spanMs?: number;
}

export interface AccountBudgetOptions {
  /** Requests per minute; 0 = unlimited (benchmarks against the simulator only). */
  readonly limitPerMinute: number;
  readonly maxWaitMs: number;
  readonly maxDepth: number;
}

export interface UpstreamRateHeaders {
  readonly limit?: number | undefined;
  readonly remaining?: number | undefined;
  readonly resetEpochSeconds?: number | undefined;
}

export interface AccountBudget {
  /** Resolves once a slot is spent; rejects with PADDOCK_RATE_LIMITED (retryAfterSeconds) when it cannot be in time. */
  acquire(priority: Priority, signal?: AbortSignal): Promise<void>;
  /** Follows Alpaca's X-RateLimit-* headers when they say less is left than Paddock thinks. */
  observe(h: UpstreamRateHeaders): void;
  snapshot(): BudgetSnapshot;
  close(): void;
}

export interface BudgetFactory {
  forAccount(accountId: string, o: AccountBudgetOptions): AccountBudget;
  /** Degraded while Redis is unreachable (each instance on its fallback share). */
  health(): CheckResult;
  close(): Promise<void>;
}

interface Waiter {
  readonly priority: Priority;
  readonly deadline: number;
  resolve(): void;
  reject(err: unknown): void;
  timer?: NodeJS.Timeout;
  cleanup?: () => void;
}

const MINUTE_MS = 60_000;
/** Most slot requests one account has outstanding at its store. */
const MAX_IN_FLIGHT = 64;

const rateLimited = (accountId: string, waitMs: number, why: string): PaddockError =>
  new PaddockError("PADDOCK_RATE_LIMITED", {
    detail: `account ${accountId}: ${why}`,
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });

const checkOptions = (o: AccountBudgetOptions): void => {
  for (const k of ["limitPerMinute", "maxWaitMs", "maxDepth"] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 0))
      throw new RangeError(`${k} must be an integer >= 0, got ${o[k]}`);
  }
};

export function createBudgetFactory(opts: BudgetFactoryOptions): BudgetFactory {
  const now = opts.now ?? Date.now;
  const store = createBudgetStore({
    redis: opts.redis,
    keyPrefix: opts.keyPrefix,
    fallbackShare: opts.fallbackShare,
    logger: opts.logger,
    ...(opts.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: opts.storeTimeoutMs }),
    ...(opts.spanMs === undefined ? {} : { spanMs: opts.spanMs }),
  });
  const budgets = new Set<AccountBudget>();

  const forAccount = (accountId: string, o: AccountBudgetOptions): AccountBudget => {
    checkOptions(o);
    const limiter: SlotLimiter | undefined =
      o.limitPerMinute > 0 ? store.limiter(o.limitPerMinute) : undefined;
    const queue = createWaitQueue<Waiter>();
    /** This instance's admissions in the last minute (for snapshot), oldest first. */
    const spent: number[] = [];
    let upstream: { remaining: number; resetAt: number } | undefined;
    let blockedUntil = 0;
    let wakeTimer: NodeJS.Timeout | undefined;
    let wakeAt = 0;
    let closed = false;

    const pruneSpent = (t: number): void => {
      while (spent.length > 0 && spent[0]! <= t - MINUTE_MS) spent.shift();
    };

    /** Alpaca said nothing is left until its reset: wait for it. */
    const upstreamBlockedUntil = (t: number): number => {
      if (!upstream || upstream.resetAt <= t) {
        upstream = undefined;
        return 0;
      }
      return upstream.remaining <= 0 ? upstream.resetAt : 0;
    };

    /** Expected wait of a request with `position` requests served before it, while blocked. */
    const estimateWait = (t: number, position: number): number => {
      const until = Math.max(blockedUntil, upstreamBlockedUntil(t));
      const base = Math.max(0, until - t);
      if (!limiter) return base;
      const { points, windowSeconds } = limiter.plan;
      return base + Math.floor(position / points) * windowSeconds * 1000;
    };

    const settle = (w: Waiter, err?: unknown): void => {
      if (w.timer) clearTimeout(w.timer);
      w.cleanup?.();
      if (err === undefined) w.resolve();
      else w.reject(err);
    };

    const wake = (delayMs: number): void => {
      const at = now() + delayMs;
      if (wakeTimer && wakeAt <= at) return;
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeAt = at;
      wakeTimer = setTimeout(
        () => {
          wakeTimer = undefined;
          pump();
        },
        Math.max(1, delayMs),
      );
    };

    /** Refuses, at once, waiters that cannot be served before their deadline (or beyond maxDepth). */
    const shed = (t: number): void => {
      let position = 0;
      for (const w of queue.toArray()) {
        const wait = estimateWait(t, position);
        if (t + wait > w.deadline || position >= o.maxDepth) {
          queue.remove(w);
          settle(
            w,
            rateLimited(accountId, wait, position >= o.maxDepth ? "request queue full" : "budget exhausted"),
          );
        } else position++;
      }
    };

    /** Store answers awaited; each will serve the head of the queue (or block it). */
    let inFlight = 0;

    const onDecision = (decision: SlotDecision): void => {
      inFlight--;
      if (closed) return;
      if (!decision.ok) {
        blockedUntil = Math.max(blockedUntil, now() + decision.msBeforeNext);
        shed(now());
        if (queue.size > 0) wake(blockedUntil - now());
        return;
      }
      const w = queue.shift();
      // nobody left to serve (aborted meanwhile): the slot is lost, never over-spent
      if (w) {
        spent.push(now());
        if (spent.length > o.limitPerMinute) spent.shift();
        if (upstream) upstream.remaining--;
        settle(w);
      }
      pump();
    };

    const onStoreError = (err: unknown): void => {
      inFlight--;
      // the store failed without its insurance: fail the waiters rather than hang them
      for (const w of queue.drain()) {
        settle(
          w,
          new PaddockError("PADDOCK_UNAVAILABLE", { detail: "rate budget store failed", cause: err }),
        );
      }
    };

    /**
     * Asks the store for as many slots as there are waiters without a pending answer
     * (in parallel: a burst costs one Redis round trip, not one per request).
     */
    const pump = (): void => {
      if (closed || !limiter) return;
      const t = now();
      const until = Math.max(blockedUntil, upstreamBlockedUntil(t));
      if (until > t) {
        if (queue.size > 0) wake(until - t);
        return;
      }
      let room = Math.min(queue.size, MAX_IN_FLIGHT) - inFlight;
      if (upstream) room = Math.min(room, upstream.remaining - inFlight);
      for (; room > 0; room--) {
        inFlight++;
        limiter.consume(accountId).then(onDecision, onStoreError);
      }
    };

    const budget: AccountBudget = {
      acquire(priority, signal) {
        if (closed) {
          return Promise.reject(
            new PaddockError("PADDOCK_UNAVAILABLE", { detail: `account ${accountId} closed` }),
          );
        }
        if (signal?.aborted) return Promise.reject(signal.reason);
        if (!limiter) return Promise.resolve();
        const t = now();
        const blocked = Math.max(blockedUntil, upstreamBlockedUntil(t)) > t;
        if (blocked) {
          const wait = estimateWait(t, queue.ahead(priority));
          if (wait > o.maxWaitMs) return Promise.reject(rateLimited(accountId, wait, "budget exhausted"));
          if (queue.size >= o.maxDepth) {
            // full: a newcomer of a higher class takes the place of the last lower-class waiter
            const victim = queue.last();
            if (!victim || PRIORITY_RANK[victim.priority] <= PRIORITY_RANK[priority]) {
              return Promise.reject(rateLimited(accountId, wait, "request queue full"));
            }
            queue.remove(victim);
            settle(victim, rateLimited(accountId, estimateWait(t, queue.size), "request queue full"));
          }
        }
        return new Promise<void>((resolve, reject) => {
          const w: Waiter = { priority, deadline: t + o.maxWaitMs, resolve, reject };
          w.timer = setTimeout(() => {
            const at = now();
            // a store answer is on its way and nothing says we are blocked: it decides (maxWaitMs
            // bounds the wait for budget, not the store's latency, which storeTimeoutMs bounds)
            if (inFlight > 0 && Math.max(blockedUntil, upstreamBlockedUntil(at)) <= at) return;
            if (queue.remove(w))
              settle(w, rateLimited(accountId, estimateWait(at, queue.size), "budget wait expired"));
          }, o.maxWaitMs);
          if (signal) {
            const onAbort = (): void => {
              if (queue.remove(w)) settle(w, signal.reason);
            };
            signal.addEventListener("abort", onAbort, { once: true });
            w.cleanup = () => signal.removeEventListener("abort", onAbort);
          }
          queue.push(w);
          pump();
        });
      },
      observe(h) {
        if (h.remaining === undefined || h.resetEpochSeconds === undefined) return;
        if (!Number.isFinite(h.remaining) || !Number.isFinite(h.resetEpochSeconds)) return;
        const t = now();
        const resetAt = h.resetEpochSeconds * 1000;
        // a reset in the past, or absurdly far (clock trouble), tells us nothing usable
        if (resetAt <= t || resetAt > t + 2 * MINUTE_MS) return;
        const current = upstream && upstream.resetAt > t ? upstream : undefined;
        if (!current || resetAt > current.resetAt) upstream = { remaining: h.remaining, resetAt };
        else if (resetAt === current.resetAt) current.remaining = Math.min(current.remaining, h.remaining);
        // a stale answer from an earlier upstream window is ignored
      },
      snapshot() {
        const t = now();
        pruneSpent(t);
        const up = upstream && upstream.resetAt > t ? upstream : undefined;
        if (!limiter) {
          return {
            limit: 0,
            remaining: up ? Math.max(0, up.remaining) : 0,
            resetAt: up ? up.resetAt : t,
            queued: 0,
          };
        }
        const local = Math.max(0, o.limitPerMinute - spent.length);
        const localReset = spent.length > 0 ? spent[0]! + MINUTE_MS : t;
        if (up && up.remaining < local) {
          return {
            limit: o.limitPerMinute,
            remaining: Math.max(0, up.remaining),
            resetAt: up.resetAt,
            queued: queue.size,
          };
        }
        return { limit: o.limitPerMinute, remaining: local, resetAt: localReset, queued: queue.size };
      },
      close() {
        if (closed) return;
        closed = true;
        budgets.delete(budget);
        if (wakeTimer) clearTimeout(wakeTimer);
        for (const w of queue.drain()) {
          settle(w, new PaddockError("PADDOCK_UNAVAILABLE", { detail: `account ${accountId} closed` }));
        }
      },
    };
    budgets.add(budget);
    return budget;
  };

  return {
    forAccount,
    health: () => store.health(),
    async close() {
      for (const b of [...budgets]) b.close();
    },
  };
}
