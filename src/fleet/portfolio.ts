/**
 * `GET /v1/portfolio`'s answer from per-account entries: totals and positions summed in exact
 * decimals (decimal.js, never floats: 0.1 + 0.2 shares is "0.3"). The same function sums the
 * entries of one instance and the entries merged from every shard, so the two agree.
 */
import { Decimal, decimalOr0, decimalString } from "../trading/decimal.js";
import type { AlpacaPosition, Snapshot } from "./portfolio-snapshots.js";

export type PortfolioEntry =
  | {
      readonly id: string;
      readonly mode: "paper" | "live";
      readonly status: "ok";
      readonly equity: string | undefined;
      readonly cash: string | undefined;
      readonly buying_power: string | undefined;
      readonly last_equity: string | undefined;
      readonly positions: readonly AlpacaPosition[];
      readonly as_of: string;
    }
  | {
      readonly id: string;
      readonly mode: "paper" | "live";
      readonly status: "error";
      readonly error: string;
      readonly as_of: string;
    };

export function portfolioEntry(s: Snapshot): PortfolioEntry {
  const as_of = new Date(s.at).toISOString();
  return s.ok
    ? {
        id: s.id,
        mode: s.mode,
        status: "ok",
        equity: s.account.equity,
        cash: s.account.cash,
        buying_power: s.account.buying_power,
        last_equity: s.account.last_equity,
        positions: s.positions,
        as_of,
      }
    : { id: s.id, mode: s.mode, status: "error", error: s.error, as_of };
}

/** Totals, positions by symbol and snapshot ages over `entries` (kept in their order). */
export function summarizePortfolio(entries: readonly PortfolioEntry[], freshMs: number, now: number) {
  let equity = new Decimal(0);
  let cash = new Decimal(0);
  let oldest = now;
  let newest = 0;
  const bySymbol = new Map<
    string,
    { qty: Decimal; market_value: Decimal; unrealized_pl: Decimal; accounts: string[] }
  >();
  for (const e of entries) {
    const at = Date.parse(e.as_of);
    oldest = Math.min(oldest, at);
    newest = Math.max(newest, at);
    if (e.status !== "ok") continue;
    equity = equity.plus(decimalOr0(e.equity));
    cash = cash.plus(decimalOr0(e.cash));
    for (const p of e.positions) {
      const agg = bySymbol.get(p.symbol) ?? {
        qty: new Decimal(0),
        market_value: new Decimal(0),
        unrealized_pl: new Decimal(0),
        accounts: [],
      };
      // Alpaca reports a short position's qty as negative already
      agg.qty = agg.qty.plus(decimalOr0(p.qty));
      agg.market_value = agg.market_value.plus(decimalOr0(p.market_value));
      agg.unrealized_pl = agg.unrealized_pl.plus(decimalOr0(p.unrealized_pl));
      agg.accounts.push(e.id);
      bySymbol.set(p.symbol, agg);
    }
  }
  return {
    totals: {
      equity: decimalString(equity),
      cash: decimalString(cash),
      accounts: entries.length,
      accounts_failed: entries.filter((e) => e.status !== "ok").length,
    },
    positions: [...bySymbol.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([symbol, p]) => ({
        symbol,
        qty: decimalString(p.qty),
        market_value: decimalString(p.market_value),
        unrealized_pl: decimalString(p.unrealized_pl),
        accounts: p.accounts,
      })),
    accounts: entries,
    snapshot: {
      refreshed_after_ms: freshMs,
      oldest_age_ms: entries.length > 0 ? now - oldest : 0,
      newest_age_ms: entries.length > 0 ? now - newest : 0,
    },
  };
}
