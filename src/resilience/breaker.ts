/**
 * A circuit breaker as a pure state machine over an injected clock: a sliding window
 * of time buckets counts successes and failures; the breaker opens when the failure
 * share exceeds `failureRatio` with at least `minimumRequests` counted, answers
 * PADDOCK_BREAKER_OPEN at once while open, lets one probe through after
 * `halfOpenAfterMs` (half-open), closes on a successful probe and re-opens on a failed
 * one. No timers: transitions happen when the breaker is asked, so a fake clock drives
 * it completely. See docs/resilience.md for why this is hand-written rather than
 * cockatiel's SamplingBreaker.
 */
import { PaddockError } from "../errors.js";

export type BreakerState = "closed" | "open" | "half_open";

export type Verdict = "success" | "failure" | "ignore";

export interface BreakerOptions {
  /** For logs and errors, e.g. `account:acct-001` or `host:paper-api.alpaca.markets`. */
  readonly name: string;
  /** Opens when failures / total > this (0 < ratio <= 1). */
  readonly failureRatio: number;
  /** Fewest outcomes in the window before the ratio is looked at. */
  readonly minimumRequests: number;
  readonly windowMs: number;
  /** Time spent open before a probe is admitted. */
  readonly halfOpenAfterMs: number;
  /** A probe out longer than this no longer holds the half-open slot (default 60 s): never stuck. */
  readonly probeTimeoutMs?: number;
  /** Buckets the window is split into (default 10). */
  readonly buckets?: number;
  readonly now?: () => number;
  /** Called exactly once per transition. */
  readonly onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

export interface Breaker {
  state(): BreakerState;
  /** How long until a request may be admitted again (0 while closed). */
  retryAfterMs(): number;
  /**
   * Runs `fn` unless the breaker is open (then throws PADDOCK_BREAKER_OPEN with
   * `retryAfterSeconds`); half-open admits one probe at a time. `bypass: true` runs
   * `fn` whatever the state (cancels must always be attempted); its outcome is still
   * counted in the window, but only probes move an open breaker.
   */
  execute<T>(
    fn: () => Promise<T>,
    classify: (outcome: { result?: T; error?: unknown }) => Verdict,
    opts?: { bypass?: boolean },
  ): Promise<T>;
  /** Counts in the current window (for metrics and tests). */
  stats(): { successes: number; failures: number };
}

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

const positive = (name: string, v: number): void => {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`breaker ${name} must be > 0, got ${v}`);
};

export function createBreaker(opts: BreakerOptions): Breaker {
  positive("windowMs", opts.windowMs);
  positive("halfOpenAfterMs", opts.halfOpenAfterMs);
  positive("minimumRequests", opts.minimumRequests);
  if (!(opts.failureRatio > 0 && opts.failureRatio <= 1)) {
    throw new RangeError(`breaker failureRatio must be in (0, 1], got ${opts.failureRatio}`);
  }
  const now = opts.now ?? Date.now;
  const bucketCount = Math.max(1, Math.floor(opts.buckets ?? 10));
  const bucketMs = Math.max(1, Math.ceil(opts.windowMs / bucketCount));
  const buckets: Bucket[] = [];
  let current: BreakerState = "closed";
  let openedAt = 0;
  let probeInFlight = false;
  let probeStartedAt = 0;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 60_000;
  /** The probe slot is taken by a probe that has not outlived probeTimeoutMs. */
  const probeBusy = (): boolean => probeInFlight && now() - probeStartedAt < probeTimeoutMs;

  const transition = (to: BreakerState): void => {
    if (to === current) return;
    const from = current;
    current = to;
    if (to === "open") openedAt = now();
    if (to !== "half_open") probeInFlight = false;
    if (to === "closed") buckets.length = 0; // a fresh window after recovery
    opts.onStateChange?.(from, to);
  };

  const prune = (t: number): void => {
    while (buckets.length > 0 && buckets[0]!.start + bucketCount * bucketMs <= t) buckets.shift();
  };

  const record = (verdict: "success" | "failure"): void => {
    const t = now();
    prune(t);
    const start = t - (t % bucketMs);
    let last = buckets[buckets.length - 1];
    if (!last || last.start !== start) {
      last = { start, successes: 0, failures: 0 };
      buckets.push(last);
    }
    if (verdict === "success") last.successes++;
    else last.failures++;
  };

  const stats = (): { successes: number; failures: number } => {
    prune(now());
    let successes = 0;
    let failures = 0;
    for (const b of buckets) {
      successes += b.successes;
      failures += b.failures;
    }
    return { successes, failures };
  };

  const shouldOpen = (): boolean => {
    const { successes, failures } = stats();
    const total = successes + failures;
    return total >= opts.minimumRequests && failures / total > opts.failureRatio;
  };

  const state = (): BreakerState => {
    if (current === "open" && now() - openedAt >= opts.halfOpenAfterMs) transition("half_open");
    return current;
  };

  const retryAfterMs = (): number => {
    const s = state();
    if (s === "open") return Math.max(0, openedAt + opts.halfOpenAfterMs - now());
    // half-open with its probe out: the probe answers within a request timeout
    if (s === "half_open" && probeBusy()) return opts.halfOpenAfterMs;
    return 0;
  };

  const refuse = (): PaddockError =>
    new PaddockError("PADDOCK_BREAKER_OPEN", {
      detail: opts.name,
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs() / 1000)),
    });

  return {
    state,
    retryAfterMs,
    stats,
    async execute<T>(
      fn: () => Promise<T>,
      classify: (outcome: { result?: T; error?: unknown }) => Verdict,
      eo: { bypass?: boolean } = {},
    ): Promise<T> {
      const s = state();
      const bypass = eo.bypass === true;
      let probe = false;
      if (!bypass) {
        if (s === "open") throw refuse();
        if (s === "half_open") {
          if (probeBusy()) throw refuse();
          probeInFlight = true;
          probeStartedAt = now();
          probe = true;
        }
      }
      let verdict: Verdict;
      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        const value = await fn();
        outcome = { ok: true, value };
        verdict = classify({ result: value });
      } catch (error) {
        outcome = { ok: false, error };
        verdict = classify({ error });
      }
      if (verdict !== "ignore") record(verdict);
      if (probe) {
        probeInFlight = false;
        if (current === "half_open") {
          if (verdict === "success") transition("closed");
          else if (verdict === "failure") transition("open");
        }
      } else if (verdict === "failure" && current === "closed" && shouldOpen()) {
        transition("open");
      }
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    },
  };
}
