/**
 * Removes secret-looking members from a request before it is audited: keys whose
 * name (case and `_`/`-` ignored) is or contains a credential word, at any depth,
 * and string values that carry a bearer/basic credential. Returns a new value;
 * the input is never modified.
 */

/** Normalized key fragments that mark a secret. */
const SECRET_FRAGMENTS = [
  "secret",
  "password",
  "passwd",
  "passphrase",
  "token",
  "authorization",
  "cookie",
  "apikey",
  "keyid",
  "privatekey",
  "masterkey",
  "credential",
  "signature",
] as const;

/** Normalized keys that are secrets only as a whole word. */
const SECRET_KEYS = new Set(["key", "auth", "pwd", "jwt", "bearer"]);

/** `Bearer …` / `Basic …` header values and bare JWTs. */
const CREDENTIAL_VALUE = /^\s*(bearer|basic)\s+\S|^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/i;

export const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_KEYS.has(normalized) || SECRET_FRAGMENTS.some((f) => normalized.includes(f));
}

export function scrub(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return scrubObject(request, new WeakSet());
}

function scrubObject(obj: Readonly<Record<string, unknown>>, seen: WeakSet<object>): Record<string, unknown> {
  seen.add(obj);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (isSecretKey(key)) continue;
    const clean = scrubValue(value, seen);
    if (clean !== undefined) out[key] = clean;
  }
  seen.delete(obj);
  return out;
}

function scrubValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return CREDENTIAL_VALUE.test(value) ? REDACTED : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean" || value === null) return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (seen.has(value)) return "[circular]";
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((item) => scrubValue(item, seen) ?? null);
    seen.delete(value);
    return out;
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  return scrubObject(value as Record<string, unknown>, seen);
}
