/** The in-memory state store: the contract of StateStore in one process, for tests and tools. */
import { checkNamespace, type StateStore, ttlOf } from "./state-store.js";

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds (default Date.now). */
  readonly now?: () => number;
}

interface Slot {
  value: string;
  expiresAt: number | undefined;
}

export function createMemoryStateStore(opts: MemoryStoreOptions = {}): StateStore {
  const now = opts.now ?? Date.now;
  const spaces = new Map<string, Map<string, Slot>>();
  const versions = new Map<string, number>();
  const space = (ns: string): Map<string, Slot> => {
    let s = spaces.get(checkNamespace(ns));
    if (!s) {
      s = new Map();
      spaces.set(ns, s);
    }
    return s;
  };
  const live = (ns: string, key: string): Slot | undefined => {
    const s = spaces.get(checkNamespace(ns));
    const slot = s?.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt !== undefined && slot.expiresAt <= now()) {
      s!.delete(key);
      return undefined;
    }
    return slot;
  };
  const bump = (ns: string): void => void versions.set(ns, (versions.get(ns) ?? 0) + 1);
  const write = (ns: string, key: string, value: string, ttlMs: number | undefined): void => {
    space(ns).set(key, { value, expiresAt: ttlMs === undefined ? undefined : now() + ttlMs });
    bump(ns);
  };

  return {
    kind: "memory",
    location: "memory",
    async get(ns, key) {
      return live(ns, key)?.value;
    },
    async put(ns, key, value, o) {
      write(ns, key, value, ttlOf(o));
    },
    async putIfAbsent(ns, key, value, o) {
      const ttl = ttlOf(o);
      const existing = live(ns, key);
      if (existing) return { created: false, value: existing.value };
      write(ns, key, value, ttl);
      return { created: true };
    },
    async compareAndSet(ns, key, expected, next, o) {
      const ttl = ttlOf(o);
      if (live(ns, key)?.value !== expected) return false;
      write(ns, key, next, ttl);
      return true;
    },
    async delete(ns, key) {
      if (!live(ns, key)) return false;
      spaces.get(ns)!.delete(key);
      bump(ns);
      return true;
    },
    async list(ns) {
      const keys = [...(spaces.get(ns)?.keys() ?? [])].sort();
      return keys.flatMap((key) => {
        const slot = live(ns, key);
        return slot ? [{ key, value: slot.value }] : [];
      });
    },
    async version(ns) {
      return versions.get(ns) ?? 0;
    },
    async ping() {},
    async close() {
      spaces.clear();
    },
  };
}
