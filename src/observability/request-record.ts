/**
 * What every answered HTTP request leaves behind: its count and duration by route template,
 * and one access line. Written once for both ways a request is answered: Fastify's onResponse
 * hook (src/app.ts) and the pass-through's fast path (src/http/fast-reads.ts).
 */
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

export interface AnsweredRequest {
  /** The route template (`/v1/accounts/:accountId/v2/*`), a bounded label. */
  readonly route: string;
  readonly method: string;
  /** The target's path without its query (which may hold anything, so it is never logged). */
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** The Paddock error code answered, if any. */
  readonly code?: string | undefined;
  /** Request id, and subject and account once known. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export function createRequestRecorder(deps: {
  readonly metrics: Metrics;
  /** The root logger: its level (which a reload moves) decides whether access lines are written. */
  readonly logger: Logger;
  /** The access logger (request-logger.ts `accessLogger`). */
  readonly access: Logger;
}): (r: AnsweredRequest) => void {
  const { metrics, logger, access } = deps;
  return (r) => {
    metrics.httpRequests.inc({ route: r.route, method: r.method, status: r.status, code: r.code });
    metrics.httpDuration.observe({ route: r.route }, r.ms / 1000);
    if (!logger.isLevelEnabled("info")) return;
    access.info(
      {
        ...r.fields,
        method: r.method,
        url: r.path,
        status: r.status,
        ms: Math.round(r.ms * 100) / 100,
        ...(r.code ? { code: r.code } : {}),
      },
      "request",
    );
  };
}
