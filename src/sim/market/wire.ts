/**
 * The simulator's own model of Alpaca's market-data wire objects (short field names), kept
 * apart from the gateway's. Timestamps are RFC 3339 UTC: bars on whole seconds, trades and
 * quotes with nine fractional digits.
 */
import type { Bar } from "./bars.js";
import type { TapeQuote, TapeTrade } from "./tape.js";

export interface WireBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  vw: number;
}
export interface WireTrade {
  t: string;
  x: string;
  p: number;
  s: number;
  c: readonly string[];
  i: number;
  z: string;
}
export interface WireQuote {
  t: string;
  ax: string;
  ap: number;
  as: number;
  bx: string;
  bp: number;
  bs: number;
  c: readonly string[];
  z: string;
}

/** `2024-01-02T15:04:05Z`. */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `2024-01-02T15:04:05.123456789Z` from epoch ms plus sub-millisecond nanoseconds. */
export function rfc3339Nanos(ms: number, ns: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(ns).padStart(6, "0")}Z`;
}

export const wireBar = (b: Bar): WireBar => ({
  t: rfc3339Seconds(b.t),
  o: b.o,
  h: b.h,
  l: b.l,
  c: b.c,
  v: b.v,
  n: b.n,
  vw: b.vw,
});

export const wireTrade = (tr: TapeTrade): WireTrade => ({
  t: rfc3339Nanos(tr.t, tr.ns),
  x: tr.x,
  p: tr.p,
  s: tr.s,
  c: tr.c,
  i: tr.i,
  z: tr.z,
});

export const wireQuote = (q: TapeQuote): WireQuote => ({
  t: rfc3339Nanos(q.t, q.ns),
  ax: q.ax,
  ap: q.ap,
  as: q.as,
  bx: q.bx,
  bp: q.bp,
  bs: q.bs,
  c: q.c,
  z: q.z,
});
