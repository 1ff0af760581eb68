/**
 * A worker's budget store when the primary keeps the count (no Redis): every `take` is
 * answered by the primary's slot accountant, so all workers together stay within each
 * account's limit. The budget already asks for a whole burst at once (one take per
 * account per turn) and the port batches every account's takes of a turn into one IPC
 * message, so a busy worker pays one round trip per turn, not per request.
 *
 * `shareUpstreamLimits` wraps the budget factory so that what one worker hears from Alpaca
 * (X-RateLimit-* headers, 429) reaches the primary's count and tightens every worker's
 * grants; observations of one account in one turn are sent once (the newest).
 */
import type { BudgetFactory, UpstreamRateHeaders } from "../resilience/budget.js";
import type { Clock } from "../resilience/clock.js";
import type { SlotGrant, SlotStore } from "../resilience/slot-store.js";
import type { Port, ToPrimary, ToWorker } from "./ipc.js";

export interface WorkerSlotStoreOptions {
  readonly port: Port<ToPrimary, ToWorker>;
  readonly clock: Pick<Clock, "now">;
  /** A take the primary has not answered in this long fails (its waiters get a 503). Default 2000 ms. */
  readonly answerTimeoutMs?: number;
}

interface Pending {
  readonly resolve: (g: SlotGrant) => void;
  readonly reject: (err: Error) => void;
  readonly at: number;
}

export function createWorkerSlotStore(o: WorkerSlotStoreOptions): SlotStore & { close(): void } {
  const timeoutMs = o.answerTimeoutMs ?? 2000;
  const pending = new Map<number, Pending>();
  let seq = 0;
  const failAll = (why: string): void => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  const off = o.port.on((m) => {
    if (m.t !== "grant") return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    p.resolve({ granted: m.g, retryInMs: m.ms });
  });
  o.port.onClose(() => failAll("the primary process is gone"));
  // one coarse sweep instead of a timer per take: a primary that stops answering fails the waiters
  const sweep = setInterval(
    () => {
      const before = o.clock.now() - timeoutMs;
      for (const [id, p] of pending) {
        if (p.at > before) continue;
        pending.delete(id);
        p.reject(new Error(`the primary process did not answer a budget take within ${timeoutMs} ms`));
      }
    },
    Math.max(50, Math.floor(timeoutMs / 4)),
  );
  sweep.unref();

  return {
    synchronous: false,
    take(key, want, limit) {
      if (!o.port.open) return Promise.reject(new Error("the primary process is gone"));
      const id = ++seq;
      return new Promise<SlotGrant>((resolve, reject) => {
        pending.set(id, { resolve, reject, at: o.clock.now() });
        o.port.send({ t: "take", id, k: key, w: want, l: limit });
      });
    },
    release(key, count) {
      if (count > 0) o.port.send({ t: "release", k: key, n: count });
    },
    health: () =>
      o.port.open
        ? { status: "up", detail: "budgets shared by the workers through the primary process" }
        : { status: "down", detail: "the primary process is gone: budgets cannot be shared" },
    close() {
      clearInterval(sweep);
      off();
      failAll("budget store closed");
    },
  };
}

/** Sends every account's Alpaca rate signals to the primary as well as to the worker's own budget. */
export function shareUpstreamLimits(factory: BudgetFactory, port: Port<ToPrimary, ToWorker>): BudgetFactory {
  const observed = new Map<string, UpstreamRateHeaders>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    for (const [k, h] of observed) port.send({ t: "observe", k, h });
    observed.clear();
  };
  return {
    forAccount(accountId, options) {
      const b = factory.forAccount(accountId, options);
      if (options.limitPerMinute === 0) return b; // no budget: nothing to share
      return {
        tryAcquire: () => b.tryAcquire(),
        acquire: (priority, signal) => b.acquire(priority, signal),
        release: () => b.release(),
        observe(h) {
          b.observe(h);
          if (h.remaining === undefined && h.limit === undefined) return;
          const prev = observed.get(accountId);
          // answers of one window can arrive out of order: the lowest remaining is the truest
          const lower =
            prev !== undefined &&
            prev.resetEpochSeconds === h.resetEpochSeconds &&
            prev.remaining !== undefined &&
            h.remaining !== undefined &&
            prev.remaining < h.remaining;
          observed.set(accountId, lower ? { ...h, remaining: prev.remaining } : h);
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(flush);
          }
        },
        throttled(retryInMs) {
          b.throttled(retryInMs);
          port.send({ t: "throttled", k: accountId, ms: retryInMs ?? null });
        },
        snapshot: () => b.snapshot(),
        close: () => b.close(),
      };
    },
    health: () => factory.health(),
    close: () => factory.close(),
  };
}
