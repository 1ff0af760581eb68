/**
 * What Alpaca itself says about an account's budget: `X-RateLimit-Limit`, `-Remaining`
 * and `-Reset` on every answer, and a 429. This only ever tightens the local budget
 * (another client sharing the key spends from the same allowance); it never loosens it.
 */
import type { Clock } from "./clock.js";

export interface UpstreamRateHeaders {
  readonly limit?: number | undefined;
  readonly remaining?: number | undefined;
  readonly resetEpochSeconds?: number | undefined;
}

export interface UpstreamLimits {
  /** Records the X-RateLimit-* headers of one answer. */
  observe(h: UpstreamRateHeaders): void;
  /** Alpaca answered 429: nothing more until `retryInMs` from now (or its reset, if later). */
  throttled(retryInMs: number | undefined): void;
  /** The limit Alpaca announced (undefined when it never said). */
  limit(): number | undefined;
  /** Epoch ms until which Alpaca says nothing is left (0 when not blocked), at time `t`. */
  blockedUntil(t: number): number;
  /** What Alpaca says is left in its current window at time `t` (undefined when unknown). */
  remaining(t: number): { remaining: number; resetAt: number } | undefined;
  /** `n` requests were admitted at time `t` (counts down Alpaca's remaining until its next answer). */
  spend(n: number, t: number): void;
}

const MINUTE_MS = 60_000;
/** A 429 without any usable hint blocks this long. */
const DEFAULT_THROTTLE_MS = 1000;

export function createUpstreamLimits(clock: Pick<Clock, "now">): UpstreamLimits {
  let window: { remaining: number; resetAt: number } | undefined;
  let announcedLimit: number | undefined;
  let throttledUntil = 0;

  const current = (t: number) => {
    if (window && window.resetAt <= t) window = undefined;
    return window;
  };

  return {
    observe(h) {
      if (h.limit !== undefined && Number.isInteger(h.limit) && h.limit > 0) announcedLimit = h.limit;
      if (h.remaining === undefined || h.resetEpochSeconds === undefined) return;
      if (!Number.isFinite(h.remaining) || !Number.isFinite(h.resetEpochSeconds)) return;
      const t = clock.now();
      const resetAt = h.resetEpochSeconds * 1000;
      // a reset in the past, or absurdly far (clock trouble), tells us nothing usable
      if (resetAt <= t || resetAt > t + 2 * MINUTE_MS) return;
      const w = current(t);
      if (!w || resetAt > w.resetAt) window = { remaining: h.remaining, resetAt };
      else if (resetAt === w.resetAt) w.remaining = Math.min(w.remaining, h.remaining);
      // an answer from an earlier upstream window is stale: ignored
    },
    throttled(retryInMs) {
      const t = clock.now();
      const w = current(t);
      const hint = retryInMs !== undefined && retryInMs > 0 ? retryInMs : DEFAULT_THROTTLE_MS;
      throttledUntil = Math.max(throttledUntil, t + Math.min(hint, 2 * MINUTE_MS));
      if (w) w.remaining = 0;
    },
    limit: () => announcedLimit,
    blockedUntil(t) {
      if (throttledUntil <= t && window === undefined) return 0; // the hot path: nothing known
      const w = current(t);
      const until = Math.max(throttledUntil, w && w.remaining <= 0 ? w.resetAt : 0);
      return until > t ? until : 0;
    },
    remaining(t) {
      const w = current(t);
      return w ? { remaining: Math.max(0, w.remaining), resetAt: w.resetAt } : undefined;
    },
    spend(n, t) {
      const w = current(t);
      if (w) w.remaining -= n;
    },
  };
}
