/**
 * The market-data streams' shared tick loop. Every `tickIntervalMs` of real time it takes the
 * window of simulated time since the last tick (at most one minute; a clock jump skips ahead),
 * builds each needed symbol's frames once — trades and quotes from the tape in the window,
 * minute bars (`b`) and running daily bars (`d`) when a minute completes, a status (`s`) when a
 * session opens — encodes each frame at most once per format, and sends every connection ONE
 * message with all its frames. Symbols trade while the clock says the market is open; the test
 * symbol `FAKEPACA` always. Updated bars (`u`) are never needed: the tape has no late trades.
 * The timer is unref'd and runs only while connections are registered.
 */

import { easternDate } from "../calendar.js";
import type { MarketData } from "./market-data.js";
import { ALWAYS_OPEN_SYMBOL, sessionOf } from "./sessions.js";
import { batchJson, batchMsgpack, EncodedFrame, nanoTime, secondsTime } from "./stream-codec.js";

export const CHANNELS = ["trades", "quotes", "bars", "dailyBars", "updatedBars", "statuses"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ChannelSubs {
  readonly symbols: Set<string>;
  all: boolean;
}

export interface HubConnection {
  readonly feed: string;
  readonly msgpack: boolean;
  readonly subs: Readonly<Record<Channel, ChannelSubs>>;
  /** Sends one encoded message; returns false when the client is too slow (the hub then drops it). */
  send(data: string | Buffer): boolean;
}

export interface StreamHub {
  add(conn: HubConnection): void;
  remove(conn: HubConnection): void;
  readonly size: number;
  /** Runs one tick now (tests and benchmarks). */
  tick(): void;
}

interface SymbolFrames {
  trades?: EncodedFrame[];
  quotes?: EncodedFrame[];
  bars?: EncodedFrame[];
  dailyBars?: EncodedFrame[];
  statuses?: EncodedFrame[];
}

const MAX_WINDOW_MS = 60_000;

export function createStreamHub(
  md: MarketData,
  opts: { tickIntervalMs: number; wildcard: (feed: string) => readonly string[] },
): StreamHub {
  const conns = new Set<HubConnection>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let last = md.clock.now();

  function framesFor(
    cache: Map<string, SymbolFrames>,
    symbol: string,
    ch: Channel,
    from: number,
    to: number,
    liveAt: (t: number) => boolean,
  ): EncodedFrame[] | undefined {
    if (ch === "updatedBars") return undefined;
    let sf = cache.get(symbol);
    if (!sf) {
      sf = {};
      cache.set(symbol, sf);
    }
    const hit = sf[ch];
    if (hit) return hit;
    const always = symbol === ALWAYS_OPEN_SYMBOL;
    const live = (t: number): boolean => always || liveAt(t);
    const out: EncodedFrame[] = [];
    if (ch === "trades") {
      for (const tr of md.tape.tradesBetween(symbol, from, to)) {
        if (!live(tr.t)) continue;
        out.push(
          new EncodedFrame({
            T: "t",
            S: symbol,
            i: tr.i,
            x: tr.x,
            p: tr.p,
            s: tr.s,
            c: tr.c,
            t: nanoTime(tr.t, tr.ns),
            z: tr.z,
          }),
        );
      }
    } else if (ch === "quotes") {
      for (const q of md.tape.quotesBetween(symbol, from, to)) {
        if (!live(q.t)) continue;
        out.push(
          new EncodedFrame({
            T: "q",
            S: symbol,
            bx: q.bx,
            bp: q.bp,
            bs: q.bs,
            ax: q.ax,
            ap: q.ap,
            as: q.as,
            c: q.c,
            t: nanoTime(q.t, q.ns),
            z: q.z,
          }),
        );
      }
    } else if (ch === "bars" || ch === "dailyBars") {
      // minutes that completed inside the window
      for (let m = Math.ceil(from / 60_000); m * 60_000 < to; m++) {
        const endOfMinute = m * 60_000 - 1;
        if (!live(endOfMinute - 59_999)) continue;
        if (ch === "bars") {
          const b = md.bars.minuteBar(symbol, m - 1, endOfMinute);
          if (b)
            out.push(
              new EncodedFrame({
                T: "b",
                S: symbol,
                o: b.o,
                h: b.h,
                l: b.l,
                c: b.c,
                v: b.v,
                t: secondsTime(b.t),
                n: b.n,
                vw: b.vw,
              }),
            );
        } else {
          const s = sessionOf(symbol, easternDate(endOfMinute));
          const b =
            s && endOfMinute >= s.openMs
              ? md.bars.dailyBar(symbol, s, Math.min(endOfMinute, s.closeMs - 1))
              : undefined;
          if (b)
            out.push(
              new EncodedFrame({
                T: "d",
                S: symbol,
                o: b.o,
                h: b.h,
                l: b.l,
                c: b.c,
                v: b.v,
                t: secondsTime(b.t),
                n: b.n,
                vw: b.vw,
              }),
            );
        }
      }
    } else if (ch === "statuses") {
      const s = sessionOf(symbol, easternDate(to));
      if (s && s.openMs >= from && s.openMs < to) {
        out.push(
          new EncodedFrame({
            T: "s",
            S: symbol,
            sc: "T",
            sm: "Trading",
            rc: "",
            rm: "",
            t: nanoTime(s.openMs),
            z: "C",
          }),
        );
      }
    }
    sf[ch] = out;
    return out;
  }

  function tick(): void {
    const now = md.clock.now();
    if (now <= last) {
      last = now;
      return;
    }
    const from = Math.max(last + 1, now - MAX_WINDOW_MS);
    const to = now + 1; // half-open [from, to)
    last = now;
    // Open at both ends of the (≤ 1 minute) window: everything in it is live; closed at both:
    // nothing; otherwise the session opened or closed inside it, so ask per instant.
    const openFrom = md.clock.isOpen(from);
    const openTo = md.clock.isOpen(now);
    const liveAt = openFrom === openTo ? () => openTo : (t: number) => md.clock.isOpen(t);
    const cache = new Map<string, SymbolFrames>();
    const batch: EncodedFrame[] = [];
    for (const conn of conns) {
      batch.length = 0;
      for (const ch of CHANNELS) {
        const sub = conn.subs[ch];
        if (!sub.all && sub.symbols.size === 0) continue;
        const symbols = sub.all ? opts.wildcard(conn.feed) : sub.symbols;
        for (const symbol of symbols) {
          const frames = framesFor(cache, symbol, ch, from, to, liveAt);
          if (frames) for (const f of frames) batch.push(f);
        }
      }
      if (batch.length === 0) continue;
      const ok = conn.send(conn.msgpack ? batchMsgpack(batch) : batchJson(batch));
      if (!ok) conns.delete(conn);
    }
  }

  function sync(): void {
    if (conns.size > 0 && !timer) {
      last = md.clock.now();
      timer = setInterval(tick, opts.tickIntervalMs);
      timer.unref();
    } else if (conns.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    add(conn) {
      conns.add(conn);
      sync();
    },
    remove(conn) {
      conns.delete(conn);
      sync();
    },
    get size() {
      return conns.size;
    },
    tick,
  };
}
