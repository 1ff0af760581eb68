/**
 * The kill switches, durable and shared: a global halt (key `*`) and per-account halts in
 * the state store's `halts` namespace. They survive a restart and reach every instance
 * within one poll interval (`state.pollIntervalMs`); the instance that sets one sees it at
 * once. `isHalted` is a synchronous lookup in an in-memory copy, cheap on the order path.
 *
 * A halt that cannot be written to the store is refused (503), never half-applied: while
 * the store is unreachable the order ledger refuses orders anyway.
 */
import { PaddockError } from "../errors.js";
import { type NamespaceView, watchNamespace } from "../state/namespace-view.js";
import type { StateStore } from "../state/state-store.js";

export const HALTS_NAMESPACE = "halts";
const GLOBAL = "*";

export interface HaltRecord {
  /** Epoch ms when it was set. */
  readonly at: number;
  /** Who set it (the token's subject), when known. */
  readonly by?: string;
}

export interface Halts {
  /** The global halt, or with an account id: that account's own halt (not the global one). */
  isHalted(accountId?: string): boolean;
  /** Every halt in force: `*` for the global one, else account ids. */
  list(): ReadonlyMap<string, HaltRecord>;
  /** Sets or lifts a halt (global when `accountId` is undefined); visible here before it resolves. */
  set(accountId: string | undefined, halted: boolean, by?: string): Promise<void>;
  /** Called whenever the halts change (here or on another instance). */
  onChange(listener: () => void): () => void;
  close(): void;
}

export interface HaltsDeps {
  readonly store: StateStore;
  readonly pollIntervalMs: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

const parse = (_key: string, raw: string): HaltRecord | undefined => {
  try {
    const v = JSON.parse(raw) as { at?: unknown; by?: unknown };
    if (typeof v.at !== "number") return undefined;
    return { at: v.at, ...(typeof v.by === "string" ? { by: v.by } : {}) };
  } catch {
    return undefined;
  }
};

export async function createHalts(deps: HaltsDeps): Promise<Halts> {
  const now = deps.now ?? Date.now;
  const view: NamespaceView<HaltRecord> = await watchNamespace(deps.store, HALTS_NAMESPACE, {
    parse,
    intervalMs: deps.pollIntervalMs,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  return {
    isHalted: (accountId) => view.get(accountId ?? GLOBAL) !== undefined,
    list: () => view.entries(),
    async set(accountId, halted, by) {
      const key = accountId ?? GLOBAL;
      try {
        if (halted) {
          const record: HaltRecord = { at: now(), ...(by ? { by } : {}) };
          await deps.store.put(HALTS_NAMESPACE, key, JSON.stringify(record));
        } else await deps.store.delete(HALTS_NAMESPACE, key);
      } catch (cause) {
        throw new PaddockError("PADDOCK_UNAVAILABLE", {
          detail: `state store unavailable; the ${halted ? "halt" : "resume"} was not recorded (retry)`,
          cause,
        });
      }
      await view.refresh().catch((err: unknown) => deps.onError?.(err));
    },
    onChange: (listener) => view.onChange(listener),
    close: () => view.close(),
  };
}

/** What mirrorHaltsToFleet needs of the fleet (ManagedFleet satisfies it). */
export interface HaltableFleet {
  list(): ReadonlyArray<{ readonly id: string }>;
  setHalted(accountId: string, halted: boolean): void;
  onChange(listener: () => void): () => void;
}

/**
 * Keeps each account's own halted flag (what `GET /v1/accounts` shows and the order path
 * checks) equal to the stored halts, now, after every change, and after every fleet reload.
 */
export function mirrorHaltsToFleet(halts: Halts, fleet: HaltableFleet): () => void {
  const sync = (): void => {
    for (const a of fleet.list()) fleet.setHalted(a.id, halts.isHalted(a.id));
  };
  sync();
  const offHalts = halts.onChange(sync);
  const offFleet = fleet.onChange(sync);
  return () => {
    offHalts();
    offFleet();
  };
}
