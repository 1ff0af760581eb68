/**
 * The primary's count of every account's budget slots across its workers (no Redis): the
 * same sliding log as the in-process store (a key may spend at most `limit` slots in any
 * rolling `spanMs`, all at once if it likes), with each slot remembering the worker that
 * spent it, so a worker's release gives back its own newest slots and never another's.
 * A worker that dies leaves its slots counted until they age out (they may have reached
 * Alpaca). What Alpaca says (X-RateLimit-* headers, 429) is kept per key here too, from
 * whichever worker heard it, and tightens every worker's grants.
 */
import type { Clock } from "../resilience/clock.js";
import { SlidingLog, type SlotGrant } from "../resilience/slot-store.js";
import {
  createUpstreamLimits,
  type UpstreamLimits,
  type UpstreamRateHeaders,
} from "../resilience/upstream-limits.js";

export interface SlotAccountant {
  /** Spends up to `want` slots of `key` for `worker` now. */
  take(worker: number, key: string, want: number, limit: number): SlotGrant;
  /** Gives back the `count` newest slots `worker` spent of `key`. */
  release(worker: number, key: string, count: number): void;
  /** A worker read Alpaca's X-RateLimit-* headers for `key`. */
  observe(key: string, h: UpstreamRateHeaders): void;
  /** A worker got Alpaca's 429 for `key`. */
  throttled(key: string, retryInMs: number | undefined): void;
  /** Slots of `key` spent in the current span (tests, introspection). */
  used(key: string): number;
}

export interface SlotAccountantOptions {
  readonly clock: Pick<Clock, "now">;
  /** The rolling span a limit holds over (default 60 000 ms). */
  readonly spanMs?: number;
}

/** Spend times and spenders (worker ids) of one key, oldest first. */
class TaggedLog extends SlidingLog {
  private owners: number[] = [];
  pushOwned(t: number, owner: number, n: number): void {
    this.push(t, n);
    for (let i = 0; i < n; i++) this.owners.push(owner);
  }
  /** Removes up to `n` of `owner`'s newest entries. */
  remove(owner: number, n: number): void {
    let left = n;
    for (let i = this.times.length - 1; i >= this.head && left > 0; i--) {
      if (this.owners[i] !== owner) continue;
      this.times.splice(i, 1);
      this.owners.splice(i, 1);
      left--;
    }
  }
  protected override reset(): void {
    super.reset();
    this.owners = [];
  }
  protected override compact(): void {
    this.owners = this.owners.slice(this.head);
    super.compact();
  }
}

interface KeyState {
  readonly log: TaggedLog;
  readonly upstream: UpstreamLimits;
}

export function createSlotAccountant(o: SlotAccountantOptions): SlotAccountant {
  const spanMs = o.spanMs ?? 60_000;
  const keys = new Map<string, KeyState>();
  const stateOf = (key: string): KeyState => {
    let s = keys.get(key);
    if (!s) {
      s = { log: new TaggedLog(), upstream: createUpstreamLimits(o.clock) };
      keys.set(key, s);
    }
    return s;
  };

  return {
    take(worker, key, want, limit) {
      const t = o.clock.now();
      const { log, upstream } = stateOf(key);
      log.prune(t - spanMs);
      const blocked = upstream.blockedUntil(t);
      if (blocked > 0) return { granted: 0, retryInMs: Math.max(1, blocked - t) };
      const announced = upstream.limit();
      const cap = announced === undefined ? limit : Math.min(limit, announced);
      const up = upstream.remaining(t);
      let room = cap - log.size;
      if (up) room = Math.min(room, up.remaining);
      const granted = Math.max(0, Math.min(want, room));
      log.pushOwned(t, worker, granted);
      upstream.spend(granted, t);
      if (granted >= want) return { granted, retryInMs: 0 };
      const oldest = log.oldest();
      const fullUntil = log.size >= cap && oldest !== undefined ? oldest + spanMs : 0;
      const upstreamUntil = up && up.remaining - granted <= 0 ? up.resetAt : 0;
      const until = Math.max(fullUntil, upstreamUntil);
      return { granted, retryInMs: until > t ? until - t : 1 };
    },
    release(worker, key, count) {
      const s = keys.get(key);
      if (!s || count <= 0) return;
      s.log.remove(worker, count);
      s.upstream.spend(-count, o.clock.now());
    },
    observe(key, h) {
      stateOf(key).upstream.observe(h);
    },
    throttled(key, retryInMs) {
      stateOf(key).upstream.throttled(retryInMs);
    },
    used(key) {
      const s = keys.get(key);
      if (!s) return 0;
      s.log.prune(o.clock.now() - spanMs);
      return s.log.size;
    },
  };
}
