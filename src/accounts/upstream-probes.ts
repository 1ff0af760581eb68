/**
 * Upstream health: every health interval, one cheap probe per upstream host
 * (`GET /v2/clock` through an account of each mode, spending one request of its
 * budget), feeding `/readyz`, and the clock skew against the upstream `Date` header.
 * The probe goes through the account with the most budget to spare and never waits for
 * budget: when every account of the mode is busy (its queue non-empty or its budget
 * spent) the probe is skipped and the last result stands, because a spent budget says
 * the gateway is working, not that the upstream is down (it must not make /readyz 503).
 */

import type { Config } from "../config/schema.js";
import { isPaddockError } from "../errors.js";
import type { CheckResult, HealthRegistry } from "../observability/health.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { Account, Fleet } from "./types.js";

export interface ProbeDeps {
  readonly health: HealthRegistry;
  readonly fleet: Fleet;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly config: () => Config;
  readonly now: () => number;
}

export function registerUpstreamProbes(deps: ProbeDeps): () => void {
  let warnedSkew = false;
  const last = new Map<"paper" | "live", CheckResult>();
  const skipped = (mode: "paper" | "live"): CheckResult => {
    const prev = last.get(mode);
    const why = "probe skipped: every account's budget is in use";
    return prev
      ? { ...prev, detail: prev.detail ? `${prev.detail}; ${why}` : why }
      : { status: "up", detail: why };
  };
  /** The account of this mode with budget to spare now (none queued), most remaining first. */
  const pick = (mode: "paper" | "live"): Account | "busy" | undefined => {
    let best: { account: Account; remaining: number } | undefined;
    let any = false;
    for (const a of deps.fleet.list()) {
      if (a.mode !== mode) continue;
      any = true;
      const b = a.status().budget;
      if (b.limit > 0 && (b.queued > 0 || b.remaining <= 0)) continue;
      const remaining = b.limit > 0 ? b.remaining : Number.POSITIVE_INFINITY;
      if (!best || remaining > best.remaining) best = { account: a, remaining };
      if (remaining === Number.POSITIVE_INFINITY) break;
    }
    return best?.account ?? (any ? "busy" : undefined);
  };
  const probe = async (mode: "paper" | "live"): Promise<CheckResult> => {
    let result: CheckResult | "skipped";
    try {
      result = await probeOnce(mode);
    } catch (err) {
      last.set(mode, { status: "down", detail: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    if (result === "skipped") return skipped(mode);
    last.set(mode, result);
    return result;
  };
  const probeOnce = async (mode: "paper" | "live"): Promise<CheckResult | "skipped"> => {
    const account = pick(mode);
    if (!account) return { status: "up", detail: "no accounts" };
    if (account === "busy") return "skipped";
    const sent = deps.now();
    let res: Awaited<ReturnType<Account["request"]>>;
    try {
      res = await account.request({
        method: "GET",
        path: "/v2/clock",
        kind: "trading",
        priority: "bulk",
        idempotent: false,
      });
    } catch (err) {
      // refused by our own budget (spent since we looked): says nothing about the upstream
      if (isPaddockError(err, "PADDOCK_RATE_LIMITED")) return "skipped";
      throw err;
    }
    const date = res.headers.date;
    if (typeof date === "string") {
      const upstream = Date.parse(date);
      if (!Number.isNaN(upstream)) {
        // Date has 1 s resolution: compare against the middle of the round trip
        const skew = (sent + (deps.now() - sent) / 2 - upstream) / 1000;
        deps.metrics.clockSkew.set(skew);
        const bound = deps.config().upstream.clockSkewWarnSeconds;
        if (Math.abs(skew) > bound + 1 && !warnedSkew) {
          warnedSkew = true;
          deps.logger.warn({ skewSeconds: skew, bound }, "local clock differs from the upstream clock");
        }
      }
    }
    if (res.status >= 500) return { status: "down", detail: `${mode} trading answered ${res.status}` };
    return res.status === 200
      ? { status: "up" }
      : { status: "degraded", detail: `${mode} trading answered ${res.status}` };
  };
  const names: string[] = [];
  for (const mode of ["paper", "live"] as const) {
    if (!deps.fleet.list().some((a) => a.mode === mode)) continue;
    const name = `upstream-${mode}`;
    // Alpaca down is reported, never a reason to leave the load balancer (every instance sees it)
    deps.health.register(name, () => probe(mode), { degrades: ["reads", "orders", "streams"] });
    names.push(name);
  }
  return () => {
    for (const n of names) deps.health.unregister(n);
  };
}
