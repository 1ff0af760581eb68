/**
 * Per-account upstream budget scheduling: Alpaca's own rule, nothing stricter. An
 * account may send `limitPerMinute` requests in any rolling minute, all at once if it
 * likes (a sliding log in the injected SlotStore: memory, or Redis shared by every
 * instance); the budget is tightened only by Alpaca's X-RateLimit-* headers and its
 * 429s (upstream-limits.ts). A request that finds the budget spent waits in the
 * account's priority queue (order mutations, then reads, then bulk; FIFO within a
 * class) for at most `maxWaitMs`, and is refused with PADDOCK_RATE_LIMITED (429 +
 * Retry-After) when the wait would be longer or the queue is full. A waiter whose
 * signal aborts leaves the queue and spends nothing.
 */
import { PaddockError } from "../errors.js";
import { type Clock, systemClock, type TimerHandle } from "./clock.js";
import { SlidingLog, type SlotGrant, type SlotStore, type StoreHealth } from "./slot-store.js";
import { createUpstreamLimits, type UpstreamLimits, type UpstreamRateHeaders } from "./upstream-limits.js";
import { createWaitQueue, PRIORITY_RANK, type Priority, type WaitQueue } from "./wait-queue.js";

export type { UpstreamRateHeaders } from "./upstream-limits.js";

export interface BudgetSnapshot {
  /** Requests per minute allowed (0 = unlimited). */
  readonly limit: number;
  readonly remaining: number;
  /** Epoch ms when the oldest spent slot frees (or Alpaca's window resets). */
  readonly resetAt: number;
  readonly queued: number;
}

export interface AccountBudgetOptions {
  /** Requests per rolling minute; 0 = unlimited (benchmarks against the simulator only). */
  readonly limitPerMinute: number;
  readonly maxWaitMs: number;
  readonly maxDepth: number;
}

export interface AccountBudget {
  /** The fast path: spends a slot synchronously when one is free and nobody waits. */
  tryAcquire(): boolean;
  /** Resolves once a slot is spent; rejects with PADDOCK_RATE_LIMITED when it cannot be in time. */
  acquire(priority: Priority, signal?: AbortSignal): Promise<void>;
  /** Gives back a slot spent for a request that never left (its client went away). */
  release(): void;
  /** Follows Alpaca's X-RateLimit-* headers when they say less is left. */
  observe(h: UpstreamRateHeaders): void;
  /** Alpaca answered 429: wait `retryInMs` (its Retry-After / reset) before sending more. */
  throttled(retryInMs: number | undefined): void;
  snapshot(): BudgetSnapshot;
  close(): void;
}

export interface BudgetFactoryOptions {
  readonly store: SlotStore;
  readonly clock?: Clock;
  /** The rolling span of the store's limit (default 60 000 ms); used to estimate waits. */
  readonly spanMs?: number;
}

export interface BudgetFactory {
  forAccount(accountId: string, o: AccountBudgetOptions): AccountBudget;
  /** The store's health (degraded while a shared store is unreachable). */
  health(): StoreHealth;
  close(): Promise<void>;
}

interface Waiter {
  readonly priority: Priority;
  readonly deadline: number;
  resolve(): void;
  reject(err: unknown): void;
  timer?: TimerHandle;
  cleanup?: () => void;
}

/** Most slots asked of the store in one call (a burst costs one Redis round trip per batch). */
const MAX_BATCH = 256;

const rateLimited = (accountId: string, waitMs: number, why: string): PaddockError =>
  new PaddockError("PADDOCK_RATE_LIMITED", {
    detail: `account ${accountId}: ${why}`,
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });

const closedError = (accountId: string): PaddockError =>
  new PaddockError("PADDOCK_UNAVAILABLE", { detail: `account ${accountId} closed` });

const checkOptions = (o: AccountBudgetOptions): void => {
  for (const k of ["limitPerMinute", "maxWaitMs", "maxDepth"] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 0))
      throw new RangeError(`${k} must be an integer >= 0, got ${o[k]}`);
  }
};

/** Runs `ok` on a grant now when the store answered synchronously, else when it answers. */
const onGrant = (
  g: SlotGrant | Promise<SlotGrant>,
  ok: (g: SlotGrant) => void,
  fail: (err: unknown) => void,
): void => {
  if (g instanceof Promise) g.then(ok, fail);
  else ok(g);
};

class Budget implements AccountBudget {
  private readonly queue: WaitQueue<Waiter> = createWaitQueue<Waiter>();
  /** This instance's admissions in the span (for snapshot). */
  private readonly spent = new SlidingLog();
  private readonly upstream: UpstreamLimits;
  /** The store said the span is full until then. */
  private storeBlockedUntil = 0;
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = 0;
  /** A store call is out (async stores: one batch at a time). */
  private taking = false;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    private readonly id: string,
    private readonly o: AccountBudgetOptions,
    private readonly store: SlotStore,
    private readonly clock: Clock,
    private readonly spanMs: number,
    private readonly onClose: () => void,
  ) {
    checkOptions(o);
    this.upstream = createUpstreamLimits(clock);
  }

  /** The configured limit, lowered to the one Alpaca announces. */
  private limit(): number {
    const announced = this.upstream.limit();
    return announced === undefined ? this.o.limitPerMinute : Math.min(this.o.limitPerMinute, announced);
  }

  private blockedUntil(t: number): number {
    const until = Math.max(this.storeBlockedUntil, this.upstream.blockedUntil(t));
    return until > t ? until : 0;
  }

  /** Expected wait of a request with `position` requests served before it. */
  private estimateWait(t: number, position: number): number {
    const base = Math.max(0, this.blockedUntil(t) - t);
    return base + Math.floor(position / Math.max(1, this.limit())) * this.spanMs;
  }

  private admitted(n: number, t: number): void {
    this.spent.prune(t - this.spanMs);
    this.spent.push(t, n);
    this.upstream.spend(n, t);
  }

  tryAcquire(): boolean {
    if (this.closed) return false;
    if (this.o.limitPerMinute === 0) return true;
    if (!this.store.synchronous || this.queue.size > 0 || this.taking) return false;
    const t = this.clock.now();
    if (this.blockedUntil(t) > 0) return false;
    const g = this.store.take(this.id, 1, this.limit(), t) as SlotGrant;
    if (g.granted === 1) {
      this.admitted(1, t);
      return true;
    }
    this.storeBlockedUntil = t + g.retryInMs;
    return false;
  }

  acquire(priority: Priority, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.id));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return Promise.resolve();
    const t = this.clock.now();
    if (this.blockedUntil(t) > 0) {
      const wait = this.estimateWait(t, this.queue.ahead(priority));
      if (wait > this.o.maxWaitMs) return Promise.reject(rateLimited(this.id, wait, "budget exhausted"));
    }
    if (this.queue.size >= this.o.maxDepth && !this.evictFor(priority, t)) {
      return Promise.reject(
        rateLimited(this.id, this.estimateWait(t, this.queue.size), "request queue full"),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { priority, deadline: t + this.o.maxWaitMs, resolve, reject };
      w.timer = this.clock.setTimeout(() => this.expire(w), this.o.maxWaitMs);
      if (signal) {
        const onAbort = (): void => {
          if (this.queue.remove(w)) this.settle(w, signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.queue.push(w);
      this.schedulePump();
    });
  }

  /** Full queue: a newcomer of a higher class takes the place of the last lower-class waiter. */
  private evictFor(priority: Priority, t: number): boolean {
    const victim = this.queue.last();
    if (!victim || PRIORITY_RANK[victim.priority] <= PRIORITY_RANK[priority]) return false;
    this.queue.remove(victim);
    this.settle(victim, rateLimited(this.id, this.estimateWait(t, this.queue.size), "request queue full"));
    return true;
  }

  private expire(w: Waiter): void {
    const t = this.clock.now();
    // a store answer is on its way and nothing says we are blocked: it decides
    if (this.taking && this.blockedUntil(t) === 0) return;
    if (this.queue.remove(w))
      this.settle(w, rateLimited(this.id, this.estimateWait(t, this.queue.size), "budget wait expired"));
  }

  private settle(w: Waiter, err?: unknown): void {
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    w.cleanup?.();
    if (err === undefined) w.resolve();
    else w.reject(err);
  }

  private wake(delayMs: number): void {
    const at = this.clock.now() + delayMs;
    if (this.wakeTimer !== undefined && this.wakeAt <= at) return;
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.clock.setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.pump();
      },
      Math.max(1, delayMs),
    );
  }

  /** Refuses at once the waiters that cannot be served before their deadline. */
  private shed(t: number): void {
    let position = 0;
    for (const w of this.queue.toArray()) {
      const wait = this.estimateWait(t, position);
      if (t + wait > w.deadline) {
        this.queue.remove(w);
        this.settle(w, rateLimited(this.id, wait, "budget exhausted"));
      } else position++;
    }
  }

  /** Pumps once the current tick's acquires are queued: a burst is one store call. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Asks the store for as many slots as there are waiters (one call per batch). */
  private pump(): void {
    if (this.closed || this.taking || this.queue.size === 0) return;
    const t = this.clock.now();
    const until = this.blockedUntil(t);
    if (until > 0) {
      this.wake(until - t);
      return;
    }
    let want = Math.min(this.queue.size, MAX_BATCH);
    const up = this.upstream.remaining(t);
    if (up) want = Math.min(want, up.remaining);
    if (want <= 0) {
      this.wake(Math.max(1, (up?.resetAt ?? t) - t));
      return;
    }
    this.taking = true;
    onGrant(
      this.store.take(this.id, want, this.limit()),
      (g) => this.granted(g, want),
      (err) => this.storeFailed(err),
    );
  }

  private granted(g: SlotGrant, wanted: number): void {
    this.taking = false;
    if (this.closed) {
      if (g.granted > 0) this.store.release(this.id, g.granted);
      return;
    }
    const now = this.clock.now();
    let used = 0;
    for (; used < g.granted; used++) {
      const w = this.queue.shift();
      if (!w) break;
      this.admitted(1, now);
      this.settle(w);
    }
    // waiters aborted while the store answered: their slots go back, never over-spent
    if (used < g.granted) this.store.release(this.id, g.granted - used);
    if (g.granted < wanted) {
      this.storeBlockedUntil = Math.max(this.storeBlockedUntil, now + Math.max(1, g.retryInMs));
      this.shed(now);
    }
    this.pump();
  }

  private storeFailed(err: unknown): void {
    this.taking = false;
    // the store failed without its own fallback: fail the waiters rather than hang them
    for (const w of this.queue.drain()) {
      this.settle(
        w,
        new PaddockError("PADDOCK_UNAVAILABLE", { detail: "rate budget store failed", cause: err }),
      );
    }
  }

  release(): void {
    if (this.o.limitPerMinute === 0) return;
    this.store.release(this.id, 1);
    this.spent.pop(1);
    this.upstream.spend(-1, this.clock.now());
    this.storeBlockedUntil = 0;
    this.pump();
  }

  observe(h: UpstreamRateHeaders): void {
    this.upstream.observe(h);
  }

  throttled(retryInMs: number | undefined): void {
    this.upstream.throttled(retryInMs);
  }

  snapshot(): BudgetSnapshot {
    const t = this.clock.now();
    const up = this.upstream.remaining(t);
    if (this.o.limitPerMinute === 0) {
      return { limit: 0, remaining: up?.remaining ?? 0, resetAt: up?.resetAt ?? t, queued: 0 };
    }
    this.spent.prune(t - this.spanMs);
    const limit = this.limit();
    const local = Math.max(0, limit - this.spent.size);
    const oldest = this.spent.oldest();
    if (up && up.remaining < local) {
      return { limit, remaining: up.remaining, resetAt: up.resetAt, queued: this.queue.size };
    }
    return {
      limit,
      remaining: local,
      resetAt: oldest === undefined ? t : oldest + this.spanMs,
      queued: this.queue.size,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    for (const w of this.queue.drain()) this.settle(w, closedError(this.id));
  }
}

export function createBudgetFactory(opts: BudgetFactoryOptions): BudgetFactory {
  const clock = opts.clock ?? systemClock;
  const spanMs = opts.spanMs ?? 60_000;
  const budgets = new Set<AccountBudget>();
  return {
    forAccount(accountId, o) {
      const b: AccountBudget = new Budget(accountId, o, opts.store, clock, spanMs, () => budgets.delete(b));
      budgets.add(b);
      return b;
    },
    health: () => opts.store.health(),
    async close() {
      for (const b of [...budgets]) b.close();
    },
  };
}
