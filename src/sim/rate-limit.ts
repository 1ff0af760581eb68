/**
 * Alpaca's per-key request budget as the simulator models it: a fixed one-minute window per API
 * key, counted synchronously on the hot path (a few field updates, no promise), with the
 * `X-RateLimit-*` header values. Real time, not simulated time: moving the sim clock must not
 * refill a budget. A limit of 0 turns it off.
 */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Unix seconds when the window resets. */
  readonly resetSeconds: number;
}

export interface SimRateLimiter {
  readonly limit: number;
  /** Counts one request of a key; undefined when rate limiting is off. */
  take(keyId: string): RateDecision | undefined;
  reset(): void;
}

export function createRateLimiter(
  limit: number,
  deps: { now?: () => number; windowMs?: number } = {},
): SimRateLimiter {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? 60_000;
  const windows = new Map<string, { start: number; used: number }>();
  return {
    limit,
    take(keyId) {
      if (limit <= 0) return undefined;
      const t = now();
      let w = windows.get(keyId);
      if (!w || t - w.start >= windowMs) {
        w = { start: t, used: 0 };
        windows.set(keyId, w);
      }
      const allowed = w.used < limit;
      if (allowed) w.used++;
      return {
        allowed,
        limit,
        remaining: limit - w.used,
        resetSeconds: Math.ceil((w.start + windowMs) / 1000),
      };
    },
    reset() {
      windows.clear();
    },
  };
}
