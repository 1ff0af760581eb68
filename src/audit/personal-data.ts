/**
 * Personal data in audit records, encrypted per data subject (AES-256-GCM under
 * the subject's key, see subject-keys.ts) before the line is chained, so the
 * chain hashes ciphertext and still verifies once a key is destroyed.
 *
 * The data subject of a record is its `subject` (the JWT `sub`). Personal fields:
 * `subject` itself, `clientOrderId`, and every `client_order_id` member at any depth
 * of `request` (client-chosen free text). A record without a subject has no one
 * to erase for and is written as it is. Sealed values read
 * `pii:v1:<kid>:<base64url(nonce | ciphertext | tag)>`.
 */
import { aeadOpen, aeadSeal } from "../config/aead.js";
import type { AuditEntry } from "./record.js";
import type { SubjectKey, SubjectKeyStore } from "./subject-keys.js";

export const SEALED_PREFIX = "pii:v1:";
export const ERASED = "[erased]";
export const KEY_UNAVAILABLE = "[key unavailable]";
/** Members of `request` (at any depth) that hold client free text. */
export const PERSONAL_REQUEST_KEYS: ReadonlySet<string> = new Set(["client_order_id"]);

const aad = (kid: string) => Buffer.from(`paddock:audit:pii:v1:${kid}`, "utf8");

export function sealValue(value: string, key: SubjectKey): string {
  return `${SEALED_PREFIX}${key.kid}:${aeadSeal(key.key, value, aad(key.kid)).toString("base64url")}`;
}

export const isSealed = (value: unknown): value is string =>
  typeof value === "string" && value.startsWith(SEALED_PREFIX);

export function sealedKid(value: string): string {
  return value.slice(SEALED_PREFIX.length, value.indexOf(":", SEALED_PREFIX.length));
}

/** The plaintext, or undefined when the value does not open with `key` (tampered or another key). */
export function openValue(value: string, key: Buffer): string | undefined {
  const kid = sealedKid(value);
  const payload = Buffer.from(value.slice(SEALED_PREFIX.length + kid.length + 1), "base64url");
  try {
    return aeadOpen(key, payload, aad(kid)).toString("utf8");
  } catch {
    return undefined;
  }
}

function mapRequest(value: unknown, at: (v: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapRequest(v, at));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PERSONAL_REQUEST_KEYS.has(k) && typeof v === "string" ? at(v) : mapRequest(v, at);
  }
  return out;
}

/** Applies `at` to every personal field of a record (or entry). */
export function mapPersonalFields<T extends Partial<AuditEntry>>(
  record: T,
  at: (value: string) => string,
): T {
  const out: Record<string, unknown> = { ...record };
  if (typeof record.subject === "string") out.subject = at(record.subject);
  if (typeof record.clientOrderId === "string") out.clientOrderId = at(record.clientOrderId);
  if (record.request !== undefined) out.request = mapRequest(record.request, at);
  return out as T;
}

export interface PersonalDataSealer {
  /** The entry with its personal fields sealed, at once when the subject's key is cached. */
  sealNow(entry: AuditEntry): AuditEntry | undefined;
  seal(entry: AuditEntry): Promise<AuditEntry>;
  /** Forgets cached keys (of one subject, or all), e.g. after an erasure. */
  forget(subject?: string): void;
}

export interface SealerOptions {
  /** How long a subject's key stays cached; default 60,000 ms (an erasure on another instance takes at most this long to stop new sealing under the old key). */
  readonly cacheMs?: number;
  readonly maxCached?: number;
  readonly now?: () => number;
}

export function createSealer(store: SubjectKeyStore, options: SealerOptions = {}): PersonalDataSealer {
  const cacheMs = options.cacheMs ?? 60_000;
  const maxCached = options.maxCached ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { key: SubjectKey; until: number }>();

  const sealWith = (entry: AuditEntry, key: SubjectKey) => mapPersonalFields(entry, (v) => sealValue(v, key));

  function cached(subject: string): SubjectKey | undefined {
    const hit = cache.get(subject);
    if (!hit) return undefined;
    if (hit.until <= now()) {
      cache.delete(subject);
      return undefined;
    }
    return hit.key;
  }

  return {
    sealNow(entry) {
      if (entry.subject === undefined) return entry;
      const key = cached(entry.subject);
      return key ? sealWith(entry, key) : undefined;
    },
    async seal(entry) {
      if (entry.subject === undefined) return entry;
      const key = cached(entry.subject) ?? (await store.getOrCreate(entry.subject));
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
      cache.set(entry.subject, { key, until: now() + cacheMs });
      return sealWith(entry, key);
    },
    forget(subject) {
      if (subject === undefined) cache.clear();
      else cache.delete(subject);
    },
  };
}

/** Opens the sealed fields of a record read back from the trail: plaintext, `[erased]` or `[key unavailable]`. */
export async function openRecord<T extends Partial<AuditEntry>>(
  record: T,
  store: SubjectKeyStore,
): Promise<T> {
  const keys = new Map<string, Buffer | "erased" | undefined>();
  const sealed: string[] = [];
  mapPersonalFields(record, (v) => {
    if (isSealed(v)) sealed.push(sealedKid(v));
    return v;
  });
  for (const kid of sealed) if (!keys.has(kid)) keys.set(kid, await store.byId(kid));
  return mapPersonalFields(record, (v) => {
    if (!isSealed(v)) return v;
    const key = keys.get(sealedKid(v));
    if (key === "erased") return ERASED;
    if (key === undefined) return KEY_UNAVAILABLE;
    return openValue(v, key) ?? KEY_UNAVAILABLE;
  });
}
