/**
 * Small, fast, deterministic integer hashing for the price engine and the trade/quote schedules.
 * Everything the simulator's market data shows is a pure function of (seed, symbol, time) built
 * from these, so history for any range can be regenerated without storing it.
 */

/** murmur3's 32-bit finalizer: a good avalanche for sequential inputs. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of three 32-bit integers. */
export function hash3(a: number, b: number, c: number): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b | 0, 0x27d4eb2f));
  h = mix32(h ^ Math.imul(c | 0, 0x165667b1));
  return h;
}

/** Hash of four 32-bit integers. */
export function hash4(a: number, b: number, c: number, d: number): number {
  return mix32(hash3(a, b, c) ^ Math.imul(d | 0, 0x61c88647));
}

/** FNV-1a of a string, then mixed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A 32-bit hash mapped to [0, 1). */
export const unit = (h: number): number => h / 4_294_967_296;

/** Splits a non-negative integer below 2^53 into two 32-bit words for hashing. */
export const hi32 = (n: number): number => Math.floor(n / 4_294_967_296) | 0;
export const lo32 = (n: number): number => n >>> 0;
