/**
 * Simulated corporate actions: quarterly cash dividends for about 45% of listed stocks, fixed by
 * the symbol. Ex-dates fall on a trading day in the symbol's three-month cycle; the record date
 * is the ex-date (T+1 settlement), payment two to four weeks later, declaration three weeks
 * before; the rate is a 0.5–3.5% yearly yield on the simulated price at the ex-date, per quarter.
 * Served by `/v1/corporate-actions` (data host) and `/v2/corporate_actions/announcements` (trading).
 */
import { addDays, tradingDay } from "../calendar.js";
import type { PriceEngine } from "../contract.js";
import { stableUuid, syntheticCusip } from "../ids.js";
import { hashString, mix32 } from "./hash.js";
import { midnightOf } from "./sessions.js";

export interface Dividend {
  readonly id: string;
  readonly symbol: string;
  readonly cusip: string;
  /** Per share, in USD. */
  readonly rate: number;
  readonly declarationDate: string;
  readonly exDate: string;
  readonly recordDate: string;
  readonly payableDate: string;
}

export interface CorporateActions {
  /** Dividends whose `field` date lies in [from, to] (YYYY-MM-DD), by that date then symbol. */
  dividends(
    from: string,
    to: string,
    symbols?: readonly string[],
    field?: "exDate" | "recordDate" | "payableDate" | "declarationDate",
  ): Dividend[];
  /** One dividend by id (searched within two years of `aroundDate`). */
  byId(id: string, aroundDate: string): Dividend | undefined;
}

const onOrAfterTradingDay = (date: string): string => {
  let d = date;
  while (!tradingDay(d)) d = addDays(d, 1);
  return d;
};

export function createCorporateActions(deps: {
  prices: PriceEngine;
  symbols: readonly string[];
}): CorporateActions {
  const { prices } = deps;

  function ofQuarter(symbol: string, year: number, quarter: number): Dividend | undefined {
    const h = mix32(hashString(symbol) ^ 0xd1d);
    if (h % 100 >= 45) return undefined;
    const month = 1 + ((h >>> 8) % 3) + quarter * 3;
    const day = 5 + ((h >>> 12) % 15);
    const ex = onOrAfterTradingDay(
      `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
    );
    const yieldPct = 0.5 + ((h >>> 16) % 300) / 100;
    const price = prices.priceAt(symbol, midnightOf(ex));
    return {
      id: stableUuid("cash_dividend", symbol, ex),
      symbol,
      cusip: syntheticCusip(symbol),
      rate: Math.max(0.01, Math.round(((price * yieldPct) / 100 / 4) * 10_000) / 10_000),
      declarationDate: addDays(ex, -21),
      exDate: ex,
      recordDate: ex,
      payableDate: onOrAfterTradingDay(addDays(ex, 14 + ((h >>> 20) % 15))),
    };
  }

  function dividends(
    from: string,
    to: string,
    symbols: readonly string[] = deps.symbols,
    field: "exDate" | "recordDate" | "payableDate" | "declarationDate" = "exDate",
  ): Dividend[] {
    const out: Dividend[] = [];
    // a payable date can trail its ex-date by a month, a declaration lead it by three weeks
    const y0 = Number(addDays(from, -60).slice(0, 4));
    const y1 = Number(addDays(to, 60).slice(0, 4));
    for (const symbol of symbols)
      for (let y = y0; y <= y1; y++)
        for (let q = 0; q < 4; q++) {
          const d = ofQuarter(symbol, y, q);
          if (d && d[field] >= from && d[field] <= to) out.push(d);
        }
    out.sort((a, b) =>
      a[field] === b[field] ? (a.symbol < b.symbol ? -1 : 1) : a[field] < b[field] ? -1 : 1,
    );
    return out;
  }

  return {
    dividends,
    byId(id, aroundDate) {
      return dividends(addDays(aroundDate, -730), addDays(aroundDate, 730)).find((d) => d.id === id);
    },
  };
}
