/**
 * The durable state store: a small namespaced key-value interface for what must survive
 * a crash and be seen by every instance (the order ledger, halts, token revocations).
 *
 * Three implementations answer the same contract (test/unit/state/state-store.test.ts):
 * memory (tests), SQLite (the embedded default: one file under `state.dir`) and Redis
 * (when instances share one; keys under their own prefix, never evicted).
 *
 * Values are strings (callers keep JSON in them). A key may carry a time to live; an
 * expired key reads as absent. Each namespace has a version that changes with every
 * write to it, so other instances can poll one cheap number instead of the whole list.
 */

export interface PutOptions {
  /** Time to live in milliseconds; the key never expires without one. */
  readonly ttlMs?: number;
  /**
   * false: the write survives a process crash (kill -9) but may be lost on power loss or an
   * OS crash, in exchange for no fsync (SQLite). For records that can be rebuilt, like a
   * ledger entry's progress after its claim. Default true.
   */
  readonly durable?: boolean;
}

export type PutIfAbsentResult =
  | { readonly created: true }
  | { readonly created: false; readonly value: string };

export interface StateEntry {
  readonly key: string;
  readonly value: string;
}

export type StateStoreKind = "memory" | "sqlite" | "redis";

export interface StateStore {
  readonly kind: StateStoreKind;
  /** Where the state lives, for logs and /readyz (a file path or a Redis key prefix; never a password). */
  readonly location: string;
  get(ns: string, key: string): Promise<string | undefined>;
  /** Writes the value (replacing any), durably before the promise resolves. */
  put(ns: string, key: string, value: string, opts?: PutOptions): Promise<void>;
  /** Atomically writes the value only when the key is absent (or expired); else returns what is there. */
  putIfAbsent(ns: string, key: string, value: string, opts?: PutOptions): Promise<PutIfAbsentResult>;
  /** Atomically replaces the value only if it is still `expected`; false when it changed or vanished. */
  compareAndSet(ns: string, key: string, expected: string, next: string, opts?: PutOptions): Promise<boolean>;
  /** True when a live key was removed. */
  delete(ns: string, key: string): Promise<boolean>;
  /** Every live entry of a namespace, in key order. Meant for small namespaces (halts, revocations). */
  list(ns: string): Promise<StateEntry[]>;
  /** Changes with every write to the namespace (not with expiries); compare for inequality only. */
  version(ns: string): Promise<number>;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Checks a TTL eagerly, so that a bad one is a programming error at the call, not a stored forever key. */
export function ttlOf(opts: PutOptions | undefined): number | undefined {
  const ttl = opts?.ttlMs;
  if (ttl === undefined) return undefined;
  if (!(Number.isInteger(ttl) && ttl > 0))
    throw new RangeError(`ttlMs must be a positive integer, got ${ttl}`);
  return ttl;
}

const NAMESPACE = /^[a-z][a-z0-9-]{0,31}$/;

/** Namespaces are fixed names chosen in code (`orders`, `halts`, `revocations`); anything else is a bug. */
export function checkNamespace(ns: string): string {
  if (!NAMESPACE.test(ns))
    throw new RangeError(`state namespace must match ${NAMESPACE}, got ${JSON.stringify(ns)}`);
  return ns;
}
