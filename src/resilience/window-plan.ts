/**
 * How a per-minute budget is cut into the short fixed windows rate-limiter-flexible
 * counts in, so that no rolling minute ever sees more than the limit.
 *
 * rate-limiter-flexible opens a window with the first consume of a key and closes it
 * `windowSeconds` later (Redis TTL, or a timer in memory). Windows never overlap and
 * each one's first admission is at its start. In any interval of length S, at most
 * ceil(S / w) windows start (each admitting up to p), and the window already open at
 * the interval's start has admitted its first request before it (so at most p - 1
 * more). The worst count is therefore ceil(S / w) * p + p - 1, which stays at or
 * under the limit L when p = floor((L + 1) / (ceil(S / w) + 1)).
 *
 * A plain 60 s window with p = L lets 2 L through across a window boundary; this
 * plan gives up about 10% of throughput (180 of 200) to make that impossible, with a
 * one-second margin (S = 61 s) for the jitter between admission and arrival upstream.
 */

export interface WindowPlan {
  /** Admissions per window. */
  readonly points: number;
  /** Window length in whole seconds (Redis TTLs are whole seconds). */
  readonly windowSeconds: number;
  /** Sustained admissions per minute this plan allows. */
  readonly perMinute: number;
}

export interface WindowPlanOptions {
  /** The rolling span guarded, in ms (default 61 000: one minute plus a 1 s margin). */
  readonly spanMs?: number;
  /** Among plans with the best throughput, prefer the longest window up to this (default 10 s). */
  readonly preferMaxWindowSeconds?: number;
}

/** Worst count a plan can admit in any rolling `spanMs` (see the module comment). */
export const worstCaseInSpan = (plan: Pick<WindowPlan, "points" | "windowSeconds">, spanMs: number): number =>
  Math.ceil(spanMs / (plan.windowSeconds * 1000)) * plan.points + plan.points - 1;

export function planWindows(limit: number, o: WindowPlanOptions = {}): WindowPlan {
  if (!(Number.isInteger(limit) && limit >= 1))
    throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
  const spanMs = o.spanMs ?? 61_000;
  const preferMax = o.preferMaxWindowSeconds ?? 10;
  const maxWindow = Math.max(1, Math.ceil(spanMs / 1000));
  // equal throughput: a longer window (up to preferMax) serves a bigger burst at once
  const rank = (w: number): number => (w <= preferMax ? 1000 + w : -w);
  let best: WindowPlan | undefined;
  for (let w = 1; w <= maxWindow; w++) {
    const starts = Math.ceil(spanMs / (w * 1000));
    const points = Math.floor((limit + 1) / (starts + 1));
    if (points < 1) continue;
    const perMinute = Math.floor((points * 60) / w);
    const plan = { points, windowSeconds: w, perMinute };
    if (
      !best ||
      perMinute > best.perMinute ||
      (perMinute === best.perMinute && rank(w) > rank(best.windowSeconds))
    ) {
      best = plan;
    }
  }
  // limit 1 with a span over 60 s still finds w = ceil(span) (one per span): never undefined
  return best ?? { points: 1, windowSeconds: maxWindow, perMinute: Math.floor(60 / maxWindow) };
}
