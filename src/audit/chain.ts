/**
 * The hash chain: each line is the canonical JSON of the entry plus `seq` and
 * `prev`, where `prev` is the hex SHA-256 of the previous line's UTF-8 bytes
 * (the line without its trailing newline). The first line ever has seq 1 and
 * `prev` = 64 zeros. Rotation does not restart the chain.
 */
import { createHash } from "node:crypto";
import { type CanonicalMembers, canonicalJson, canonicalMembers, joinMembers } from "./canonical-json.js";
import type { AuditEntry, AuditRecord } from "./record.js";

export interface ChainHead {
  /** seq of the last line (0 before the genesis). */
  readonly seq: number;
  /** SHA-256 of the last line; what the next line's `prev` must be. */
  readonly hash: string;
}

export interface ChainedLine {
  readonly record: AuditRecord;
  /** The line without its newline. */
  readonly line: string;
  readonly bytes: Buffer;
  readonly hash: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Builds the line that follows `head`. */
export function chainLine(entry: AuditEntry, head: ChainHead): ChainedLine {
  const record: AuditRecord = { ...entry, seq: head.seq + 1, prev: head.hash };
  return finish(record, canonicalJson(record));
}

/** An entry serialized once, ahead of knowing its place in the chain. */
export interface PreparedEntry {
  readonly entry: AuditEntry;
  readonly members: CanonicalMembers;
}

/** Serializes an entry (throws a TypeError naming the path of a value JSON cannot carry). */
export function prepareEntry(entry: AuditEntry): PreparedEntry {
  return { entry, members: canonicalMembers(entry) };
}

/** Same bytes as `chainLine(prepared.entry, head)`, without serializing the entry again. */
export function chainPrepared(prepared: PreparedEntry, head: ChainHead): ChainedLine {
  const seq = head.seq + 1;
  const record: AuditRecord = { ...prepared.entry, seq, prev: head.hash };
  const line = joinMembers(prepared.members, [
    ["prev", JSON.stringify(head.hash)],
    ["seq", String(seq)],
  ]);
  return finish(record, line);
}

function finish(record: AuditRecord, line: string): ChainedLine {
  const bytes = Buffer.from(line, "utf8");
  return { record, line, bytes, hash: sha256Hex(bytes) };
}

export const HEX64 = /^[0-9a-f]{64}$/;
