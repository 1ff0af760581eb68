/**
 * The headers of a pass-through answer, one object built per answer: Alpaca's headers less
 * the hop-by-hop ones and its own rate-limit headers, which are replaced by the account's
 * gateway budget (what the client may still spend through Paddock), plus the caller's extras.
 * Used by the trading route (through Fastify) and by the fast path for reads (fast-reads.ts).
 */
import type { Account, UpstreamResponse } from "../accounts/types.js";

/** The Alpaca API versions passed through under `/v1/accounts/{accountId}/`. */
export const PASS_THROUGH_VERSIONS = ["v1", "v2", "v3"] as const;
const ROUTES: Readonly<Record<string, string>> = Object.fromEntries(
  PASS_THROUGH_VERSIONS.map((v) => [v, `/v1/accounts/:accountId/${v}/*`]),
);
/** The route template of a pass-through version (Fastify's route and the metrics label), if it is one. */
export const passThroughRoute = (version: string): string | undefined => ROUTES[version];

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "date",
  "server",
]);

export function passThroughHeaders(
  res: UpstreamResponse,
  account: Account,
  extra?: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in res.headers) {
    const v = res.headers[k];
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  }
  const b = account.status().budget;
  if (b.limit > 0) {
    out["x-ratelimit-limit"] = String(b.limit);
    out["x-ratelimit-remaining"] = String(b.remaining);
    out["x-ratelimit-reset"] = String(Math.ceil(b.resetAt / 1000));
  }
  if (extra) for (const k in extra) out[k] = extra[k]!;
  return out;
}
