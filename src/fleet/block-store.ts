/**
 * Where block orders are kept so that a retry after a restart still answers the same
 * children and places nothing new. The interface is the subset of the gateway's durable
 * state store (src/state/state-store.ts) that blocks need, so that store can be passed
 * as it is (SQLite by default, Redis when shared: blocks survive a restart either way).
 */

export interface BlockStateStore {
  get(ns: string, key: string): Promise<string | undefined>;
  put(ns: string, key: string, value: string): Promise<void>;
  putIfAbsent(
    ns: string,
    key: string,
    value: string,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly value: string }>;
}
