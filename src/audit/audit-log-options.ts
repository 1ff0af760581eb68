/**
 * Options of the audit log, checked once (each problem names its field) with
 * defaults applied.
 */
import { extname } from "node:path";
import { PaddockError } from "../errors.js";
import type { CheckpointOptions } from "./checkpointer.js";
import { chainFileOf } from "./file-naming.js";
import { instanceIdProblem } from "./instance-id.js";
import type { AuditSink } from "./sink.js";

export type AuditDurability = "fsync" | "batched";

export interface AuditLogOptions {
  readonly dir: string;
  /** Live file name inside `dir`; default `audit-<instanceId>.jsonl`, or `audit.jsonl` without an instance id. */
  readonly fileName?: string;
  /** This instance's id (see instance-id.ts): several instances share `dir`, each with its own chain. */
  readonly instanceId?: string;
  /** Signed checkpoints beside the trail (see checkpointer.ts); none when absent. */
  readonly checkpoints?: CheckpointOptions;
  readonly rotate?: {
    /** Rotate before a line would take the live file past this size. */
    readonly maxBytes?: number;
    /** Rotate when the UTC day changes. */
    readonly daily?: boolean;
  };
  readonly durability: AuditDurability;
  /** Batched mode: the longest a line waits before its batch is written; default 50. */
  readonly batchMaxDelayMs?: number;
  /** Batched mode: a batch is written as soon as this many lines wait; default 256. */
  readonly batchMaxEntries?: number;
  readonly sinks?: readonly AuditSink[];
}

function invalid(field: string, rule: string): PaddockError {
  return new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `audit.${field}: ${rule}` });
}

export function checkAuditLogOptions(opts: AuditLogOptions) {
  if (opts.instanceId !== undefined && instanceIdProblem(opts.instanceId)) {
    throw invalid("instanceId", instanceIdProblem(opts.instanceId)!);
  }
  const fileName =
    opts.fileName ?? (opts.instanceId === undefined ? "audit.jsonl" : `audit-${opts.instanceId}.jsonl`);
  if (typeof opts.dir !== "string" || opts.dir.length === 0) throw invalid("dir", "must be a non-empty path");
  if (
    fileName.length === 0 ||
    /[/\\]/.test(fileName) ||
    fileName.startsWith(".") ||
    chainFileOf(fileName, extname(fileName))?.kind !== "live"
  ) {
    throw invalid("fileName", "must be a plain file name");
  }
  const maxBytes = opts.rotate?.maxBytes;
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    throw invalid("rotate.maxBytes", "must be a positive integer");
  }
  if (opts.durability !== "fsync" && opts.durability !== "batched") {
    throw invalid("durability", 'must be "fsync" or "batched"');
  }
  const batchMaxDelayMs = opts.batchMaxDelayMs ?? 50;
  if (!Number.isFinite(batchMaxDelayMs) || batchMaxDelayMs < 0) {
    throw invalid("batchMaxDelayMs", "must be a number >= 0");
  }
  const batchMaxEntries = opts.batchMaxEntries ?? 256;
  if (!Number.isSafeInteger(batchMaxEntries) || batchMaxEntries < 1) {
    throw invalid("batchMaxEntries", "must be a positive integer");
  }
  return {
    dir: opts.dir,
    fileName,
    maxBytes,
    daily: opts.rotate?.daily === true,
    durability: opts.durability,
    batchMaxDelayMs,
    batchMaxEntries,
    sinks: opts.sinks ?? [],
    checkpoints: opts.checkpoints,
  };
}

export type CheckedAuditLogOptions = ReturnType<typeof checkAuditLogOptions>;
