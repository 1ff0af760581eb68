/**
 * An in-memory copy of one small namespace of the state store (halts, revocations),
 * kept fresh in the background: every `intervalMs` it reads the namespace's version (one
 * cheap read) and reloads the entries only when the version moved. Readers on the hot
 * path (`get`, `entries`) are synchronous map lookups; a write made by this instance is
 * visible at once through `refresh()`, a write made by another instance within one interval.
 * While the store is unreachable the last copy stays in force.
 */
import type { StateStore } from "./state-store.js";

export interface NamespaceView<T> {
  get(key: string): T | undefined;
  entries(): ReadonlyMap<string, T>;
  /** Reloads now (after a write of our own, so it is visible before the write's caller is answered). */
  refresh(): Promise<void>;
  /** Called after each reload that changed the namespace's version. */
  onChange(listener: () => void): () => void;
  close(): void;
}

export interface NamespaceViewOptions<T> {
  /** Turns a stored value into an entry; undefined skips a value this version does not understand. */
  readonly parse: (key: string, raw: string) => T | undefined;
  readonly intervalMs: number;
  /** The first failed poll of a run of failures (the view keeps its last copy meanwhile). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Loads the namespace once (so a restart starts with what is stored), then polls. When the
 * store cannot be read at start the view starts empty and fills on the first poll that works.
 */
export async function watchNamespace<T>(
  store: StateStore,
  ns: string,
  opts: NamespaceViewOptions<T>,
): Promise<NamespaceView<T>> {
  let current: ReadonlyMap<string, T> = new Map();
  let seen: number | undefined;
  const listeners = new Set<() => void>();
  let closed = false;
  let failing = false;

  const load = async (force: boolean): Promise<void> => {
    const v = await store.version(ns);
    if (!force && v === seen) return;
    const rows = await store.list(ns);
    const next = new Map<string, T>();
    for (const { key, value } of rows) {
      const parsed = opts.parse(key, value);
      if (parsed !== undefined) next.set(key, parsed);
    }
    current = next;
    const changed = v !== seen;
    seen = v;
    if (changed || force) for (const l of listeners) l();
  };
  // one load at a time, in order; a forced refresh waits for the poll in flight, then loads again
  let chain: Promise<void> = Promise.resolve();
  let busy = 0;
  const run = (force: boolean): Promise<void> => {
    busy++;
    const p = chain.then(() => load(force));
    chain = p.catch(() => undefined).finally(() => void busy--);
    return p;
  };

  // a store that is down at start (Redis not up yet) must not stop the gateway: start empty, keep polling
  await run(true).catch((err: unknown) => {
    failing = true;
    opts.onError?.(err);
    seen = undefined;
  });
  const timer = setInterval(() => {
    if (closed || busy > 0) return; // a slow store: skip this tick rather than queue polls
    run(false).then(
      () => {
        failing = false;
      },
      (err: unknown) => {
        if (!failing) opts.onError?.(err);
        failing = true;
      },
    );
  }, opts.intervalMs);
  timer.unref();

  return {
    get: (key) => current.get(key),
    entries: () => current,
    refresh: () => run(true),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      clearInterval(timer);
      listeners.clear();
    },
  };
}
