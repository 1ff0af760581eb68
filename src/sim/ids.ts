/** Deterministic identifiers and a seeded PRNG for the simulator (time and randomness are parameters). */
import { createHash } from "node:crypto";

/** A stable UUID-shaped id (version nibble 5) derived from the inputs. */
export function stableUuid(...parts: ReadonlyArray<string | number>): string {
  const h = createHash("sha1").update(parts.join("\u0000")).digest("hex");
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A fast seeded PRNG in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A number in [0, 1) fixed by the inputs (for per-symbol attributes). */
export function stableFraction(...parts: ReadonlyArray<string | number>): number {
  const h = createHash("sha1").update(parts.join("\u0000")).digest();
  return h.readUInt32BE(0) / 4_294_967_296;
}

/**
 * A CUSIP-shaped identifier fixed by the symbol: six issuer characters, issue `10` and the CUSIP
 * check digit. Synthetic (real CUSIPs are licensed data); the assets and corporate actions agree.
 */
export function syntheticCusip(symbol: string): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const h = createHash("sha1").update(`cusip\u0000${symbol}`).digest();
  let base = "";
  for (let i = 0; i < 6; i++) base += alphabet[(h[i] ?? 0) % 36];
  base += "10";
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    let v = alphabet.indexOf(base[i] as string);
    if (i % 2 === 1) v *= 2;
    sum += Math.floor(v / 10) + (v % 10);
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}
