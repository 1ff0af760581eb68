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
import { rotatedFileName, utcDay } from "./file-naming.js";
import { type AuditEntry, type AuditEntryInput, auditEntryProblem } from "./record.js";
import { scrub } from "./scrub.js";
import { type AuditHealth, type AuditLogger, silentLogger } from "./sink.js";
import { readChainTail } from "./tail.js";

export interface AuditLogDeps {
  readonly now?: () => number;
  readonly logger?: AuditLogger;
}

export interface AuditLogHealth extends AuditHealth {
  readonly sinks: readonly (AuditHealth & { readonly name: string })[];
}

export interface AuditLog {
  /** Path of the live file. */
  readonly path: string;
  /** Resolves once the line is durable (per the durability mode); rejects if it could not be written. */
  append(entry: AuditEntryInput): Promise<void>;
  /** Writes whatever waits now; resolves when everything appended before is durable. */
  flush(): Promise<void>;
  /** Flushes, closes the file and the sinks. Further appends reject. */
  close(): Promise<void>;
  health(): AuditLogHealth;
  /** seq and SHA-256 of the last durable line: an anchor to keep elsewhere. */
  head(): ChainHead;
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
  let closed = false;
  let closing: Promise<void> | undefined;
  let writing = false;
  let flushing = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastSettled: Promise<void> = Promise.resolve();
  const queue: Pending[] = [];

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
      }
      failure = undefined;
    } catch (err) {
      failure = err;
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

  function append(input: AuditEntryInput): Promise<void> {
    if (closed)
      return Promise.reject(new PaddockError("PADDOCK_UNAVAILABLE", { detail: "audit log closed" }));
    const problem = auditEntryProblem(input);
    if (problem)
      return Promise.reject(new PaddockError("PADDOCK_INTERNAL", { detail: `audit entry ${problem}` }));
    let entry: PreparedEntry;
    try {
      // A snapshot, serialized now: the caller may reuse its objects before a batched line is written.
      const snapshot: AuditEntry = {
        ...input,
        time: input.time ?? new Date(now()).toISOString(),
        ...(input.request === undefined ? {} : { request: scrub(input.request) }),
        ...(input.error === undefined ? {} : { error: { ...input.error } }),
      };
      entry = prepareEntry(snapshot);
    } catch (err) {
      return Promise.reject(new PaddockError("PADDOCK_INTERNAL", { detail: `audit entry ${describe(err)}` }));
    }
    const promise = new Promise<void>((resolve, reject) => {
      queue.push({ entry, resolve, reject });
    });
    lastSettled = promise.then(
      () => {},
      () => {},
    );
    schedule();
    return promise;
  }

  async function flush(): Promise<void> {
    const last = lastSettled;
    flushing += 1;
    try {
      schedule();
      await last;
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
      const live = file;
      file = undefined;
      await live?.handle.close().catch(() => {});
      await Promise.allSettled(o.sinks.map((s) => s.close()));
      if (error !== undefined) throw error;
    })();
    return closing;
  }

  function health(): AuditLogHealth {
    const sinks = o.sinks.map((s) => ({ name: s.name, ...s.health() }));
    if (closed) return { ok: false, detail: "closed", sinks };
    if (failure !== undefined) return { ok: false, detail: `last write failed: ${describe(failure)}`, sinks };
    return { ok: true, sinks };
  }

  try {
    await mkdir(o.dir, { recursive: true });
    await reopen();
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
  };
}
