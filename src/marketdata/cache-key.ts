/**
 * Cache keys. A key names everything that changes an answer: the path, every parameter
 * (sorted, so parameter order does not matter), and the feed the answer is for even when
 * the client left it to Alpaca's default. Split entries share a "variant" key (the query
 * without `symbols`) and add the symbol.
 */
import type { ValidatedQuery } from "./query.js";

/** Bumped when the stored format changes, so old Redis entries are never misread. */
export const KEY_VERSION = "v1";

export function variantKey(
  path: string,
  query: ValidatedQuery,
  feed: { feed: string; explicit: boolean },
  options: { withoutSymbols: boolean },
): string {
  const parts = query.pairs
    .filter(([name]) => !(options.withoutSymbols && name === "symbols"))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  if (!feed.explicit) parts.push(`~feed=${feed.feed}`);
  parts.sort();
  return `${KEY_VERSION}:${path}?${parts.join("&")}`;
}

export const symbolKey = (variant: string, symbol: string): string => `${variant}#${symbol}`;

/** The key of a split answer's envelope (its fields besides the symbol map). */
export const envelopeKey = (variant: string): string => `${variant}#`;
