/**
 * Secrets at rest: AES-256-GCM envelopes `enc:v1:<keyId>:<base64url(nonce | ciphertext | tag)>`.
 * The owner (an account id, or the config path of a non-account secret) is the
 * additional authenticated data, so a value cannot be moved to another account.
 * `keyId` names the master key that sealed it, so old and new keys can both
 * decrypt during a rotation.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { PaddockError } from "../errors.js";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from "./aead.js";

const PREFIX = "enc:v1:";
const AAD_PREFIX = "paddock:v1:";

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Decrypts with any known key (the envelope names it), encrypts with the current one. */
export interface KeyRing {
  readonly current: MasterKey;
  readonly all: ReadonlyMap<string, MasterKey>;
}

export const isEncrypted = (value: string): boolean => value.startsWith(PREFIX);

export const masterKeyId = (key: Buffer): string =>
  createHash("sha256").update(key).digest("hex").slice(0, 8);

export const generateMasterKey = (): string => `${randomBytes(32).toString("base64")}\n`;

/** Parses the text of a master key file or variable: 32 bytes, base64 (or 64 hex digits). */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new PaddockError("PADDOCK_MASTER_KEY", {
      detail: `${source} must hold 32 bytes as base64 (got ${key.length} bytes); make one with \`paddock keys gen-master\``,
    });
  }
  return { id: masterKeyId(key), key };
}

export interface MasterKeyFileResult {
  readonly key: MasterKey;
  /** Set when group or others can read the file. */
  readonly warning?: string;
}

export async function readMasterKeyFile(path: string): Promise<MasterKeyFileResult> {
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, "utf8"), stat(path).then((s) => s.mode)]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new PaddockError("PADDOCK_MASTER_KEY", { detail: `cannot read ${path} (${code})`, cause: err });
  }
  const key = parseMasterKey(text, path);
  const exposed = (mode & 0o077) !== 0;
  return exposed
    ? {
        key,
        warning: `master key file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
      }
    : { key };
}

export const makeKeyRing = (current: MasterKey, previous: readonly MasterKey[] = []): KeyRing => {
  const all = new Map<string, MasterKey>();
  for (const k of [current, ...previous]) all.set(k.id, k);
  return { current, all };
};

const aad = (owner: string): Buffer => Buffer.from(AAD_PREFIX + owner, "utf8");

export function encryptSecret(plaintext: string, owner: string, key: MasterKey): string {
  return `${PREFIX}${key.id}:${aeadSeal(key.key, plaintext, aad(owner)).toString("base64url")}`;
}

/**
 * Opens an envelope. `where` names the field for the error (`accounts[3].secretKey`);
 * the error never contains the value.
 */
export function decryptSecret(envelope: string, owner: string, ring: KeyRing, where: string): string {
  if (!isEncrypted(envelope)) {
    throw new PaddockError("PADDOCK_SECRET_DECRYPT", { field: where, detail: `not an encrypted value` });
  }
  const rest = envelope.slice(PREFIX.length);
  const sep = rest.indexOf(":");
  const keyId = sep > 0 ? rest.slice(0, sep) : "";
  const key = ring.all.get(keyId);
  if (!key) {
    throw new PaddockError("PADDOCK_SECRET_DECRYPT", {
      field: where,
      detail: `sealed with master key ${keyId || "?"}, which is not loaded (wrong master key?)`,
    });
  }
  const text = rest.slice(sep + 1);
  const payload = Buffer.from(text, "base64url");
  // Only the canonical encoding is accepted: spare bits in the last character would otherwise let
  // an edited value still open.
  if (payload.toString("base64url") !== text) {
    throw new PaddockError("PADDOCK_SECRET_DECRYPT", {
      field: where,
      detail: `authentication failed (tampered, or moved from another account)`,
    });
  }
  if (payload.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) {
    throw new PaddockError("PADDOCK_SECRET_DECRYPT", { field: where, detail: `truncated encrypted value` });
  }
  try {
    return aeadOpen(key.key, payload, aad(owner)).toString("utf8");
  } catch (err) {
    throw new PaddockError("PADDOCK_SECRET_DECRYPT", {
      field: where,
      detail: `authentication failed (tampered, or moved from another account)`,
      cause: err,
    });
  }
}
