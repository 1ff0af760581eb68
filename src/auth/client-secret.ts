/**
 * OAuth2 client secrets at rest: scrypt (node:crypto), stored self-describing
 * as `scrypt$N$r$p$<salt>$<hash>` (salt and hash base64url), so parameters can
 * be raised later without invalidating existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** N = 2^14, r = 8, p = 1: 16 MiB and a few tens of ms per check (client secrets are random, not passwords). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Upper bounds so that a hand-edited hash cannot make one check take seconds or gigabytes. */
const MAX = { N: 1 << 20, r: 32, p: 16 } as const;

export interface ParsedSecretHash extends ScryptParams {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function derive(secret: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * params.p + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Parses a stored hash; undefined when it is not a well-formed `scrypt$…` string within bounds. */
export function parseSecretHash(stored: string): ParsedSecretHash | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const num = (s: string): number => (/^[1-9][0-9]{0,7}$/.test(s) ? Number(s) : Number.NaN);
  const params = { N: num(n), r: num(r), p: num(p) };
  if (!(params.N >= 2 && params.N <= MAX.N && (params.N & (params.N - 1)) === 0)) return undefined;
  if (!(params.r >= 1 && params.r <= MAX.r && params.p >= 1 && params.p <= MAX.p)) return undefined;
  if (!B64URL.test(salt) || !B64URL.test(hash)) return undefined;
  const saltBytes = Buffer.from(salt, "base64url");
  const hashBytes = Buffer.from(hash, "base64url");
  if (saltBytes.length < 8 || hashBytes.length < 16 || hashBytes.length > 64) return undefined;
  return { ...params, salt: saltBytes, hash: hashBytes };
}

export async function hashClientSecret(
  secret: string,
  options: { params?: ScryptParams; salt?: Buffer } = {},
): Promise<string> {
  const params = options.params ?? DEFAULT_SCRYPT;
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  const hash = await derive(secret, salt, params, KEY_LENGTH);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** Constant-time comparison of the derived key; false for a malformed hash. */
export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseSecretHash(stored);
  if (parsed === undefined) return false;
  const derived = await derive(secret, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(derived, parsed.hash);
}
