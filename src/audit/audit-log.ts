/**
 * The append-only, hash-chained audit log (JSONL). Entries are written in exactly
 * the order `append` was called. Durability:
 * - "fsync": each line is written and fdatasync'd on its own; `append` resolves after that.
 * - "batched" (group commit): a line is written at once when nothing is being written;
 *   lines that arrive while a batch is being synced are coalesced (up to `batchMaxEntries`)
 *   into the next write + one fdatasync; `append` resolves after that sync. A line never
 *   waits longer than the batch in flight, and never more than `batchMaxDelayMs` for a timer.
 * Rotation (by size and/or UTC day) renames the live file to a sortable name (see
 * file-naming.ts) and continues the chain in a new live file. A failed write
 * rejects the appends it carried and makes `health()` not ok; the next append
 * re-reads the chain from disk and tries again. Nothing is dropped silently; the
 * reverse can happen: a line whose append was rejected (e.g. written, then the
 * fsync failed) may still be in the file, and the chain continues after it.
 * With `checkpoints`, the head is signed beside the trail (checkpointer.ts); with a
 * `sealer`, personal fields are encrypted per data subject before chaining
 * (personal-data.ts), keeping call order while a subject's key is fetched.
 */
import { chmod, type FileHandle, mkdir, open, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { PaddockError } from "../errors.js";
import { type AuditLogOptions, checkAuditLogOptions } from "./audit-log-options.js";
import {
  type ChainedLine,
  type ChainHead,
  chainPrepared,
  type PreparedEntry,
  prepareEntry,
} from "./chain.js";
import { type Checkpointer, createCheckpointer } from "./checkpointer.js";
import { rotatedFileName, utcDay } from "./file-naming.js";
import type { PersonalDataSealer } from "./personal-data.js";
import { type AuditEntry, type AuditEntryInput, auditEntryProblem } from "./record.js";
import { scrub } from "./scrub.js";
import { type AuditHealth, type AuditLogger, silentLogger } from "./sink.js";
import { readChainTail } from "./tail.js";

export interface AuditLogDeps {
  readonly now?: () => number;
  readonly logger?: AuditLogger;
  /** Encrypts personal fields per data subject before a line is chained (see personal-data.ts). */
  readonly sealer?: PersonalDataSealer;
}

export interface AuditLogHealth extends AuditHealth {
  /** `degraded` while the trail cannot be written (the last write or checkpoint failed), `down` once closed. */
  readonly status: "up" | "degraded" | "down";
  /** Writes (lines or checkpoints) that failed since the log was opened: an alarm, for a metric. */
  readonly writeFailures: number;
  readonly sinks: readonly (AuditHealth & { readonly name: string })[];
}

export interface AuditLog {
  /** Path of the live file. */
  readonly path: string;
  /** Resolves once the line is durable (per the durability mode); rejects if it could not be written. */
  append(entry: AuditEntryInput): Promise<void>;
  /** Writes whatever waits now; resolves when everything appended before (and its checkpoints) is durable. */
  flush(): Promise<void>;
  /** Flushes, closes the file and the sinks. Further appends reject. */
  close(): Promise<void>;
  health(): AuditLogHealth;
  /** seq and SHA-256 of the last durable line: an anchor to keep elsewhere. */
  head(): ChainHead;
  /**
   * False while records cannot be written (the last write failed, the subject key store
   * failed, or closed): with
   * `audit.required: true` the order flow refuses orders then. The next append retries the
   * disk, so a refusal that is itself appended is what brings the trail back. A failed
   * checkpoint degrades health() but leaves the trail writable.
   */
  writable(): boolean;
}

interface Pending {
  readonly entry: PreparedEntry;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface LiveFile {
  readonly handle: FileHandle;
  size: number;
  firstSeq: number | undefined;
  day: string | undefined;
}

const NEWLINE = Buffer.from("\n");

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return code;
  return err instanceof Error ? err.message : String(err);
}

async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function createAuditLog(opts: AuditLogOptions, deps: AuditLogDeps = {}): Promise<AuditLog> {
  const o = checkAuditLogOptions(opts);
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const livePath = join(o.dir, o.fileName);

  let file: LiveFile | undefined;
  let head: ChainHead = { seq: 0, hash: "" };
  let failure: unknown;
  let checkpointFailure: unknown;
  let sealFailure: unknown;
  let writeFailures = 0;
  let sealing: Promise<void> = Promise.resolve();
  let sealsPending = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let writing = false;
  let flushing = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastSettled: Promise<void> = Promise.resolve();
  const queue: Pending[] = [];
  const checkpointer: Checkpointer | undefined = o.checkpoints
    ? createCheckpointer({
        dir: o.dir,
        fileName: o.fileName,
        options: o.checkpoints,
        head: () => head,
        now,
        logger,
        sinks: o.sinks,
        onFailure: (err) => {
          checkpointFailure = err;
          writeFailures += 1;
        },
        onWritten: () => {
          checkpointFailure = undefined;
        },
      })
    : undefined;

  async function reopen(): Promise<LiveFile> {
    const tail = await readChainTail(o.dir, o.fileName, {
      now,
      warn: (obj, msg) => logger.warn(obj, msg),
    });
    const handle = await open(livePath, "a", 0o640);
    try {
      await syncDir(o.dir);
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
    head = tail.head;
    file = { handle, size: tail.liveSize, firstSeq: tail.liveFirst?.seq, day: tail.liveFirst?.day };
    return file;
  }

  async function rotate(live: LiveFile): Promise<LiveFile> {
    // The end of the file about to be renamed is signed first; a failure is reported, not fatal.
    await checkpointer?.checkpoint("rotation").catch(() => {});
    file = undefined;
    await live.handle.close();
    const name = rotatedFileName(o.fileName, live.firstSeq ?? head.seq, live.day ?? utcDay(now()));
    const target = join(o.dir, name);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) throw new Error(`rotation target ${name} already exists`);
    await rename(livePath, target);
    await chmod(target, 0o440);
    const handle = await open(livePath, "a", 0o640);
    await syncDir(o.dir);
    file = { handle, size: 0, firstSeq: undefined, day: undefined };
    return file;
  }

  function needsRotation(live: LiveFile, pendingBytes: number, lineBytes: number, today: string): boolean {
    const filled = live.size + pendingBytes;
    if (filled === 0) return false;
    if (o.daily && (live.day ?? today) !== today) return true;
    return o.maxBytes !== undefined && filled + lineBytes > o.maxBytes;
  }

  function publish(chained: ChainedLine): void {
    for (const sink of o.sinks) {
      try {
        sink.publish(chained.line, chained.record);
      } catch (err) {
        logger.warn({ sink: sink.name, err: describe(err) }, "audit: sink failed to take a record");
      }
    }
  }

  /** Writes `batch` in order, segment by segment (a rotation splits a batch). Never throws. */
  async function writeBatch(batch: Pending[]): Promise<void> {
    let done = 0;
    try {
      let live = file ?? (await reopen());
      while (done < batch.length) {
        const today = utcDay(now());
        const segment: { pending: Pending; chained: ChainedLine }[] = [];
        let bytes = 0;
        let cursor = head;
        for (const pending of batch.slice(done)) {
          const chained = chainPrepared(pending.entry, cursor);
          if (needsRotation(live, bytes, chained.bytes.length + 1, today)) break;
          segment.push({ pending, chained });
          bytes += chained.bytes.length + 1;
          cursor = { seq: chained.record.seq, hash: chained.hash };
        }
        if (segment.length === 0) {
          live = await rotate(live);
          continue;
        }
        await writeAll(live.handle, Buffer.concat(segment.flatMap((s) => [s.chained.bytes, NEWLINE])));
        await live.handle.datasync();
        live.size += bytes;
        live.firstSeq ??= segment[0]?.chained.record.seq;
        live.day ??= today;
        head = cursor;
        done += segment.length;
        for (const { pending, chained } of segment) {
          publish(chained);
          pending.resolve();
        }
        checkpointer?.afterWrite();
      }
      failure = undefined;
    } catch (err) {
      failure = err;
      writeFailures += 1;
      logger.error({ file: livePath, err: describe(err) }, "audit: write failed");
      const error = new PaddockError("PADDOCK_UNAVAILABLE", {
        detail: `audit log write failed (${describe(err)})`,
        cause: err,
      });
      for (const pending of batch.slice(done)) pending.reject(error);
      const broken = file;
      file = undefined;
      await broken?.handle.close().catch(() => {});
    }
  }

  async function drain(): Promise<void> {
    if (writing) return;
    writing = true;
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    try {
      while (queue.length > 0) {
        await writeBatch(queue.splice(0, o.durability === "fsync" ? 1 : o.batchMaxEntries));
      }
    } finally {
      writing = false;
    }
  }

  function schedule(): void {
    if (writing || queue.length === 0) return;
    // Nothing in flight: write now. Waiting for the timer made every lone order pay the whole
    // batch delay; coalescing happens anyway for lines that arrive during a write.
    if (o.durability === "fsync" || flushing > 0 || queue.length >= o.batchMaxEntries || !writing) {
      void drain();
      return;
    }
    timer ??= setTimeout(() => {
      timer = undefined;
      void drain();
    }, o.batchMaxDelayMs);
  }

  function enqueue(snapshot: AuditEntry, resolve: () => void, reject: (err: Error) => void): void {
    let entry: PreparedEntry;
    try {
      entry = prepareEntry(snapshot);
    } catch (err) {
      reject(new PaddockError("PADDOCK_INTERNAL", { detail: `audit entry ${describe(err)}` }));
      return;
    }
    queue.push({ entry, resolve, reject });
    schedule();
  }

  function append(input: AuditEntryInput): Promise<void> {
    if (closed)
      return Promise.reject(new PaddockError("PADDOCK_UNAVAILABLE", { detail: "audit log closed" }));
    const problem = auditEntryProblem(input);
    if (problem)
      return Promise.reject(new PaddockError("PADDOCK_INTERNAL", { detail: `audit entry ${problem}` }));
    // A snapshot, taken now: the caller may reuse its objects before a batched line is written.
    let snapshot: AuditEntry;
    try {
      snapshot = {
        ...input,
        time: input.time ?? new Date(now()).toISOString(),
        ...(input.request === undefined ? {} : { request: scrub(input.request) }),
        ...(input.error === undefined ? {} : { error: { ...input.error } }),
      };
    } catch (err) {
      return Promise.reject(new PaddockError("PADDOCK_INTERNAL", { detail: `audit entry ${describe(err)}` }));
    }
    const sealer = deps.sealer;
    const promise = new Promise<void>((resolve, reject) => {
      // Lines keep call order: an entry waits for a subject key only behind earlier waiting ones.
      const sealed =
        sealer === undefined ? snapshot : sealsPending === 0 ? sealer.sealNow(snapshot) : undefined;
      if (sealed !== undefined || sealer === undefined) {
        enqueue(sealed ?? snapshot, resolve, reject);
        return;
      }
      sealsPending += 1;
      sealing = sealing
        .then(() => sealer.seal(snapshot))
        .then(
          (entry) => {
            sealFailure = undefined;
            enqueue(entry, resolve, reject);
          },
          (err: unknown) => {
            sealFailure = err;
            writeFailures += 1;
            logger.error(
              { err: describe(err) },
              "audit: personal data could not be sealed (subject key store)",
            );
            reject(
              new PaddockError("PADDOCK_UNAVAILABLE", {
                detail: `audit subject key unavailable (${describe(err)})`,
                cause: err,
              }),
            );
          },
        )
        .finally(() => {
          sealsPending -= 1;
        });
    });
    lastSettled = promise.then(
      () => {},
      () => {},
    );
    return promise;
  }

  async function flush(): Promise<void> {
    const last = lastSettled;
    flushing += 1;
    try {
      schedule();
      await last;
      await checkpointer?.idle();
    } finally {
      flushing -= 1;
    }
    if (failure !== undefined) {
      throw new PaddockError("PADDOCK_UNAVAILABLE", {
        detail: `audit log write failed (${describe(failure)})`,
        cause: failure,
      });
    }
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      let error: unknown;
      try {
        await flush();
      } catch (err) {
        error = err;
      }
      await checkpointer?.close();
      const live = file;
      file = undefined;
      await live?.handle.close().catch(() => {});
      await Promise.allSettled(o.sinks.map((s) => s.close()));
      if (error !== undefined) throw error;
    })();
    return closing;
  }

  function writable(): boolean {
    return !closed && failure === undefined && sealFailure === undefined;
  }

  function health(): AuditLogHealth {
    const sinks = o.sinks.map((s) => ({ name: s.name, ...s.health() }));
    const base = { writeFailures, sinks };
    if (closed) return { ok: false, status: "down", detail: "closed", ...base };
    if (failure !== undefined)
      return { ok: false, status: "degraded", detail: `last write failed: ${describe(failure)}`, ...base };
    if (sealFailure !== undefined) {
      const detail = `personal data cannot be sealed: ${describe(sealFailure)}`;
      return { ok: false, status: "degraded", detail, ...base };
    }
    if (checkpointFailure !== undefined) {
      const detail = `last checkpoint failed: ${describe(checkpointFailure)}`;
      return { ok: false, status: "degraded", detail, ...base };
    }
    return { ok: true, status: "up", ...base };
  }

  try {
    await mkdir(o.dir, { recursive: true });
    await reopen();
    await checkpointer?.init();
  } catch (err) {
    throw new PaddockError("PADDOCK_UNAVAILABLE", {
      detail: `audit log ${livePath} cannot be opened (${describe(err)})`,
      cause: err,
    });
  }

  return {
    path: livePath,
    append,
    flush,
    close,
    health,
    head: () => ({ ...head }),
    writable,
  };
}
