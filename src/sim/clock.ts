/**
 * The simulator's clock: simulated now = real now + an offset that `/_sim/clock` moves.
 * Market hours come from the NYSE calendar unless a forced-open/closed override is set.
 */
import { isExtendedSessionOpen, isRegularSessionOpen, nextOpenClose } from "./calendar.js";
import type { SimClock } from "./contract.js";

export interface ControllableClock extends SimClock {
  /** Whether the extended session (04:00–20:00 ET) is open, honouring a forced override. */
  isExtendedOpen(atMs?: number): boolean;
  /** `true` forces open, `false` forces closed, `undefined` follows the calendar. */
  forceOpen(open: boolean | undefined): void;
  readonly forced: boolean | undefined;
  /** Jump simulated time to an instant (time keeps flowing from there). */
  setAt(ms: number): void;
  advanceMinutes(minutes: number): void;
  /** Next open and close as `/v2/clock` reports them. */
  nextOpenClose(atMs?: number): { nextOpen: number; nextClose: number };
  reset(): void;
}

export function createSimClock(deps: { realNow?: () => number } = {}): ControllableClock {
  const realNow = deps.realNow ?? Date.now;
  let offset = 0;
  let forced: boolean | undefined;
  const now = (): number => realNow() + offset;
  return {
    now,
    isOpen(atMs = now()) {
      return forced ?? isRegularSessionOpen(atMs);
    },
    isExtendedOpen(atMs = now()) {
      return forced ?? isExtendedSessionOpen(atMs);
    },
    forceOpen(open) {
      forced = open;
    },
    get forced() {
      return forced;
    },
    setAt(ms) {
      offset = ms - realNow();
    },
    advanceMinutes(minutes) {
      offset += minutes * 60_000;
    },
    nextOpenClose(atMs = now()) {
      return nextOpenClose(atMs);
    },
    reset() {
      offset = 0;
      forced = undefined;
    },
  };
}
