/**
 * The one backoff of the gateway: exponential steps with jitter for retries (full
 * jitter) and for stream reconnects (equal jitter: never an immediate reconnect), and
 * the wait an upstream asked for (`Retry-After`, else Alpaca's `X-RateLimit-Reset`).
 * Pure functions; randomness and time are parameters.
 */

export interface BackoffOptions {
  /** Delay cap of the first retry (attempt 0); doubles with each attempt. */
  readonly baseMs: number;
  /** Largest cap, whatever the attempt. */
  readonly maxMs: number;
  /** Uniform in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (0 = the first retry): a uniformly random
 * value in [0, min(maxMs, baseMs * 2^attempt)) — "full jitter", so that many clients
 * failing together do not come back together.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  if (!Number.isFinite(attempt) || attempt < 0) throw new RangeError(`attempt must be >= 0, got ${attempt}`);
  if (!(o.baseMs > 0)) throw new RangeError(`baseMs must be > 0, got ${o.baseMs}`);
  if (!(o.maxMs >= o.baseMs)) throw new RangeError(`maxMs must be >= baseMs, got ${o.maxMs}`);
  const random = o.random ?? Math.random;
  // 2^attempt overflows to Infinity for absurd attempts; min() keeps the cap finite
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.floor(attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * cap), Math.max(cap - 1, 0));
}

/** Reconnect backoff of upstream streams unless configured otherwise. */
export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0-based): uniform in [step / 2, step]
 * with step = min(maxMs, baseMs * 2^attempt) — "equal jitter", so a fleet of gateways
 * restarting together spreads its reconnects, and none reconnects at once in a loop.
 */
export function reconnectDelay(
  attempt: number,
  o: BackoffOptions,
  random: () => number = o.random ?? Math.random,
): number {
  const step = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(step / 2 + random() * (step / 2));
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const headerValue = (headers: Headers, name: string): string | undefined => {
  let v = headers[name];
  if (v === undefined) {
    const wanted = name.toLowerCase();
    for (const [k, value] of Object.entries(headers)) {
      if (k.toLowerCase() === wanted) {
        v = value;
        break;
      }
    }
  }
  const first = Array.isArray(v) ? v[0] : v;
  const trimmed = first?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
};

/**
 * How long the upstream asked us to wait, in ms from `nowMs`: `Retry-After` as
 * delta-seconds or as an HTTP date, else `X-RateLimit-Reset` (Unix seconds, Alpaca's
 * header). Undefined when neither is present or parsable; never negative.
 */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headerValue(headers, "retry-after");
  if (retryAfter !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headerValue(headers, "x-ratelimit-reset");
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) {
    return Math.max(0, Math.ceil(Number(reset) * 1000 - nowMs));
  }
  return undefined;
}
