/**
 * The one AES-256-GCM primitive every sealed thing uses (secret envelopes, backups, personal
 * fields in the audit trail): `nonce (12) | ciphertext | tag (16)`, bound to additional data.
 * Formats around it (prefixes, key ids, headers) belong to their callers.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

export function aeadSeal(
  key: Buffer,
  plaintext: Buffer | string,
  aad: Buffer,
  nonce: Buffer = randomBytes(AEAD_NONCE_BYTES),
): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const body =
    typeof plaintext === "string"
      ? Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      : Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** The plaintext of `nonce | ciphertext | tag`; throws when it is short, tampered, or for another key or data. */
export function aeadOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) throw new RangeError("sealed value too short");
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, AEAD_NONCE_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - AEAD_TAG_BYTES));
  return Buffer.concat([
    decipher.update(sealed.subarray(AEAD_NONCE_BYTES, sealed.length - AEAD_TAG_BYTES)),
    decipher.final(),
  ]);
}
