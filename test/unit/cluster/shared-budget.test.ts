/**
 * Budgets of two workers counted by one primary (serve --workers without Redis), over the
 * same batched channel as the real processes (in-process loopback): the workers together
 * admit one limit, a burst costs one channel message, a 429 heard by one worker holds the
 * other back, and a primary that is gone fails the waiters instead of hanging them.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createLoopback,
  createPort,
  type RawEndpoint,
  type ToPrimary,
  type ToWorker,
} from "../../../src/cluster/ipc.js";
import { createPrimaryHub, type PrimaryHub } from "../../../src/cluster/primary-hub.js";
import { createWorkerSlotStore, shareUpstreamLimits } from "../../../src/cluster/worker-slot-store.js";
import { isPaddockError } from "../../../src/errors.js";
import { type BudgetFactory, createBudgetFactory } from "../../../src/resilience/budget.js";
import { systemClock } from "../../../src/resilience/clock.js";

interface TestWorker {
  readonly budgets: BudgetFactory;
  /** Envelopes this worker sent to the primary. */
  sent(): number;
  kill(): void;
}

const hubs: PrimaryHub[] = [];
afterEach(() => {
  for (const h of hubs.splice(0)) h.close();
});

function primary(): PrimaryHub {
  const hub = createPrimaryHub({ clock: systemClock, graceMs: 1000, defaultMetrics: false });
  hubs.push(hub);
  return hub;
}

function worker(hub: PrimaryHub, id: number): TestWorker {
  const link = createLoopback();
  let sent = 0;
  const counted: RawEndpoint = {
    send: (e) => {
      sent++;
      return link.worker.send(e);
    },
    subscribe: (m, c) => link.worker.subscribe(m, c),
  };
  hub.attach(id, createPort<ToWorker, ToPrimary>(link.primary));
  const port = createPort<ToPrimary, ToWorker>(counted);
  const store = createWorkerSlotStore({ port, clock: systemClock, answerTimeoutMs: 500 });
  return {
    budgets: shareUpstreamLimits(createBudgetFactory({ store }), port),
    sent: () => sent,
    kill: () => link.close(),
  };
}

const options = { limitPerMinute: 5, maxWaitMs: 200, maxDepth: 100 };

const outcomes = async (ps: Promise<void>[]) => {
  const settled = await Promise.allSettled(ps);
  const refused = settled.filter((s) => s.status === "rejected");
  for (const r of refused) {
    expect(isPaddockError(r.reason) && r.reason.code).toBe("PADDOCK_RATE_LIMITED");
  }
  return { admitted: settled.length - refused.length, refused: refused.length };
};

describe("budgets shared through the primary", () => {
  it("two workers bursting together admit one limit, each burst in one channel message", async () => {
    const hub = primary();
    const w1 = worker(hub, 1);
    const w2 = worker(hub, 2);
    const b1 = w1.budgets.forAccount("acct-1", options);
    const b2 = w2.budgets.forAccount("acct-1", options);
    const burst = [
      ...Array.from({ length: 8 }, () => b1.acquire("read")),
      ...Array.from({ length: 8 }, () => b2.acquire("read")),
    ];
    expect(await outcomes(burst)).toEqual({ admitted: 5, refused: 11 });
    expect(hub.accountant.used("acct-1")).toBe(5);
    // each worker asked once for its whole burst (and nothing more: the rest was refused locally)
    expect(w1.sent()).toBe(1);
    expect(w2.sent()).toBe(1);
    // another account has its own limit
    const other = w2.budgets.forAccount("acct-2", options);
    expect(await outcomes([other.acquire("read"), other.acquire("order")])).toEqual({
      admitted: 2,
      refused: 0,
    });
  });

  it("a slot given back by one worker (its client left) can be spent by the other", async () => {
    const hub = primary();
    const b1 = worker(hub, 1).budgets.forAccount("acct-1", { ...options, limitPerMinute: 2 });
    const b2 = worker(hub, 2).budgets.forAccount("acct-1", { ...options, limitPerMinute: 2 });
    expect(await outcomes([b1.acquire("read"), b1.acquire("read")])).toEqual({ admitted: 2, refused: 0 });
    b1.release();
    await new Promise((r) => setImmediate(r));
    expect(await outcomes([b2.acquire("read")])).toEqual({ admitted: 1, refused: 0 });
    expect(hub.accountant.used("acct-1")).toBe(2);
  });

  it("Alpaca's 429 heard by one worker holds the other back", async () => {
    const hub = primary();
    const b1 = worker(hub, 1).budgets.forAccount("acct-1", { ...options, limitPerMinute: 200 });
    const b2 = worker(hub, 2).budgets.forAccount("acct-1", { ...options, limitPerMinute: 200 });
    b1.throttled(5000);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const refused = await b2.acquire("read").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isPaddockError(refused) && refused.code).toBe("PADDOCK_RATE_LIMITED");
    expect(hub.accountant.used("acct-1")).toBe(0);
  });

  it("what Alpaca's headers say is left, heard by one worker, caps the other's grants", async () => {
    const hub = primary();
    const b1 = worker(hub, 1).budgets.forAccount("acct-1", { ...options, limitPerMinute: 200 });
    const b2 = worker(hub, 2).budgets.forAccount("acct-1", { ...options, limitPerMinute: 200 });
    const reset = Math.floor(Date.now() / 1000) + 30;
    // answers of one window, out of order: the lowest remaining is kept
    b1.observe({ limit: 200, remaining: 5, resetEpochSeconds: reset });
    b1.observe({ limit: 200, remaining: 3, resetEpochSeconds: reset });
    b1.observe({ limit: 200, remaining: 4, resetEpochSeconds: reset });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(await outcomes(Array.from({ length: 5 }, () => b2.acquire("read")))).toEqual({
      admitted: 3,
      refused: 2,
    });
  });

  it("when the primary is gone, waiters fail at once (503), and the store reports down", async () => {
    const hub = primary();
    const w = worker(hub, 1);
    const b = w.budgets.forAccount("acct-1", options);
    w.kill();
    const err = await b.acquire("read").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPaddockError(err) && err.code).toBe("PADDOCK_UNAVAILABLE");
    expect(w.budgets.health().status).toBe("down");
  });
});
