/**
 * Which symbols pollers asked for recently, per variant (a split endpoint with its other
 * parameters). When a per-symbol fetch has to go upstream anyway, it is widened with hot
 * symbols that are missing or about to expire ("refresh ahead"), up to the symbol limit:
 * the same one upstream call then renews the whole working set, so a thousand pollers of
 * overlapping symbol sets cost about one call per TTL instead of one per expiring symbol.
 */
import { LRUCache } from "lru-cache";

export interface HotSymbols {
  /** Records that `symbols` of `variant` were requested at `at`. */
  touch(variant: string, symbols: readonly string[], at: number): void;
  /** Symbols of `variant` requested since `since`, most recent first. */
  recent(variant: string, since: number): string[];
}

export function createHotSymbols(
  opts: { maxVariants?: number; maxSymbolsPerVariant?: number } = {},
): HotSymbols {
  const maxPerVariant = opts.maxSymbolsPerVariant ?? 1000;
  const variants = new LRUCache<string, Map<string, number>>({ max: opts.maxVariants ?? 1000 });
  return {
    touch(variant, symbols, at) {
      let seen = variants.get(variant);
      if (!seen) {
        seen = new Map();
        variants.set(variant, seen);
      }
      for (const s of symbols) {
        // Re-inserting keeps the Map in recency order (oldest first).
        seen.delete(s);
        seen.set(s, at);
      }
      while (seen.size > maxPerVariant) {
        const oldest = seen.keys().next().value;
        if (oldest === undefined) break;
        seen.delete(oldest);
      }
    },
    recent(variant, since) {
      const seen = variants.get(variant);
      if (!seen) return [];
      const out: string[] = [];
      for (const [s, at] of [...seen].reverse()) {
        if (at < since) break;
        out.push(s);
      }
      return out;
    },
  };
}
