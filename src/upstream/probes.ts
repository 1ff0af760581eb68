/**
 * Upstream health: every health interval, one cheap probe per upstream host
 * (`GET /v2/clock` through an account of each mode, spending one request of its
 * budget), feeding `/readyz`, and the clock skew against the upstream `Date` header.
 */
import type { Account, Fleet } from "../accounts/types.js";
import type { Config } from "../config/schema.js";
import type { CheckResult, HealthRegistry } from "../observability/health.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

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
  const probe = async (mode: "paper" | "live"): Promise<CheckResult> => {
    const account: Account | undefined = deps.fleet.list().find((a) => a.mode === mode);
    if (!account) return { status: "up", detail: "no accounts" };
    const sent = deps.now();
    const res = await account.request({
      method: "GET",
      path: "/v2/clock",
      kind: "trading",
      priority: "bulk",
      idempotent: false,
    });
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
    deps.health.register(name, () => probe(mode));
    names.push(name);
  }
  return () => {
    for (const n of names) deps.health.unregister(n);
  };
}
