/**
 * Bars, aggregated from the tape's trades so they always agree with them: a bar's open/close
 * are its first/last trade, high/low the extremes, volume the sum, `n` the count and `vw` the
 * volume-weighted price. Intraday bars cover the regular session only, on a grid aligned to the
 * UTC day and stamped with the bucket start; daily bars are stamped with New York midnight;
 * weekly bars group a Monday–Friday week, monthly bars N calendar months, each stamped with its
 * first trading day's midnight. Only trades at or before `nowMs` count (no future data).
 * Completed daily bars are cached (bounded, keyed by the price engine's override revision).
 */
import { easternDate } from "../calendar.js";
import type { Session } from "./sessions.js";
import { sessionsBetween } from "./sessions.js";
import type { Tape } from "./tape.js";
import type { Timeframe } from "./timeframe.js";

export interface Bar {
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
  readonly n: number;
  readonly vw: number;
}

interface Acc {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  pv: number;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

function finish(a: Acc | undefined): Bar | undefined {
  if (!a || a.n === 0) return undefined;
  return { t: a.t, o: a.o, h: a.h, l: a.l, c: a.c, v: a.v, n: a.n, vw: round6(a.pv / a.v) };
}

function addBar(a: Acc | undefined, t: number, b: Bar): Acc {
  if (!a) return { t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: b.n, pv: b.vw * b.v };
  if (b.h > a.h) a.h = b.h;
  if (b.l < a.l) a.l = b.l;
  a.c = b.c;
  a.v += b.v;
  a.n += b.n;
  a.pv += b.vw * b.v;
  return a;
}

export interface BarSource {
  /** The bar of one minute (epoch minutes), counting trades at or before `nowMs`. */
  minuteBar(symbol: string, m: number, nowMs: number): Bar | undefined;
  /** Bars of a timeframe with `fromMs <= t <= toMs`, in time order (descending when `desc`). */
  bars(
    symbol: string,
    tf: Timeframe,
    fromMs: number,
    toMs: number,
    desc: boolean,
    nowMs: number,
  ): Generator<Bar>;
  /** The (possibly partial) daily bar of a session. */
  dailyBar(symbol: string, session: Session, nowMs: number): Bar | undefined;
}

export function createBarSource(deps: { tape: Tape; revision: (symbol: string) => number }): BarSource {
  const { tape } = deps;
  const dailyCache = new Map<string, Bar | null>();
  const MAX_CACHE = 100_000;

  function minuteBar(symbol: string, m: number, nowMs: number): Bar | undefined {
    let a: Acc | undefined;
    let pv = 0;
    for (const tr of tape.tradesInMinute(symbol, m)) {
      if (tr.t > nowMs) break;
      pv += tr.p * tr.s;
      if (!a) a = { t: m * 60_000, o: tr.p, h: tr.p, l: tr.p, c: tr.p, v: tr.s, n: 1, pv: 0 };
      else {
        if (tr.p > a.h) a.h = tr.p;
        if (tr.p < a.l) a.l = tr.p;
        a.c = tr.p;
        a.v += tr.s;
        a.n++;
      }
    }
    if (a) a.pv = pv;
    return finish(a);
  }

  /** Aggregates the minutes [fromMs, toMs) (minute aligned), stamped `t`. */
  function span(symbol: string, t: number, fromMs: number, toMs: number, nowMs: number): Bar | undefined {
    let a: Acc | undefined;
    const end = Math.min(toMs, nowMs + 1);
    for (let m = fromMs / 60_000; m * 60_000 < end; m++) {
      const b = minuteBar(symbol, m, nowMs);
      if (b) a = addBar(a, t, b);
    }
    return finish(a);
  }

  /** Per in-progress session: the aggregate of its completed minutes, extended as time passes. */
  const prefixCache = new Map<string, { upto: number; acc: Acc | undefined }>();

  function partialDailyBar(symbol: string, s: Session, nowMs: number, key: string): Bar | undefined {
    const first = s.openMs / 60_000;
    const lastComplete = Math.min(Math.floor((nowMs + 1) / 60_000), s.closeMs / 60_000); // exclusive
    let prefix = prefixCache.get(key);
    if (!prefix || prefix.upto > lastComplete) {
      prefix = { upto: first, acc: undefined };
      if (prefixCache.size >= 20_000) prefixCache.clear();
      prefixCache.set(key, prefix);
    }
    for (let m = prefix.upto; m < lastComplete; m++) {
      const b = minuteBar(symbol, m, nowMs);
      if (b) prefix.acc = addBar(prefix.acc, s.midnightMs, b);
    }
    prefix.upto = Math.max(prefix.upto, lastComplete);
    const acc: Acc | undefined = prefix.acc ? { ...prefix.acc } : undefined;
    const current = lastComplete * 60_000 < s.closeMs ? minuteBar(symbol, lastComplete, nowMs) : undefined;
    return finish(current ? addBar(acc, s.midnightMs, current) : acc);
  }

  function dailyBar(symbol: string, s: Session, nowMs: number): Bar | undefined {
    if (nowMs < s.openMs) return undefined;
    const key = `${symbol}|${s.date}|${deps.revision(symbol)}`;
    if (s.closeMs > nowMs) return partialDailyBar(symbol, s, nowMs, key);
    const hit = dailyCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const bar = span(symbol, s.midnightMs, s.openMs, s.closeMs, nowMs);
    if (dailyCache.size >= MAX_CACHE) {
      const oldest = dailyCache.keys().next();
      if (!oldest.done) dailyCache.delete(oldest.value);
    }
    dailyCache.set(key, bar ?? null);
    return bar;
  }

  function* intraday(
    symbol: string,
    minutes: number,
    fromMs: number,
    toMs: number,
    desc: boolean,
    nowMs: number,
  ): Generator<Bar> {
    const width = minutes * 60_000;
    const to = Math.min(toMs, nowMs);
    for (const s of sessionsBetween(symbol, fromMs, to + width, desc)) {
      const dayStart = Math.floor(s.openMs / 86_400_000) * 86_400_000;
      const first = dayStart + Math.floor((s.openMs - dayStart) / width) * width;
      const buckets: number[] = [];
      for (let b = first; b < s.closeMs; b += width) if (b >= fromMs && b <= to) buckets.push(b);
      if (desc) buckets.reverse();
      for (const b of buckets) {
        const bar = span(symbol, b, Math.max(b, s.openMs), Math.min(b + width, s.closeMs), nowMs);
        if (bar) yield bar;
      }
    }
  }

  function* daily(
    symbol: string,
    fromMs: number,
    toMs: number,
    desc: boolean,
    nowMs: number,
  ): Generator<Bar> {
    const to = Math.min(toMs, nowMs);
    for (const s of sessionsBetween(symbol, fromMs - 86_400_000, to + 86_400_000, desc)) {
      if (s.midnightMs < fromMs || s.midnightMs > to) continue;
      const bar = dailyBar(symbol, s, nowMs);
      if (bar) yield bar;
    }
  }

  function periodKey(date: string, tf: Timeframe): string {
    if (tf.unit === "Week") {
      const d = new Date(`${date}T12:00:00Z`);
      const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
      return monday.toISOString().slice(0, 10);
    }
    const y = Number(date.slice(0, 4));
    const mo = Number(date.slice(5, 7)) - 1;
    return String(Math.floor((y * 12 + mo) / tf.amount));
  }

  function* periods(
    symbol: string,
    tf: Timeframe,
    fromMs: number,
    toMs: number,
    desc: boolean,
    nowMs: number,
  ): Generator<Bar> {
    // Group ascending daily bars into periods; a period is stamped with its first trading day and
    // included when that stamp lies in [from, to]. Reading back a period's length before `from`
    // keeps a period that started before `from` from being cut.
    const lookback = tf.unit === "Week" ? 7 * 86_400_000 : tf.amount * 31 * 86_400_000;
    const to = Math.min(toMs, nowMs);
    const out: Bar[] = [];
    let key: string | undefined;
    let acc: Acc | undefined;
    const flush = (): void => {
      const bar = finish(acc);
      if (bar && bar.t >= fromMs && bar.t <= to) out.push(bar);
      acc = undefined;
    };
    for (const s of sessionsBetween(symbol, fromMs - lookback, to + 86_400_000, false)) {
      if (s.midnightMs > to) break;
      const k = periodKey(s.date, tf);
      if (k !== key) {
        flush();
        key = k;
      }
      const bar = dailyBar(symbol, s, nowMs);
      if (bar) acc = addBar(acc, acc?.t ?? s.midnightMs, bar);
    }
    flush();
    if (desc) out.reverse();
    yield* out;
  }

  function bars(
    symbol: string,
    tf: Timeframe,
    fromMs: number,
    toMs: number,
    desc: boolean,
    nowMs: number,
  ): Generator<Bar> {
    switch (tf.unit) {
      case "Min":
        return intraday(symbol, tf.amount, fromMs, toMs, desc, nowMs);
      case "Hour":
        return intraday(symbol, tf.amount * 60, fromMs, toMs, desc, nowMs);
      case "Day":
        return daily(symbol, fromMs, toMs, desc, nowMs);
      default:
        return periods(symbol, tf, fromMs, toMs, desc, nowMs);
    }
  }

  return { minuteBar, bars, dailyBar };
}

/** New York date of an instant (re-exported for callers that build sessions). */
export const dateOf = easternDate;
