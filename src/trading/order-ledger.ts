/**
 * The order ledger: each (account, client_order_id) is claimed and recorded *before*
 * the order leaves, then moved through sent → acknowledged | rejected, or
 * sent → ambiguous → resolved. It lives in the durable state store (src/state): the
 * embedded SQLite file by default (a claim is on disk before the order is sent, so a
 * `kill -9` cannot lose it), Redis when instances share one. The claim is atomic
 * (put-if-absent), so two submissions of one client_order_id can never both be "first";
 * updates are compare-and-set merges, so concurrent updates never lose a field.
 */
import type { Redis } from "ioredis";
import { createMemoryStateStore } from "../state/memory-store.js";
import { createRedisStateStore } from "../state/redis-store.js";
import type { StateStore } from "../state/state-store.js";

export type LedgerState = "sent" | "acknowledged" | "ambiguous" | "resolved" | "rejected";

export interface LedgerEntry {
  readonly state: LedgerState;
  /** Hash of the normalized order body, to tell a replay from a different order. */
  readonly fingerprint: string;
  readonly orderId?: string;
  /** Upstream status of the answer to replay. */
  readonly status?: number;
  /** The upstream answer to replay (UTF-8 JSON). */
  readonly body?: string;
  /** Epoch ms of the last change. */
  readonly updatedAt: number;
}

export type BeginResult =
  | { readonly created: true }
  | { readonly created: false; readonly entry: LedgerEntry };

export interface OrderLedger {
  /** Atomically claims (account, clientOrderId); returns the existing entry if one exists. */
  begin(accountId: string, clientOrderId: string, fingerprint: string): Promise<BeginResult>;
  update(accountId: string, clientOrderId: string, patch: Partial<LedgerEntry>): Promise<void>;
  get(accountId: string, clientOrderId: string): Promise<LedgerEntry | undefined>;
}

export interface OrderLedgerOptions {
  /** Where entries live (namespace `orders`). Without one: `redis` when given, else memory (tests). */
  readonly store?: StateStore;
  /** A Redis to build the store on, keys under `keyPrefix` (tests and tools). */
  readonly redis?: Redis;
  readonly keyPrefix?: string;
  /** How long an entry is kept (default 7 days). */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
const STATES: ReadonlySet<string> = new Set(["sent", "acknowledged", "ambiguous", "resolved", "rejected"]);

/** Parses a stored entry, refusing anything that is not one (a corrupt key must not replay junk). */
export function parseLedgerEntry(raw: string): LedgerEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const e = v as Record<string, unknown>;
  if (typeof e.state !== "string" || !STATES.has(e.state) || typeof e.fingerprint !== "string")
    return undefined;
  if (typeof e.updatedAt !== "number") return undefined;
  return {
    state: e.state as LedgerState,
    fingerprint: e.fingerprint,
    updatedAt: e.updatedAt,
    ...(typeof e.orderId === "string" ? { orderId: e.orderId } : {}),
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(typeof e.body === "string" ? { body: e.body } : {}),
  };
}

/** The store namespace of the ledger. */
export const LEDGER_NAMESPACE = "orders";

// client_order_id may hold ':'; the account id may not (config pattern), so this is unambiguous
const keyOf = (accountId: string, clientOrderId: string): string => `${accountId}:${clientOrderId}`;

/** How often a claim or update retries when another writer changed the entry between read and write. */
const MAX_RACES = 5;

const definedOnly = (patch: Partial<LedgerEntry>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));

export function createOrderLedger(opts: OrderLedgerOptions): OrderLedger {
  const now = opts.now ?? Date.now;
  const ttlSeconds = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const store =
    opts.store ??
    (opts.redis
      ? createRedisStateStore({ redis: opts.redis, keyPrefix: opts.keyPrefix ?? "" })
      : createMemoryStateStore({ now }));
  const ttl = { ttlMs: ttlSeconds * 1000 };
  // The claim is on disk before the order leaves (fsync). Later progress need not be: if power
  // is lost before it reaches the disk, the entry reads "sent" again, which is resolved by
  // looking the order up — never by sending it again — so it skips the fsync.
  const progress = { ...ttl, durable: false };
  const ns = LEDGER_NAMESPACE;
  return {
    async begin(accountId, clientOrderId, fingerprint) {
      const key = keyOf(accountId, clientOrderId);
      const fresh = JSON.stringify({ state: "sent", fingerprint, updatedAt: now() } satisfies LedgerEntry);
      for (let i = 0; i < MAX_RACES; i++) {
        const claim = await store.putIfAbsent(ns, key, fresh, ttl);
        if (claim.created) return { created: true };
        const entry = parseLedgerEntry(claim.value);
        if (entry) return { created: false, entry };
        // corrupt: it cannot be replayed, so it is overwritten — only if it is still the value we read
        if (await store.compareAndSet(ns, key, claim.value, fresh, ttl)) return { created: true };
      }
      throw new Error(`order ledger: cannot claim ${key}`);
    },
    async update(accountId, clientOrderId, patch) {
      const key = keyOf(accountId, clientOrderId);
      for (let i = 0; i < MAX_RACES; i++) {
        const raw = await store.get(ns, key);
        // a vanished (expired) or corrupt entry: write what we know so a restart can still resolve it
        const base = (raw === undefined ? undefined : parseLedgerEntry(raw)) ?? {
          state: "sent",
          fingerprint: "",
        };
        const next = JSON.stringify({ ...base, ...definedOnly(patch), updatedAt: now() });
        const written =
          raw === undefined
            ? (await store.putIfAbsent(ns, key, next, progress)).created
            : await store.compareAndSet(ns, key, raw, next, progress);
        if (written) return;
      }
      throw new Error(`order ledger: update of ${key} kept racing with other writers`);
    },
    async get(accountId, clientOrderId) {
      const raw = await store.get(ns, keyOf(accountId, clientOrderId));
      return raw === undefined ? undefined : parseLedgerEntry(raw);
    },
  };
}
