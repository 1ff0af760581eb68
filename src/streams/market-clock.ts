/**
 * Whether the market is open, for the silence watchdog: Alpaca's `/v2/clock`
 * through a trading account (its budget applies), cached for a minute and
 * refreshed in the background. Unknown counts as open, so a silent stream is
 * never excused by a missing answer.
 */
import type { Fleet } from "../accounts/types.js";

export interface MarketClock {
  isOpen(): boolean;
}

export function createMarketClock(deps: { fleet: Fleet; now: () => number; ttlMs?: number }): MarketClock {
  const ttl = deps.ttlMs ?? 60_000;
  let open = true;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let inFlight = false;
  const refresh = async (): Promise<void> => {
    const account = deps.fleet.list()[0];
    if (!account) return;
    inFlight = true;
    try {
      const res = await account.request({
        method: "GET",
        path: "/v2/clock",
        priority: "bulk",
        kind: "trading",
        idempotent: true,
      });
      if (res.status === 200) {
        const body = JSON.parse(res.body.toString("utf8")) as { is_open?: unknown };
        if (typeof body.is_open === "boolean") open = body.is_open;
      }
    } catch {
      // keep the last answer
    } finally {
      fetchedAt = deps.now();
      inFlight = false;
    }
  };
  return {
    isOpen() {
      if (!inFlight && deps.now() - fetchedAt > ttl) void refresh();
      return open;
    },
  };
}
