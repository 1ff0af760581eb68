/**
 * Verified tokens, keyed by the SHA-256 of the token (the token itself is
 * never kept), valid until the token's `exp` and never beyond.
 *
 * Bounded: when full, expired entries are swept (at most once a second), and
 * if it is still full the oldest insertion is dropped (FIFO; a Map keeps
 * insertion order). Only tokens that passed verification get in, so an
 * attacker cannot fill it with garbage.
 */
import { createHash } from "node:crypto";
import type { Principal } from "./types.js";

export interface TokenCache {
  /** The principal for this token hash, if cached and not expired (an expired entry is removed). */
  get(hash: string): Principal | undefined;
  /** Caches until `principal.exp`; does nothing when that is already past. */
  set(hash: string, principal: Principal): void;
  readonly size: number;
  clear(): void;
}

export const tokenHash = (token: string): string => createHash("sha256").update(token).digest("base64url");

export function createTokenCache(maxEntries: number, now: () => number): TokenCache {
  const entries = new Map<string, Principal>();
  let lastSweep = Number.NEGATIVE_INFINITY;

  const live = (p: Principal, nowMs: number): boolean => nowMs < p.exp * 1000;

  const sweep = (nowMs: number): void => {
    lastSweep = nowMs;
    for (const [hash, p] of entries) if (!live(p, nowMs)) entries.delete(hash);
  };

  return {
    get(hash) {
      const p = entries.get(hash);
      if (p === undefined) return undefined;
      if (live(p, now())) return p;
      entries.delete(hash);
      return undefined;
    },
    set(hash, principal) {
      if (maxEntries <= 0) return;
      const nowMs = now();
      if (!live(principal, nowMs)) return;
      if (!entries.has(hash) && entries.size >= maxEntries) {
        if (nowMs - lastSweep >= 1000) sweep(nowMs);
        while (entries.size >= maxEntries) {
          const oldest = entries.keys().next();
          if (oldest.done === true) break;
          entries.delete(oldest.value);
        }
      }
      entries.set(hash, principal);
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
