/**
 * The order ledger: each (account, client_order_id) is claimed and recorded *before*
 * the order leaves, then moved through sent → acknowledged | rejected, or
 * sent → ambiguous → resolved. In Redis when configured (shared by instances and
 * surviving a restart), in memory otherwise. The claim is atomic (SET NX), so two
 * submissions of one client_order_id can never both be "first".
 */
import type { Redis } from "ioredis";

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
  readonly redis?: Redis;
  readonly keyPrefix: string;
  /** How long an entry is kept (default 7 days). */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
const STATES: ReadonlySet<string> = new Set(["sent", "acknowledged", "ambiguous", "resolved", "rejected"]);

/** Merges a JSON patch into an existing entry, keeping the TTL fresh; 0 when the entry is gone. */
const MERGE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e = cjson.decode(v)
local p = cjson.decode(ARGV[1])
for k, val in pairs(p) do e[k] = val end
redis.call('SET', KEYS[1], cjson.encode(e), 'EX', tonumber(ARGV[2]))
return 1
`;

/** Replaces a value only if it is still the (corrupt) one we read: two instances cannot both claim it. */
const REPLACE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
`;

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

const keyOf = (prefix: string, accountId: string, clientOrderId: string): string =>
  // client_order_id may hold ':'; the account id may not (config pattern), so this is unambiguous
  `${prefix}${accountId}:${clientOrderId}`;

const definedOnly = (patch: Partial<LedgerEntry>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));

export function createOrderLedger(opts: OrderLedgerOptions): OrderLedger {
  const now = opts.now ?? Date.now;
  const ttlSeconds = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  return opts.redis
    ? redisLedger(opts.redis, opts.keyPrefix, ttlSeconds, now)
    : memoryLedger(ttlSeconds, now);
}

function redisLedger(redis: Redis, prefix: string, ttlSeconds: number, now: () => number): OrderLedger {
  return {
    async begin(accountId, clientOrderId, fingerprint) {
      const key = keyOf(prefix, accountId, clientOrderId);
      const fresh: LedgerEntry = { state: "sent", fingerprint, updatedAt: now() };
      // SET NX either claims the id or fails and lets us read the winner's entry
      const ok = await redis.set(key, JSON.stringify(fresh), "EX", ttlSeconds, "NX");
      if (ok === "OK") return { created: true };
      const raw = await redis.get(key);
      const entry = raw === null ? undefined : parseLedgerEntry(raw);
      if (entry) return { created: false, entry };
      // expired between the two calls: claim it again; corrupt: overwrite it (it cannot be replayed)
      const value = JSON.stringify(fresh);
      const claimed =
        raw === null
          ? (await redis.set(key, value, "EX", ttlSeconds, "NX")) === "OK"
          : (await redis.eval(REPLACE_SCRIPT, 1, key, raw, value, String(ttlSeconds))) === 1;
      if (claimed) return { created: true };
      const again = await redis.get(key);
      const parsed = again === null ? undefined : parseLedgerEntry(again);
      if (!parsed) throw new Error(`order ledger: cannot claim ${key}`);
      return { created: false, entry: parsed };
    },
    async update(accountId, clientOrderId, patch) {
      const key = keyOf(prefix, accountId, clientOrderId);
      const p = JSON.stringify({ ...definedOnly(patch), updatedAt: now() });
      const merged = await redis.eval(MERGE_SCRIPT, 1, key, p, String(ttlSeconds));
      if (merged === 1) return;
      // the entry expired or vanished: write what we know so a restart can still resolve it
      const entry = { state: "sent", fingerprint: "", ...definedOnly(patch), updatedAt: now() };
      await redis.set(key, JSON.stringify(entry), "EX", ttlSeconds);
    },
    async get(accountId, clientOrderId) {
      const raw = await redis.get(keyOf(prefix, accountId, clientOrderId));
      return raw === null ? undefined : parseLedgerEntry(raw);
    },
  };
}

function memoryLedger(ttlSeconds: number, now: () => number): OrderLedger {
  const ttlMs = ttlSeconds * 1000;
  // insertion order ~ age order: expired entries are swept from the front
  const entries = new Map<string, { entry: LedgerEntry; expiresAt: number }>();
  const sweep = (t: number): void => {
    for (const [k, v] of entries) {
      if (v.expiresAt > t) break;
      entries.delete(k);
    }
  };
  const live = (key: string, t: number): LedgerEntry | undefined => {
    const v = entries.get(key);
    if (!v) return undefined;
    if (v.expiresAt <= t) {
      entries.delete(key);
      return undefined;
    }
    return v.entry;
  };
  const put = (key: string, entry: LedgerEntry, t: number): void => {
    entries.delete(key); // re-insert at the back: it is now the youngest
    entries.set(key, { entry, expiresAt: t + ttlMs });
  };
  return {
    async begin(accountId, clientOrderId, fingerprint) {
      const t = now();
      sweep(t);
      const key = keyOf("", accountId, clientOrderId);
      const existing = live(key, t);
      if (existing) return { created: false, entry: existing };
      put(key, { state: "sent", fingerprint, updatedAt: t }, t);
      return { created: true };
    },
    async update(accountId, clientOrderId, patch) {
      const t = now();
      const key = keyOf("", accountId, clientOrderId);
      const base = live(key, t) ?? { state: "sent" as const, fingerprint: "", updatedAt: t };
      put(key, { ...base, ...definedOnly(patch), updatedAt: t } as LedgerEntry, t);
    },
    async get(accountId, clientOrderId) {
      return live(keyOf("", accountId, clientOrderId), now());
    },
  };
}
