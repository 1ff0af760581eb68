/**
 * Retries for upstream requests that are safe to repeat (reads, cancels): network
 * errors, 5xx, 408 and 429, with exponential backoff and full jitter, honouring
 * `Retry-After` / `X-RateLimit-Reset` up to a cap, at most 3 retries. Each retry goes
 * through the caller's `fn` again, so it spends budget and passes the breakers.
 * Order submissions never come here: see src/trading/order-submit.ts.
 */
import { isPaddockError } from "../errors.js";
import { backoffDelay, retryAfterMs } from "./backoff.js";

/** The hard ceiling on retries, whatever the configuration says. */
export const MAX_RETRIES = 3;

export interface RetryOptions {
  readonly maxRetries: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** Longest upstream-requested wait honoured; a longer one ends the retries (default max(maxMs, 5000)). */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Statuses a repeat may cure: 408, 429 and 5xx except 501 (not implemented) and 505 (bad version). */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);

const NETWORK_CODE = /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/;

/** Transport failures are retryable; the gateway's own refusals (budget, breaker, abort) are not. */
export function isRetryableError(err: unknown): boolean {
  if (isPaddockError(err))
    return err.code === "PADDOCK_UPSTREAM_UNAVAILABLE" || err.code === "PADDOCK_UPSTREAM_TIMEOUT";
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" && NETWORK_CODE.test(code) && code !== "UND_ERR_ABORTED";
}

/** What a retry looks at in an answer: its status and headers. */
export interface RetryableAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export async function withRetries<R extends RetryableAnswer>(
  fn: () => Promise<R>,
  o: RetryOptions,
): Promise<R> {
  const maxRetries = Math.max(0, Math.min(MAX_RETRIES, Math.floor(o.maxRetries)));
  const sleep = o.sleep ?? defaultSleep;
  const now = o.now ?? Date.now;
  const cap = o.maxRetryAfterMs ?? Math.max(o.maxMs, 5000);
  const backoff = { baseMs: o.baseMs, maxMs: o.maxMs, ...(o.random ? { random: o.random } : {}) };
  for (let attempt = 0; ; attempt++) {
    let delay: number;
    try {
      const res = await fn();
      if (!isRetryableStatus(res.status) || attempt >= maxRetries) return res;
      const hint = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers, now()) : undefined;
      if (hint !== undefined && hint > cap) return res; // the upstream asked for longer than we hold a request
      delay = Math.max(backoffDelay(attempt, backoff), hint ?? 0);
    } catch (err) {
      if (!isRetryableError(err) || attempt >= maxRetries) throw err;
      delay = backoffDelay(attempt, backoff);
    }
    await sleep(delay);
  }
}
