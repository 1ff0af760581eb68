/**
 * Writes the signed checkpoints of one chain (see checkpoint.ts): after the first
 * line, every `everyRecords` lines, every `everyMs` while lines were added, at each
 * rotation (the end of the file being renamed), at close, and at open when the
 * chain grew past its last checkpoint (a crash). Each checkpoint is appended to
 * `<stem>.checkpoints.jsonl` and fsynced, then handed to the sinks. Writes are
 * serialized; a failed one is logged at error and reported through `onFailure`.
 */
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import type { ChainHead } from "./chain.js";
import {
  type CheckpointReason,
  type CheckpointSigner,
  makeCheckpoint,
  parseCheckpoint,
} from "./checkpoint.js";
import { checkpointsFileName, splitFileName } from "./file-naming.js";
import type { AuditLogger, AuditSink } from "./sink.js";
import { readLastCompleteLine, repairTornTail } from "./tail.js";

export interface CheckpointOptions {
  /** Signs each checkpoint; without it checkpoints still bound the chain but prove nothing. */
  readonly signer?: CheckpointSigner;
  /** A checkpoint at least every this many lines; default 10,000. */
  readonly everyRecords?: number;
  /** A checkpoint at least this often while lines are added; default 300,000 (5 min); 0 turns the timer off. */
  readonly everyMs?: number;
}

export interface CheckpointerDeps {
  readonly dir: string;
  readonly fileName: string;
  readonly options: CheckpointOptions;
  readonly head: () => ChainHead;
  readonly now: () => number;
  readonly logger: AuditLogger;
  readonly sinks: readonly AuditSink[];
  readonly onFailure: (err: unknown) => void;
  readonly onWritten: () => void;
}

export interface Checkpointer {
  readonly path: string;
  /** Reads the last checkpoint; checkpoints a head that grew past it (reason `open`). */
  init(): Promise<void>;
  /** After a durable write: checkpoints by count (or the first line) in the background. */
  afterWrite(): void;
  /** Awaited: the head `head` is the end of a file about to be rotated. */
  checkpoint(reason: CheckpointReason, head?: ChainHead): Promise<void>;
  /** The last checkpoint, stops the timer. */
  close(): Promise<void>;
  /** seq of the last checkpoint written (0 for none). */
  lastSeq(): number;
  /** Resolves when no checkpoint write is in flight. */
  idle(): Promise<void>;
}

export function createCheckpointer(deps: CheckpointerDeps): Checkpointer {
  const everyRecords = deps.options.everyRecords ?? 10_000;
  const everyMs = deps.options.everyMs ?? 300_000;
  const path = join(deps.dir, checkpointsFileName(deps.fileName));
  const chain = splitFileName(deps.fileName).stem;
  let last = 0;
  /** Highest seq already queued for a checkpoint. */
  let queued = 0;
  let handle: FileHandle | undefined;
  let tail: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function write(reason: CheckpointReason, head: ChainHead): Promise<void> {
    if (head.seq === 0 || head.seq <= last) return;
    const { checkpoint, line } = makeCheckpoint(
      { chain, seq: head.seq, hash: head.hash, time: new Date(deps.now()).toISOString(), reason },
      deps.options.signer,
    );
    handle ??= await open(path, "a", 0o640);
    await handle.write(`${line}\n`);
    await handle.datasync();
    last = head.seq;
    deps.onWritten();
    for (const sink of deps.sinks) {
      try {
        sink.publishCheckpoint?.(line, checkpoint);
      } catch (err) {
        deps.logger.warn({ sink: sink.name, err: String(err) }, "audit: sink failed to take a checkpoint");
      }
    }
  }

  function enqueue(reason: CheckpointReason, head: ChainHead): Promise<void> {
    queued = Math.max(queued, head.seq);
    const run = tail.then(() => write(reason, head));
    tail = run.catch((err: unknown) => {
      deps.logger.error({ file: path, err: String(err) }, "audit: checkpoint write failed");
      const broken = handle;
      handle = undefined;
      void broken?.close().catch(() => {});
      deps.onFailure(err);
    });
    return run;
  }

  return {
    path,
    async init() {
      await repairTornTail(path, { now: deps.now, warn: (obj, msg) => deps.logger.warn(obj, msg) });
      const line = await readLastCompleteLine(path);
      const parsed = line ? parseCheckpoint(line.toString("utf8")) : undefined;
      last = typeof parsed === "object" ? parsed.seq : 0;
      queued = last;
      const head = deps.head();
      if (head.seq > last) await enqueue(last === 0 ? "first" : "open", head);
      if (everyMs > 0) {
        timer = setInterval(() => {
          const h = deps.head();
          if (!closed && h.seq > queued) void enqueue("interval", h).catch(() => {});
        }, everyMs);
        timer.unref();
      }
    },
    afterWrite() {
      const head = deps.head();
      if ((queued === 0 && head.seq > 0) || head.seq - queued >= everyRecords) {
        void enqueue(queued === 0 ? "first" : "count", head).catch(() => {});
      }
    },
    checkpoint(reason, head) {
      return enqueue(reason, head ?? deps.head());
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await enqueue("close", deps.head()).catch(() => {});
      await tail;
      await handle?.close().catch(() => {});
      handle = undefined;
    },
    lastSeq: () => last,
    idle: () => tail,
  };
}
