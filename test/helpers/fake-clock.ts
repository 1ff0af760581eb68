/**
 * A manual clock for the state machines in src/resilience (and whatever takes a
 * `Clock`): time moves only when the test says so, and timers due by then fire in
 * order. `advance` also lets promise callbacks settle between timers.
 */
import type { Clock, TimerHandle } from "../../src/resilience/clock.js";

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers (and settling promises) on the way. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise callbacks run without moving time. */
  flush(): Promise<void>;
  /** Timers not yet fired. */
  pending(): number;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

export function createFakeClock(start = Date.parse("2026-03-02T15:00:00Z")): FakeClock {
  let t = start;
  let seq = 0;
  const timers: Timer[] = [];
  return {
    now: () => t,
    setTimeout(fn, ms): TimerHandle {
      const timer = { id: ++seq, at: t + Math.max(0, ms), fn };
      timers.push(timer);
      return timer.id;
    },
    clearTimeout(handle) {
      const i = timers.findIndex((x) => x.id === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    async advance(ms) {
      const end = t + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.id - b.id);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        t = Math.max(t, next.at);
        next.fn();
        await settle();
      }
      t = end;
      await settle();
    },
    flush: settle,
    pending: () => timers.length,
  };
}
