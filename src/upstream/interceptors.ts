/**
 * The per-account chain of cross-cutting behaviour, each a few lines wrapping the send
 * below it (after undici's interceptors), composed once per account in this order:
 *
 *   retry (idempotent only) → breakers (account, host) → budget → metrics → transport
 *
 * so every retry passes the breakers and spends budget again, an open breaker refuses
 * before any budget is spent, and the metrics see exactly what went upstream.
 */
import { isPaddockError } from "../errors.js";
import { retryAfterMs } from "../resilience/backoff.js";
import type { Breaker, Verdict } from "../resilience/breaker.js";
import type { AccountBudget } from "../resilience/budget.js";
import type { HostBreaker } from "../resilience/host-breaker.js";
import { type RetryOptions, withRetries } from "../resilience/retry.js";
import type { Interceptor, UpstreamRequest, UpstreamResponse } from "./types.js";

/** The gateway's own refusals (budget, breaker, abort, closed account) say nothing about Alpaca. */
const GATEWAY_REFUSALS = new Set(["PADDOCK_RATE_LIMITED", "PADDOCK_BREAKER_OPEN", "PADDOCK_UNAVAILABLE"]);

const header = (h: UpstreamResponse["headers"], name: string): number | undefined => {
  const v = h[name];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || Number.isNaN(n) ? undefined : n;
};

/**
 * What an outcome tells a breaker: 5xx and transport failures are failures; a 429 is
 * back-pressure (the budget's business), never a failure; other 4xx are the client's
 * doing (a success for the upstream); a request whose client went away decides nothing.
 */
export function classify(o: { result?: UpstreamResponse; error?: unknown }, signal?: AbortSignal): Verdict {
  if (signal?.aborted) return "ignore";
  if (o.error !== undefined) {
    return isPaddockError(o.error) && GATEWAY_REFUSALS.has(o.error.code) ? "ignore" : "failure";
  }
  const s = o.result?.status ?? 0;
  if (s === 429) return "ignore";
  return s >= 500 ? "failure" : "success";
}

/** Retries what is safe to repeat; options are read per request so a reload reaches them. */
export const retryInterceptor =
  (options: () => RetryOptions): Interceptor =>
  (next) =>
  (req) =>
    req.idempotent ? withRetries(() => next(req), options()) : next(req);

export interface BreakerPair {
  readonly account: Breaker;
  readonly host: HostBreaker;
}

/** The account's breaker, then its host's; cancels and position closes always go through. */
export const breakerInterceptor =
  (accountId: string, breakers: (req: UpstreamRequest) => BreakerPair): Interceptor =>
  (next) =>
  async (req) => {
    const { account, host } = breakers(req);
    const bypass = req.priority === "order" && req.method === "DELETE";
    const probe = host.admit(bypass);
    let verdict: Verdict = "ignore";
    try {
      return await account.execute(
        () => next(req),
        (o) => {
          verdict = classify(o, req.signal);
          return verdict;
        },
        { bypass },
      );
    } finally {
      host.record(accountId, verdict, probe);
    }
  };

/**
 * Spends budget before the request leaves (synchronously when a slot is free), follows
 * Alpaca's X-RateLimit-* headers and 429s, and drops a request whose client went away
 * while it waited: it is never sent and its slot is given back.
 */
export const budgetInterceptor =
  (budget: AccountBudget, now: () => number): Interceptor =>
  (next) => {
    const sendObserved = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
      const res = await next(req);
      budget.observe({
        limit: header(res.headers, "x-ratelimit-limit"),
        remaining: header(res.headers, "x-ratelimit-remaining"),
        resetEpochSeconds: header(res.headers, "x-ratelimit-reset"),
      });
      if (res.status === 429) budget.throttled(retryAfterMs(res.headers, now()));
      return res;
    };
    return (req) => {
      if (req.signal?.aborted) return Promise.reject(req.signal.reason);
      if (budget.tryAcquire()) return sendObserved(req);
      return budget.acquire(req.priority, req.signal).then(() => {
        if (req.signal?.aborted) {
          budget.release();
          throw req.signal.reason;
        }
        return sendObserved(req);
      });
    };
  };

export interface UpstreamObserver {
  /** One request went upstream: its status (or the error's code) and duration in seconds. */
  sent(req: UpstreamRequest, outcome: string, seconds: number): void;
  /** It failed (5xx, 429 or a transport error): the account's last error. */
  failed(status: number | undefined, message: string): void;
}

/** Counts and times what actually went upstream. */
export const metricsInterceptor =
  (observer: UpstreamObserver, now: () => number): Interceptor =>
  (next) =>
  async (req) => {
    const started = now();
    try {
      const res = await next(req);
      observer.sent(req, String(res.status), (now() - started) / 1000);
      if (res.status >= 500 || res.status === 429) observer.failed(res.status, `upstream ${res.status}`);
      return res;
    } catch (err) {
      const code = isPaddockError(err) ? err.code : "error";
      observer.sent(req, code, (now() - started) / 1000);
      observer.failed(undefined, err instanceof Error ? err.message : String(err));
      throw err;
    }
  };
