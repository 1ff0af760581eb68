/**
 * The backup archive format (`paddock backup`), pure: no file system, no config.
 *
 * On disk: a header, then the AES-256-GCM ciphertext of the container, then the 16-byte tag.
 *
 *   magic "PADDOCKB" (8) | version (1) = 1 | key id length (1) | key id (ASCII) | nonce (12)
 *
 * The whole header is the additional authenticated data, so changing the key id or the version
 * fails the tag like any other edit. The key id is the master key's (`masterKeyId`, 8 hex digits),
 * so restore can say which key a backup needs.
 *
 * The container (plaintext): a 4-byte big-endian manifest length, the manifest (UTF-8 JSON:
 * format, version, creation time, caller metadata, and for each file its part, relative path,
 * mode, size and SHA-256), then the file bodies concatenated in manifest order. Unpacking checks
 * every size and hash and refuses any path that could leave its folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { PaddockError } from "../errors.js";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from "./aead.js";
import type { MasterKey } from "./secrets.js";

export const BACKUP_MAGIC = Buffer.from("PADDOCKB", "ascii");
export const BACKUP_VERSION = 1;
const FORMAT = "paddock-backup";

/** A master key (or a backup key file's key): its id is written in the header. */
export type BackupKey = MasterKey;

export interface BackupFile {
  /** Which root the path is relative to (the caller's names: "config", "state", "audit"). */
  readonly part: string;
  /** Relative, `/`-separated, no `.` or `..` segments. */
  readonly path: string;
  /** Permission bits to restore (0o600 when unsure). */
  readonly mode: number;
  readonly data: Buffer;
}

/** JSON metadata the caller keeps in the manifest (where the parts came from, notes). */
export type BackupMeta = Readonly<Record<string, string | number | boolean | null>>;

export interface BackupContents {
  readonly createdAt: string;
  readonly meta: BackupMeta;
  readonly files: readonly BackupFile[];
}

interface ManifestFile {
  readonly part: string;
  readonly path: string;
  readonly mode: number;
  readonly size: number;
  readonly sha256: string;
}

interface Manifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly createdAt: string;
  readonly meta: BackupMeta;
  readonly files: readonly ManifestFile[];
}

const corrupt = (detail: string): PaddockError => new PaddockError("PADDOCK_USAGE", { detail });

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** A path that stays inside its root on every platform. */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || path.length > 4096 || path.includes("\0") || path.includes("\\")) return false;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

export function packBackup(contents: BackupContents): Buffer {
  const files: ManifestFile[] = contents.files.map((f) => {
    if (!isSafeRelativePath(f.path)) throw new RangeError(`not a safe relative path: ${f.path}`);
    return { part: f.part, path: f.path, mode: f.mode & 0o777, size: f.data.length, sha256: sha256(f.data) };
  });
  const manifest: Manifest = {
    format: FORMAT,
    version: BACKUP_VERSION,
    createdAt: contents.createdAt,
    meta: contents.meta,
    files,
  };
  const json = Buffer.from(JSON.stringify(manifest), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, ...contents.files.map((f) => f.data)]);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function parseManifest(json: string): Manifest {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw corrupt("backup manifest is not JSON");
  }
  if (!isRecord(v) || v.format !== FORMAT || v.version !== BACKUP_VERSION) {
    throw corrupt("not a paddock backup manifest of a known version");
  }
  if (typeof v.createdAt !== "string" || !isRecord(v.meta) || !Array.isArray(v.files)) {
    throw corrupt("backup manifest is incomplete");
  }
  const meta: Record<string, string | number | boolean | null> = {};
  for (const [k, x] of Object.entries(v.meta)) {
    if (x === null || typeof x === "string" || typeof x === "number" || typeof x === "boolean") meta[k] = x;
  }
  const files = v.files.map((f: unknown): ManifestFile => {
    if (
      !isRecord(f) ||
      typeof f.part !== "string" ||
      typeof f.path !== "string" ||
      typeof f.mode !== "number" ||
      typeof f.size !== "number" ||
      typeof f.sha256 !== "string" ||
      !Number.isSafeInteger(f.size) ||
      f.size < 0
    ) {
      throw corrupt("backup manifest has a malformed file entry");
    }
    if (!isSafeRelativePath(f.path)) throw corrupt(`backup names an unsafe path: ${JSON.stringify(f.path)}`);
    return { part: f.part, path: f.path, mode: f.mode & 0o777, size: f.size, sha256: f.sha256 };
  });
  return { format: FORMAT, version: BACKUP_VERSION, createdAt: v.createdAt, meta, files };
}

export function unpackBackup(container: Buffer): BackupContents {
  if (container.length < 4) throw corrupt("backup container is truncated");
  const length = container.readUInt32BE(0);
  if (4 + length > container.length) throw corrupt("backup container is truncated");
  const manifest = parseManifest(container.subarray(4, 4 + length).toString("utf8"));
  let offset = 4 + length;
  const files: BackupFile[] = manifest.files.map((f) => {
    if (offset + f.size > container.length) throw corrupt(`backup is truncated at ${f.part}/${f.path}`);
    const data = container.subarray(offset, offset + f.size);
    offset += f.size;
    if (sha256(data) !== f.sha256) throw corrupt(`backup file ${f.part}/${f.path} does not match its hash`);
    return { part: f.part, path: f.path, mode: f.mode, data };
  });
  if (offset !== container.length) throw corrupt("backup container has trailing bytes");
  return { createdAt: manifest.createdAt, meta: manifest.meta, files };
}

function header(keyId: string, nonce: Buffer): Buffer {
  const id = Buffer.from(keyId, "ascii");
  if (id.length === 0 || id.length > 255 || !/^[\x21-\x7e]+$/.test(keyId)) {
    throw new RangeError("key id must be 1-255 printable ASCII characters");
  }
  return Buffer.concat([BACKUP_MAGIC, Buffer.from([BACKUP_VERSION, id.length]), id, nonce]);
}

export interface BackupHeader {
  readonly version: number;
  readonly keyId: string;
  readonly nonce: Buffer;
  /** Header length in bytes (where the ciphertext starts). */
  readonly length: number;
}

/** Reads the header; throws one clear line when the bytes are not a paddock backup. */
export function readBackupHeader(archive: Buffer): BackupHeader {
  if (archive.length < BACKUP_MAGIC.length + 2 || !archive.subarray(0, 8).equals(BACKUP_MAGIC)) {
    throw corrupt("not a paddock backup (bad magic)");
  }
  const version = archive[8]!;
  if (version !== BACKUP_VERSION) throw corrupt(`backup format version ${version} is not supported`);
  const idLength = archive[9]!;
  const length = 10 + idLength + AEAD_NONCE_BYTES;
  if (idLength === 0 || archive.length < length + AEAD_TAG_BYTES) throw corrupt("backup is truncated");
  return {
    version,
    keyId: archive.subarray(10, 10 + idLength).toString("ascii"),
    nonce: archive.subarray(10 + idLength, length),
    length,
  };
}

export function encryptBackup(container: Buffer, key: BackupKey): Buffer {
  const nonce = randomBytes(AEAD_NONCE_BYTES);
  const head = header(key.id, nonce); // ends with the nonce
  return Buffer.concat([head, aeadSeal(key.key, container, head, nonce).subarray(AEAD_NONCE_BYTES)]);
}

/**
 * Checks the tag and returns the container; nothing of the plaintext is returned unless the
 * whole archive (header included) is authentic.
 */
export function decryptBackup(archive: Buffer, key: BackupKey): Buffer {
  const head = readBackupHeader(archive);
  if (head.keyId !== key.id) {
    throw corrupt(`backup is sealed with key ${head.keyId}, not with the key given (${key.id})`);
  }
  try {
    const sealed = Buffer.concat([head.nonce, archive.subarray(head.length)]);
    return aeadOpen(key.key, sealed, archive.subarray(0, head.length));
  } catch {
    throw corrupt("backup failed authentication (tampered, truncated or a different key); nothing written");
  }
}
