/**
 * Where an account's budget slots are counted: the interface the budget needs, and the
 * in-process implementation. A slot is one request sent upstream; a key may spend at
 * most `limit` slots in any rolling `spanMs` (a sliding log, so a whole minute's
 * budget can be spent as one burst, and never more than the limit in any rolling
 * span). The shared Redis implementation lives outside resilience/ and is injected.
 */
import type { Clock } from "./clock.js";

export interface SlotGrant {
  /** Slots spent now (0 ≤ granted ≤ wanted). */
  readonly granted: number;
  /** When fewer were granted than wanted: ms until the oldest slot in the span frees. */
  readonly retryInMs: number;
}

export type HealthLevel = "up" | "degraded" | "down";

export interface StoreHealth {
  readonly status: HealthLevel;
  readonly detail?: string;
}

export interface SlotStore {
  /** True when `take` always answers synchronously (the budget's fast path relies on it). */
  readonly synchronous: boolean;
  /** Spends up to `want` slots of `key` now (`at`: the caller's current time, when it has it). */
  take(key: string, want: number, limit: number, at?: number): SlotGrant | Promise<SlotGrant>;
  /** Gives back the `count` newest slots of `key` (taken for requests abandoned before they left). */
  release(key: string, count: number): void;
  health(): StoreHealth;
}

/** Spend times of one key, oldest first: O(1) push, prune from the head, pop from the tail. */
export class SlidingLog {
  protected times: number[] = [];
  protected head = 0;
  get size(): number {
    return this.times.length - this.head;
  }
  oldest(): number | undefined {
    return this.times[this.head];
  }
  prune(before: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= before) this.head++;
    if (this.head === this.times.length) this.reset();
    else if (this.head > 256 && this.head * 2 > this.times.length) this.compact();
  }
  push(t: number, n: number): void {
    for (let i = 0; i < n; i++) this.times.push(t);
  }
  pop(n: number): void {
    const k = Math.min(n, this.size);
    this.times.length -= k;
  }
  /** Drops every entry (all pruned). */
  protected reset(): void {
    this.times = [];
    this.head = 0;
  }
  /** Drops the pruned head from memory. */
  protected compact(): void {
    this.times = this.times.slice(this.head);
    this.head = 0;
  }
}

const ONE: SlotGrant = Object.freeze({ granted: 1, retryInMs: 0 });

export interface MemorySlotStoreOptions {
  /** The rolling span a limit holds over (default 60 000 ms). */
  readonly spanMs?: number;
  readonly clock: Pick<Clock, "now">;
}

/** The in-process store: synchronous, exact, per process. */
export function createMemorySlotStore(o: MemorySlotStoreOptions): SlotStore {
  const spanMs = o.spanMs ?? 60_000;
  const logs = new Map<string, SlidingLog>();
  return {
    synchronous: true,
    take(key, want, limit, at) {
      const t = at ?? o.clock.now();
      let log = logs.get(key);
      if (!log) {
        log = new SlidingLog();
        logs.set(key, log);
      }
      log.prune(t - spanMs);
      const granted = Math.max(0, Math.min(want, limit - log.size));
      log.push(t, granted);
      if (granted === 1 && log.size < limit) return ONE; // the hot path allocates nothing
      const oldest = log.oldest();
      const retryInMs = log.size >= limit && oldest !== undefined ? Math.max(1, oldest + spanMs - t) : 0;
      return { granted, retryInMs };
    },
    release(key, count) {
      logs.get(key)?.pop(count);
    },
    health: () => ({ status: "up", detail: "in-memory budgets" }),
  };
}
