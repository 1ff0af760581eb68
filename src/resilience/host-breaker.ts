/**
 * The breaker of one upstream host (paper trading, live trading, market data), shared
 * by the accounts that use it. It opens only when many accounts fail together: when
 * at least `minimumAccounts` distinct accounts have their own breaker open and they
 * are at least `accountShare` of the accounts active in the last `windowMs`. One
 * account's failures open that account's breaker, never its neighbours'. Open, it
 * answers PADDOCK_BREAKER_OPEN at once; after `halfOpenAfterMs` one probe request goes
 * through, and its outcome closes (fresh window) or re-opens it. No timers: a pure
 * state machine over an injected clock.
 */
import { PaddockError } from "../errors.js";
import type { BreakerState, Verdict } from "./breaker.js";

export interface HostBreakerOptions {
  /** For logs and errors, e.g. `host:paper-api.alpaca.markets`. */
  readonly name: string;
  /** Share of active accounts (0 < share ≤ 1) whose breakers must be open together. */
  readonly accountShare: number;
  /** Fewest distinct accounts failing together before the host opens. */
  readonly minimumAccounts: number;
  /** An account counts as active for this long after its last outcome. */
  readonly windowMs: number;
  readonly halfOpenAfterMs: number;
  /** A probe out longer than this no longer holds the half-open slot (default 60 s). */
  readonly probeTimeoutMs?: number;
  readonly now?: () => number;
  readonly onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

export interface HostBreaker {
  state(): BreakerState;
  retryAfterMs(): number;
  /**
   * Before a request: throws PADDOCK_BREAKER_OPEN while open (unless `bypass`); true when
   * this request is the half-open probe (its outcome must be passed to `record`).
   */
  admit(bypass: boolean): boolean;
  /** After a request of `accountId`: counts it as active; a probe's verdict moves the breaker. */
  record(accountId: string, verdict: Verdict, probe: boolean): void;
  /** An account's own breaker changed state. */
  accountState(accountId: string, state: BreakerState): void;
  /** The account left the fleet. */
  forget(accountId: string): void;
  /** Distinct accounts failing and active now (for tests and status). */
  counts(): { failing: number; active: number };
}

interface Seen {
  at: number;
  failing: boolean;
}

export function createHostBreaker(o: HostBreakerOptions): HostBreaker {
  if (!(o.accountShare > 0 && o.accountShare <= 1))
    throw new RangeError(`host breaker accountShare must be in (0, 1], got ${o.accountShare}`);
  if (!(Number.isInteger(o.minimumAccounts) && o.minimumAccounts >= 1))
    throw new RangeError(`host breaker minimumAccounts must be an integer >= 1, got ${o.minimumAccounts}`);
  for (const k of ["windowMs", "halfOpenAfterMs"] as const) {
    if (!(o[k] > 0)) throw new RangeError(`host breaker ${k} must be > 0, got ${o[k]}`);
  }
  const now = o.now ?? Date.now;
  const probeTimeoutMs = o.probeTimeoutMs ?? 60_000;
  const seen = new Map<string, Seen>();
  let current: BreakerState = "closed";
  let openedAt = 0;
  let probeStartedAt: number | undefined;

  const transition = (to: BreakerState): void => {
    if (to === current) return;
    const from = current;
    current = to;
    if (to === "open") openedAt = now();
    if (to !== "half_open") probeStartedAt = undefined;
    if (to === "closed") seen.clear(); // a fresh window after recovery
    o.onStateChange?.(from, to);
  };

  const state = (): BreakerState => {
    if (current === "open" && now() - openedAt >= o.halfOpenAfterMs) transition("half_open");
    return current;
  };

  const probeBusy = (): boolean => probeStartedAt !== undefined && now() - probeStartedAt < probeTimeoutMs;

  const counts = (): { failing: number; active: number } => {
    const horizon = now() - o.windowMs;
    let failing = 0;
    for (const [id, s] of seen) {
      if (s.failing) failing++;
      else if (s.at <= horizon) seen.delete(id);
    }
    return { failing, active: seen.size };
  };

  const retryAfterMs = (): number => {
    const s = state();
    if (s === "open") return Math.max(0, openedAt + o.halfOpenAfterMs - now());
    return s === "half_open" && probeBusy() ? o.halfOpenAfterMs : 0;
  };

  return {
    state,
    retryAfterMs,
    counts,
    admit(bypass) {
      const s = state();
      if (bypass || s === "closed") return false;
      if (s === "half_open" && !probeBusy()) {
        probeStartedAt = now();
        return true;
      }
      throw new PaddockError("PADDOCK_BREAKER_OPEN", {
        detail: o.name,
        retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs() / 1000)),
      });
    },
    record(accountId, verdict, probe) {
      if (verdict !== "ignore") {
        const s = seen.get(accountId);
        if (s) s.at = now();
        else seen.set(accountId, { at: now(), failing: false });
      }
      if (!probe || current !== "half_open") return;
      if (verdict === "success") transition("closed");
      else if (verdict === "failure") transition("open");
      else probeStartedAt = undefined; // decided nothing: the next request probes
    },
    accountState(accountId, accountState) {
      const failing = accountState !== "closed";
      seen.set(accountId, { at: now(), failing });
      if (accountState !== "open" || state() !== "closed") return;
      const c = counts();
      if (c.failing >= o.minimumAccounts && c.failing / c.active >= o.accountShare) transition("open");
    },
    forget(accountId) {
      seen.delete(accountId);
    },
  };
}
