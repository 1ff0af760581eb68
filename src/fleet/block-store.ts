/**
 * Where block orders are kept so that a retry after a restart still answers the same
 * children and places nothing new. The interface is the subset of the gateway's durable
 * state store (src/state/state-store.ts) that blocks need, so that store can be passed
 * as it is; `createMemoryBlockStore` serves tests and gateways without one.
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

export function createMemoryBlockStore(): BlockStateStore {
  const data = new Map<string, string>();
  const k = (ns: string, key: string) => `${ns}\u0000${key}`;
  return {
    async get(ns, key) {
      return data.get(k(ns, key));
    },
    async put(ns, key, value) {
      data.set(k(ns, key), value);
    },
    async putIfAbsent(ns, key, value) {
      const had = data.get(k(ns, key));
      if (had !== undefined) return { created: false, value: had };
      data.set(k(ns, key), value);
      return { created: true };
    },
  };
}
