/**
 * Stock auctions, `/v2/stocks/auctions` and `/v2/stocks/{symbol}/auctions`: for every regular
 * session, the opening auction at the session's first trade and the closing auction at its last
 * (so they match the daily bar's open and close), each reported by the primary listing exchange
 * with its official print (`Q` open, `M` close) and by the consolidated tape (`O`, `6`).
 */
import { easternDate } from "../calendar.js";
import type { SimRequest, SimResponse, SimRouter } from "../contract.js";
import { mix32 } from "./hash.js";
import { paginate } from "./history.js";
import type { MarketData } from "./market-data.js";
import {
  checkPassive,
  decodeToken,
  encodeToken,
  parseFeed,
  parseLimit,
  parseRange,
  parseSort,
  parseSymbol,
  parseSymbols,
  wrap,
} from "./params.js";
import { midnightOf, type Session, sessionsBetween } from "./sessions.js";
import { rfc3339Nanos } from "./wire.js";

/** Listing venue → its SIP participant code. */
const VENUE_CODE: Readonly<Record<string, string>> = {
  NYSE: "N",
  NASDAQ: "Q",
  ARCA: "P",
  NYSEARCA: "P",
  AMEX: "A",
  BATS: "Z",
};

interface DailyAuctions {
  readonly t: number;
  readonly body: { d: string; o: unknown[]; c: unknown[] };
}

export function registerAuctionRoutes(
  router: SimRouter,
  md: MarketData,
  venueOf: (symbol: string) => string | undefined,
): void {
  const { tape, clock } = md;

  function daily(symbol: string, s: Session, now: number): DailyAuctions | undefined {
    if (now < s.openMs) return undefined;
    const x = VENUE_CODE[venueOf(symbol) ?? ""] ?? "Q";
    const first =
      tape.tradesBetween(symbol, s.openMs, s.openMs + 60_000)[0] ??
      tape.lastTradeAtOrBefore(symbol, s.openMs);
    const size = (salt: number): number => 100 * (50 + (mix32(salt ^ Math.floor(s.openMs / 1000)) % 5000));
    const print = (t: number, p: number, c: string, venue: string, withSize: boolean) => ({
      t: rfc3339Nanos(t, 0),
      x: venue,
      p,
      ...(withSize ? { s: size(c.charCodeAt(0)) } : {}),
      c,
    });
    const o = [print(s.openMs, first.p, "O", x, true), print(s.openMs, first.p, "Q", x, false)];
    let c: unknown[] = [];
    if (now >= s.closeMs) {
      const last = tape.lastTradeAtOrBefore(symbol, s.closeMs - 1);
      c = [print(s.closeMs, last.p, "6", x, true), print(s.closeMs, last.p, "M", x, false)];
    }
    return { t: s.midnightMs, body: { d: s.date, o, c } };
  }

  function* items(symbol: string, fromMs: number, toMs: number, desc: boolean): Generator<DailyAuctions> {
    const now = clock.now();
    for (const s of sessionsBetween(symbol, fromMs - 86_400_000, toMs + 86_400_000, desc)) {
      if (s.midnightMs < fromMs || s.midnightMs > toMs) continue;
      const a = daily(symbol, s, now);
      if (a) yield a;
    }
  }

  function history(req: SimRequest, single: string | undefined): SimResponse {
    const q = req.query;
    const symbols = single === undefined ? parseSymbols(q) : [parseSymbol("symbol", single)];
    parseFeed(q, ["sip"]);
    checkPassive(q);
    const limit = parseLimit(q);
    const desc = parseSort(q);
    const token = decodeToken(q);
    const now = clock.now();
    const range = parseRange(q, now, midnightOf(easternDate(now)));
    const known = symbols.filter((s) => md.isKnown(s) && !s.includes("/"));
    const page = paginate(known, items, range, desc, limit, token);
    const next = page.next ? encodeToken(page.next.symbol, page.next.t) : null;
    const bySymbol = Object.fromEntries([...page.bySymbol].map(([s, v]) => [s, v.map((a) => a.body)]));
    const currency = q.get("currency");
    const extra = currency ? { currency } : {};
    if (single !== undefined)
      return {
        status: 200,
        body: { auctions: bySymbol[single] ?? [], symbol: single, next_page_token: next, ...extra },
      };
    return { status: 200, body: { auctions: bySymbol, next_page_token: next, ...extra } };
  }

  router.add(
    "GET",
    "/v2/stocks/auctions",
    wrap((req) => history(req, undefined)),
  );
  router.add(
    "GET",
    "/v2/stocks/:symbol/auctions",
    wrap((req) => history(req, req.params.symbol ?? "")),
  );
}
