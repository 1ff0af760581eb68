/**
 * Single-flight by key: while a load for a key is in flight, everyone asking for that
 * key gets the same promise. One load may cover many keys (a multi-symbol upstream
 * request), so overlapping requests share the keys they have in common.
 */

export interface SingleFlight<T> {
  /** The in-flight promise for a key, if any. */
  get(key: string): Promise<T> | undefined;
  /**
   * Registers `keys` as in flight and runs `load` for them. `load` must settle every key
   * through `resolve`/`reject`; keys it leaves unsettled are rejected when it finishes.
   * Returns one promise per key, in order.
   */
  run(
    keys: readonly string[],
    load: (settle: {
      resolve(key: string, value: T): void;
      reject(key: string, err: unknown): void;
    }) => Promise<void>,
  ): Array<Promise<T>>;
  readonly size: number;
}

interface Pending<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function pending<T>(): Pending<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A key nobody awaits must not become an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export function createSingleFlight<T>(): SingleFlight<T> {
  const inflight = new Map<string, Pending<T>>();
  return {
    get: (key) => inflight.get(key)?.promise,
    run(keys, load) {
      const mine = new Map<string, Pending<T>>();
      for (const k of keys) {
        if (mine.has(k)) continue;
        if (inflight.has(k)) throw new Error(`single-flight: key already in flight: ${k}`);
        const p = pending<T>();
        mine.set(k, p);
        inflight.set(k, p);
      }
      const settle = (key: string, fn: (p: Pending<T>) => void): void => {
        const p = mine.get(key);
        if (!p) return;
        mine.delete(key);
        if (inflight.get(key) === p) inflight.delete(key);
        fn(p);
      };
      const promises = keys.map((k) => mine.get(k)!.promise);
      void (async () => {
        let failure: unknown = new Error("single-flight: load finished without settling the key");
        try {
          await load({
            resolve: (key, value) => settle(key, (p) => p.resolve(value)),
            reject: (key, err) => settle(key, (p) => p.reject(err)),
          });
        } catch (err) {
          failure = err;
        }
        for (const key of [...mine.keys()]) settle(key, (p) => p.reject(failure));
      })();
      return promises;
    },
    get size() {
      return inflight.size;
    },
  };
}
