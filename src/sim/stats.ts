/**
 * Request statistics for `/_sim/stats`. `byPath` keys are `METHOD literal-path` (the path as
 * requested, without the query string), e.g. `GET /v2/account`, `DELETE /v2/orders/<id>`.
 * Every authenticated API request is counted, including those answered 429.
 */
export interface SimStats {
  readonly requests: {
    readonly total: number;
    readonly byKey: Record<string, number>;
    readonly byPath: Record<string, number>;
  };
  readonly rateLimited: { readonly total: number; readonly byKey: Record<string, number> };
  readonly streams: Record<string, Record<string, number>>;
  readonly orders: { readonly byClientOrderId: Record<string, number> };
}

export interface StatsRecorder {
  request(keyId: string, method: string, path: string): void;
  rateLimited(keyId: string): void;
  snapshot(
    streams: Record<string, Record<string, number>>,
    ordersByClientOrderId: ReadonlyMap<string, number>,
  ): SimStats;
  reset(): void;
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

export function createStatsRecorder(): StatsRecorder {
  let total = 0;
  let limited = 0;
  const byKey = new Map<string, number>();
  const byPath = new Map<string, number>();
  const limitedByKey = new Map<string, number>();
  return {
    request(keyId, method, path) {
      total++;
      bump(byKey, keyId);
      bump(byPath, `${method} ${path}`);
    },
    rateLimited(keyId) {
      limited++;
      bump(limitedByKey, keyId);
    },
    snapshot(streams, orders) {
      return {
        requests: { total, byKey: Object.fromEntries(byKey), byPath: Object.fromEntries(byPath) },
        rateLimited: { total: limited, byKey: Object.fromEntries(limitedByKey) },
        streams,
        orders: { byClientOrderId: Object.fromEntries(orders) },
      };
    },
    reset() {
      total = 0;
      limited = 0;
      byKey.clear();
      byPath.clear();
      limitedByKey.clear();
    },
  };
}
