/**
 * The time source of every state machine in resilience/: the current time and one-shot
 * timers. Injected, so tests drive budgets and breakers with a fake clock and no waiting.
 */

/** An opaque timer handle (whatever the clock's setTimeout returned). */
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
