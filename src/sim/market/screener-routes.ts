/**
 * The screener, derived from the day's simulated tape: `/v1beta1/screener/stocks/most-actives`
 * (listed stocks by volume or trade count over their current or last regular session, up to now)
 * and `/v1beta1/screener/{stocks|crypto}/movers` (the biggest percentage moves of the latest trade
 * against the previous session's close; for crypto, against 24 hours ago).
 */

import { addDays } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import { CRYPTO_PAIRS } from "./crypto-pairs.js";
import type { MarketData } from "./market-data.js";
import { ParamError, wrap } from "./params.js";
import { lastSessionAtOrBefore, sessionOf } from "./sessions.js";
import { rfc3339Nanos } from "./wire.js";

const DAY_MS = 86_400_000;

function intParam(q: URLSearchParams, name: string, def: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ParamError(400, `invalid ${name}: must be an integer between 1 and ${max}`);
  return n;
}

const round = (x: number, dp: number): number => Math.round(x * 10 ** dp) / 10 ** dp;

export function registerScreenerRoutes(router: SimRouter, md: MarketData): void {
  const { tape, latest, clock } = md;
  /** Completed sessions' totals never change: cache them (bounded). */
  const done = new Map<string, { v: number; n: number }>();

  function sessionVolume(symbol: string, now: number): { v: number; n: number } {
    const s = lastSessionAtOrBefore(symbol, now);
    if (!s) return { v: 0, n: 0 };
    const complete = s.closeMs <= now;
    const key = `${symbol}|${s.date}`;
    const hit = complete ? done.get(key) : undefined;
    if (hit) return hit;
    let v = 0;
    let n = 0;
    const end = Math.min(s.closeMs, now + 1);
    for (let m = s.openMs / 60_000; m * 60_000 < end; m++) {
      const x = tape.volumeInMinute(symbol, m, now);
      v += x.v;
      n += x.n;
    }
    if (complete) {
      if (done.size >= 50_000) done.clear();
      done.set(key, { v, n });
    }
    return { v, n };
  }

  /** The close of the session before the symbol's current (or last) one. */
  function previousClose(symbol: string, now: number): number | undefined {
    const s = lastSessionAtOrBefore(symbol, now);
    if (!s) return undefined;
    let d = addDays(s.date, -1);
    for (let i = 0; i < 30; i++, d = addDays(d, -1)) {
      const p = sessionOf(symbol, d);
      if (p) return tape.lastTradeAtOrBefore(symbol, p.closeMs - 1).p;
    }
    return undefined;
  }

  const stamp = (now: number): string => rfc3339Nanos(now, 0);

  router.add(
    "GET",
    "/v1beta1/screener/stocks/most-actives",
    wrap((req) => {
      const by = req.query.get("by") || "volume";
      if (by !== "volume" && by !== "trades")
        throw new ParamError(400, `invalid by: ${JSON.stringify(by)} (volume or trades)`);
      const top = intParam(req.query, "top", 10, 100);
      const now = clock.now();
      const rows = md.listed.map((symbol) => {
        const x = sessionVolume(symbol, now);
        return { symbol, volume: x.v, trade_count: x.n };
      });
      rows.sort((a, b) =>
        by === "volume"
          ? b.volume - a.volume || b.trade_count - a.trade_count
          : b.trade_count - a.trade_count || b.volume - a.volume,
      );
      return { status: 200, body: { most_actives: rows.slice(0, top), last_updated: stamp(now) } };
    }),
  );

  router.add(
    "GET",
    "/v1beta1/screener/:market_type/movers",
    wrap((req) => {
      const type = req.params.market_type ?? "";
      if (type !== "stocks" && type !== "crypto")
        throw new ParamError(400, `invalid market_type: ${JSON.stringify(type)} (stocks or crypto)`);
      const top = intParam(req.query, "top", 10, 50);
      const now = clock.now();
      const symbols = type === "crypto" ? CRYPTO_PAIRS.map((p) => p.symbol) : md.listed;
      const rows: Array<{ symbol: string; percent_change: number; change: number; price: number }> = [];
      for (const symbol of symbols) {
        const price = latest.trade(symbol).p;
        const before =
          type === "crypto" ? tape.lastTradeAtOrBefore(symbol, now - DAY_MS).p : previousClose(symbol, now);
        if (before === undefined || before <= 0) continue;
        rows.push({
          symbol,
          percent_change: round(((price - before) / before) * 100, 2),
          change: round(price - before, 4),
          price,
        });
      }
      rows.sort((a, b) => b.percent_change - a.percent_change);
      const gainers = rows.filter((r) => r.percent_change > 0).slice(0, top);
      const losers = rows
        .filter((r) => r.percent_change < 0)
        .reverse()
        .slice(0, top);
      return { status: 200, body: { gainers, losers, market_type: type, last_updated: stamp(now) } };
    }),
  );
}
