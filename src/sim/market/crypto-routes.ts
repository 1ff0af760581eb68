/**
 * Crypto market data, `/v1beta3/crypto/{loc}/…`: historical bars, trades and quotes, latest bars,
 * trades, quotes and order books, and snapshots, for the listed pairs (`BTC/USD`). The same tape
 * and price engine as stocks, trading around the clock; sizes are in coins (the tape's share
 * sizes scaled by the pair's price level, so a bar's volume is still the sum of its trades).
 */
import type { SimRequest, SimResponse, SimRouter } from "../contract.js";
import type { Bar } from "./bars.js";
import { CRYPTO_PAIRS } from "./crypto-pairs.js";
import { mix32 } from "./hash.js";
import { barItems, type ItemSource, paginate, quotesOf, tradesOf } from "./history.js";
import type { MarketData } from "./market-data.js";
import {
  decodeToken,
  encodeToken,
  ParamError,
  parseLimit,
  parseRange,
  parseSort,
  parseSymbols,
  parseTimeframeParam,
  toResponse,
} from "./params.js";
import type { TapeQuote, TapeTrade } from "./tape.js";
import { rfc3339Nanos, rfc3339Seconds } from "./wire.js";

const LOCATIONS = new Set(["us", "us-1", "us-2", "eu-1", "bs-1"]);
const CRYPTO_SYMBOL = /^[A-Z0-9]{1,10}\/[A-Z]{3,5}$/;
const LEVELS = new Map(CRYPTO_PAIRS.map((p) => [p.symbol, p.level]));
const DAY_MS = 86_400_000;

const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;
/** Coins per tape share: a round lot is worth about $1,000. */
const scaleOf = (symbol: string): number => 10 / (LEVELS.get(symbol) ?? 1);

const cryptoBar = (symbol: string, b: Bar) => ({
  t: rfc3339Seconds(b.t),
  o: b.o,
  h: b.h,
  l: b.l,
  c: b.c,
  v: round9(b.v * scaleOf(symbol)),
  n: b.n,
  vw: b.vw,
});
const cryptoTrade = (symbol: string, tr: TapeTrade) => ({
  t: rfc3339Nanos(tr.t, tr.ns),
  p: tr.p,
  s: round9(tr.s * scaleOf(symbol)),
  i: tr.i,
  tks: (mix32(tr.i) & 1) === 0 ? "B" : "S",
});
const cryptoQuote = (symbol: string, q: TapeQuote) => ({
  t: rfc3339Nanos(q.t, q.ns),
  bp: q.bp,
  bs: round9(q.bs * scaleOf(symbol)),
  ap: q.ap,
  as: round9(q.as * scaleOf(symbol)),
});

function wrap(fn: (req: SimRequest) => SimResponse): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      const loc = req.params.loc ?? "";
      if (!LOCATIONS.has(loc)) throw new ParamError(400, `invalid loc: ${JSON.stringify(loc)}`);
      return fn(req);
    } catch (err) {
      return toResponse(err);
    }
  };
}

export function registerCryptoRoutes(router: SimRouter, md: MarketData): void {
  const { tape, bars, latest, clock } = md;
  const listed = new Set(CRYPTO_PAIRS.map((p) => p.symbol));
  const symbolsOf = (q: URLSearchParams): string[] =>
    parseSymbols(q, CRYPTO_SYMBOL).filter((s) => listed.has(s));

  function history(kind: "bars" | "trades" | "quotes", req: SimRequest): SimResponse {
    const q = req.query;
    const symbols = symbolsOf(q);
    const tf = kind === "bars" ? parseTimeframeParam(q) : undefined;
    const limit = parseLimit(q);
    const desc = parseSort(q);
    const token = decodeToken(q);
    const now = clock.now();
    const range = parseRange(q, now, Math.floor(now / DAY_MS) * DAY_MS);
    let out: Record<string, unknown[]>;
    let next: { symbol: string; t: number } | null;
    if (tf) {
      const p = paginate(symbols, barItems(bars, tf, now), range, desc, limit, token);
      out = Object.fromEntries([...p.bySymbol].map(([s, v]) => [s, v.map((b) => cryptoBar(s, b))]));
      next = p.next;
    } else if (kind === "trades") {
      const src: ItemSource<TapeTrade> = (s, f, t, d) => tradesOf(tape, s, f, t, d);
      const p = paginate(symbols, src, range, desc, limit, token);
      out = Object.fromEntries([...p.bySymbol].map(([s, v]) => [s, v.map((x) => cryptoTrade(s, x))]));
      next = p.next;
    } else {
      const src: ItemSource<TapeQuote> = (s, f, t, d) => quotesOf(tape, s, f, t, d);
      const p = paginate(symbols, src, range, desc, limit, token);
      out = Object.fromEntries([...p.bySymbol].map(([s, v]) => [s, v.map((x) => cryptoQuote(s, x))]));
      next = p.next;
    }
    return {
      status: 200,
      body: { [kind]: out, next_page_token: next ? encodeToken(next.symbol, next.t) : null },
    };
  }

  /** Ten levels a side around the latest quote, one tick apart, sizes from the tape's hash. */
  function orderbook(symbol: string) {
    const q = latest.quote(symbol);
    const tick = q.bp >= 1 ? 0.01 : 0.0001;
    const dp = tick === 0.01 ? 100 : 10_000;
    const side = (from: number, dir: 1 | -1, salt: number) =>
      Array.from({ length: 10 }, (_, k) => ({
        p: Math.round((from + dir * k * tick) * dp) / dp,
        s: round9(((1 + (mix32(q.t ^ salt ^ (k * 0x9e37)) % 20)) * 100 * scaleOf(symbol)) / 2),
      }));
    return { t: rfc3339Nanos(q.t, q.ns), b: side(q.bp, -1, 0x51), a: side(q.ap, 1, 0xa7) };
  }

  function snapshot(symbol: string) {
    const s = latest.snapshot(symbol);
    return {
      latestTrade: cryptoTrade(symbol, s.latestTrade),
      latestQuote: cryptoQuote(symbol, s.latestQuote),
      ...(s.minuteBar ? { minuteBar: cryptoBar(symbol, s.minuteBar) } : {}),
      ...(s.dailyBar ? { dailyBar: cryptoBar(symbol, s.dailyBar) } : {}),
      ...(s.prevDailyBar ? { prevDailyBar: cryptoBar(symbol, s.prevDailyBar) } : {}),
    };
  }

  const base = "/v1beta3/crypto/:loc";
  for (const kind of ["bars", "trades", "quotes"] as const)
    router.add(
      "GET",
      `${base}/${kind}`,
      wrap((req) => history(kind, req)),
    );
  const latestOf: Record<string, (s: string) => unknown> = {
    bars: (s) => {
      const b = latest.minuteBar(s);
      return b ? cryptoBar(s, b) : undefined;
    },
    trades: (s) => cryptoTrade(s, latest.trade(s)),
    quotes: (s) => cryptoQuote(s, latest.quote(s)),
    orderbooks: orderbook,
  };
  for (const [kind, one] of Object.entries(latestOf))
    router.add(
      "GET",
      `${base}/latest/${kind}`,
      wrap((req) => {
        const out: Record<string, unknown> = {};
        for (const s of symbolsOf(req.query)) {
          const v = one(s);
          if (v !== undefined) out[s] = v;
        }
        return { status: 200, body: { [kind]: out } };
      }),
    );
  router.add(
    "GET",
    `${base}/snapshots`,
    wrap((req) => ({
      status: 200,
      body: { snapshots: Object.fromEntries(symbolsOf(req.query).map((s) => [s, snapshot(s)])) },
    })),
  );
}
