/**
 * Reconnect delays: exponential growth with "full jitter" (a uniform draw between
 * half the step and the step), capped. Randomness is a parameter so tests are exact,
 * and so a fleet of gateways restarting together spreads its upgrades instead of
 * storming Alpaca in lock-step.
 */
export interface BackoffOptions {
  /** First delay step, ms. */
  readonly baseMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** Delay before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + random() * (step / 2));
}
