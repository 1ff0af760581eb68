/**
 * Signed checkpoints: the head of a chain (seq, SHA-256 of that line) signed with
 * Ed25519, one JSON line each in `<stem>.checkpoints.jsonl` beside the trail. A
 * record rewritten with every later hash recomputed no longer matches the hash a
 * checkpoint signed; a trail cut short of its last checkpoint misses the seq it names.
 *
 * The key is derived from the master key (HKDF-SHA256, so no new secret to keep) or
 * read from its own PKCS#8 PEM file. `kid` names the public key, so checkpoints
 * signed before a master-key rotation still verify while the old key is loaded.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  sign,
  verify as verifySignature,
} from "node:crypto";
import { readFile } from "node:fs/promises";
import { PaddockError } from "../errors.js";
import { canonicalJson } from "./canonical-json.js";
import { HEX64 } from "./chain.js";

export const CHECKPOINT_TYPE = "paddock.audit.checkpoint";

export type CheckpointReason = "first" | "count" | "interval" | "rotation" | "close" | "open";

export interface Checkpoint {
  readonly type: typeof CHECKPOINT_TYPE;
  /** The chain's file stem (e.g. `audit-web-1`): a checkpoint cannot be moved to another chain. */
  readonly chain: string;
  readonly seq: number;
  /** SHA-256 of line `seq`. */
  readonly hash: string;
  readonly time: string;
  readonly reason: CheckpointReason;
  /** Id of the signing key (absent when unsigned). */
  readonly kid?: string;
  /** base64url Ed25519 signature over the canonical JSON of every other member. */
  readonly sig?: string;
}

export interface CheckpointSigner {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** Public keys by kid, for verification. */
export type CheckpointKeys = ReadonlyMap<string, KeyObject>;

const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function keyIdOf(publicKey: KeyObject): string {
  const raw = Buffer.from(String(publicKey.export({ format: "jwk" }).x), "base64url");
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

function signerOf(privateKey: KeyObject): CheckpointSigner {
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: "audit.checkpointKeyFile: must hold an Ed25519 private key (PKCS#8 PEM)",
    });
  }
  return { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
}

/** The checkpoint key derived from a 32-byte master key. */
export function deriveCheckpointSigner(masterKey: Buffer): CheckpointSigner {
  const seed = Buffer.from(hkdfSync("sha256", masterKey, "paddock-audit", "checkpoint-signing:v1", 32));
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  return signerOf(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
}

export async function readCheckpointSigner(path: string): Promise<CheckpointSigner> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new PaddockError("PADDOCK_CONFIG_IO", {
      detail: `audit.checkpointKeyFile ${path}: ${code}`,
      cause: err,
    });
  }
  try {
    return signerOf(createPrivateKey(pem));
  } catch (err) {
    if (err instanceof PaddockError) throw err;
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `audit.checkpointKeyFile ${path}: not a PKCS#8 PEM private key`,
      cause: err,
    });
  }
}

export function checkpointKeys(signers: readonly CheckpointSigner[]): CheckpointKeys {
  return new Map(signers.map((s) => [s.kid, createPublicKey(s.privateKey)]));
}

function signedBytes(checkpoint: Omit<Checkpoint, "sig">): Buffer {
  return Buffer.from(canonicalJson(checkpoint), "utf8");
}

/** The checkpoint line (without newline); signed when a signer is given. */
export function makeCheckpoint(
  fields: Omit<Checkpoint, "type" | "kid" | "sig">,
  signer: CheckpointSigner | undefined,
): { checkpoint: Checkpoint; line: string } {
  const body: Omit<Checkpoint, "sig"> = {
    type: CHECKPOINT_TYPE,
    ...fields,
    ...(signer ? { kid: signer.kid } : {}),
  };
  const checkpoint: Checkpoint = signer
    ? { ...body, sig: sign(null, signedBytes(body), signer.privateKey).toString("base64url") }
    : body;
  return { checkpoint, line: canonicalJson(checkpoint) };
}

/** Parses one line of a checkpoints file; returns the problem when it is not a checkpoint. */
export function parseCheckpoint(line: string): Checkpoint | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return "not valid JSON";
  }
  const c = parsed as Partial<Record<keyof Checkpoint, unknown>> | null;
  if (typeof c !== "object" || c === null || c.type !== CHECKPOINT_TYPE) return "not a checkpoint";
  if (typeof c.chain !== "string") return "chain: missing";
  if (typeof c.seq !== "number" || !Number.isSafeInteger(c.seq) || c.seq < 1)
    return "seq: not a positive integer";
  if (typeof c.hash !== "string" || !HEX64.test(c.hash)) return "hash: not 64 hex digits";
  if (typeof c.time !== "string") return "time: missing";
  if (c.kid !== undefined && typeof c.kid !== "string") return "kid: not a string";
  if (c.sig !== undefined && typeof c.sig !== "string") return "sig: not a string";
  return parsed as Checkpoint;
}

/** undefined when the signature is good, else why not. */
export function checkpointSignatureProblem(checkpoint: Checkpoint, keys: CheckpointKeys): string | undefined {
  if (checkpoint.sig === undefined || checkpoint.kid === undefined) return "unsigned checkpoint";
  const key = keys.get(checkpoint.kid);
  if (!key)
    return `signed with key ${checkpoint.kid}, which this configuration does not hold (wrong master key?)`;
  const { sig, ...body } = checkpoint;
  const ok = verifySignature(null, signedBytes(body), key, Buffer.from(sig, "base64url"));
  return ok ? undefined : "signature does not match (the checkpoint was altered or forged)";
}
