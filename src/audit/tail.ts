/**
 * Reads where a chain stands on disk so a (re)started log continues it: the hash
 * and seq of the last line of the newest file, and the first seq/day of the live
 * file (for rotation). A torn tail on the live file (bytes after the last newline:
 * a write cut short by a crash, never acknowledged to any caller because append
 * resolves only after the whole line is synced) is cut off and kept beside the
 * file as `<file>.torn-<epoch ms>` so no byte is silently lost.
 */
import { type FileHandle, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ChainHead, HEX64, sha256Hex } from "./chain.js";
import { listRotated, utcDay } from "./file-naming.js";
import { GENESIS_PREV } from "./record.js";

export interface ChainTail {
  readonly head: ChainHead;
  /** Bytes in the live file (after cutting a torn tail). */
  readonly liveSize: number;
  /** First seq and UTC day of the live file, when it has lines. */
  readonly liveFirst?: { readonly seq: number; readonly day: string };
}

export interface TailDeps {
  readonly now: () => number;
  readonly warn: (obj: object, msg: string) => void;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export class ChainTailError extends Error {
  override readonly name = "ChainTailError";
}

export async function readChainTail(dir: string, fileName: string, deps: TailDeps): Promise<ChainTail> {
  const livePath = join(dir, fileName);
  const live = await openIfExists(livePath);
  if (live) {
    try {
      let size = (await live.stat()).size;
      if (size > 0) size = await cutTornTail(live, livePath, size, deps);
      if (size > 0) {
        const last = await readLastLine(live, size);
        const first = await readFirstLine(live, size);
        const lastRecord = parseChainFields(last, livePath, "last");
        const firstRecord = parseChainFields(first, livePath, "first");
        const firstTime = Date.parse(String(firstRecord.time));
        return {
          head: { seq: lastRecord.seq, hash: sha256Hex(last) },
          liveSize: size,
          liveFirst: {
            seq: firstRecord.seq,
            day: utcDay(Number.isNaN(firstTime) ? deps.now() : firstTime),
          },
        };
      }
    } finally {
      await live.close();
    }
  }
  const rotated = await listRotated(dir, fileName);
  const newest = rotated.at(-1);
  if (newest === undefined) return { head: { seq: 0, hash: GENESIS_PREV }, liveSize: 0 };
  const path = join(dir, newest);
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    if (size === 0) throw new ChainTailError(`${path}: rotated file is empty`);
    const lastByte = await readAt(handle, size - 1, 1);
    if (lastByte[0] !== NEWLINE)
      throw new ChainTailError(`${path}: rotated file does not end with a newline`);
    const last = await readLastLine(handle, size);
    const record = parseChainFields(last, path, "last");
    return { head: { seq: record.seq, hash: sha256Hex(last) }, liveSize: 0 };
  } finally {
    await handle.close();
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r+");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** Index of the last newline strictly before `end`, or -1. */
async function lastNewlineBefore(handle: FileHandle, end: number): Promise<number> {
  let stop = end;
  while (stop > 0) {
    const start = Math.max(0, stop - CHUNK);
    const chunk = await readAt(handle, start, stop - start);
    const at = chunk.lastIndexOf(NEWLINE);
    if (at >= 0) return start + at;
    stop = start;
  }
  return -1;
}

/** The live file must end with a newline; anything after the last one is moved aside. */
async function cutTornTail(handle: FileHandle, path: string, size: number, deps: TailDeps): Promise<number> {
  const lastByte = await readAt(handle, size - 1, 1);
  if (lastByte[0] === NEWLINE) return size;
  const keep = (await lastNewlineBefore(handle, size)) + 1;
  const torn = await readAt(handle, keep, size - keep);
  const aside = `${path}.torn-${deps.now()}`;
  await writeFile(aside, torn, { flag: "wx" });
  await handle.truncate(keep);
  await handle.sync();
  deps.warn(
    { file: path, tornBytes: torn.length, keptAs: aside },
    "audit: cut an incomplete last line (interrupted write) before resuming the chain",
  );
  return keep;
}

/** The last line (without newline) of a file of `size` bytes that ends with a newline. */
async function readLastLine(handle: FileHandle, size: number): Promise<Buffer> {
  const start = (await lastNewlineBefore(handle, size - 1)) + 1;
  return readAt(handle, start, size - 1 - start);
}

async function readFirstLine(handle: FileHandle, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let position = 0; position < size; position += CHUNK) {
    const chunk = await readAt(handle, position, Math.min(CHUNK, size - position));
    const at = chunk.indexOf(NEWLINE);
    if (at >= 0) {
      parts.push(chunk.subarray(0, at));
      break;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function parseChainFields(
  line: Buffer,
  path: string,
  which: string,
): { seq: number; prev: string; time?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString("utf8"));
  } catch {
    throw new ChainTailError(`${path}: ${which} line is not valid JSON; cannot continue the chain`);
  }
  const record = parsed as { seq?: unknown; prev?: unknown; time?: unknown } | null;
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.seq !== "number" ||
    !Number.isSafeInteger(record.seq) ||
    record.seq < 1 ||
    typeof record.prev !== "string" ||
    !HEX64.test(record.prev)
  ) {
    throw new ChainTailError(`${path}: ${which} line has no valid seq/prev; cannot continue the chain`);
  }
  return { seq: record.seq, prev: record.prev, time: record.time };
}

/** The last complete line of a file (undefined when the file is missing or has none); a torn tail is ignored. */
export async function readLastCompleteLine(path: string): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    const end = (await lastNewlineBefore(handle, size)) + 1;
    if (end === 0) return undefined;
    return await readLastLine(handle, end);
  } finally {
    await handle.close();
  }
}

/** Cuts an incomplete last line (kept aside as `<file>.torn-<ms>`) so appends start on a fresh line. */
export async function repairTornTail(path: string, deps: TailDeps): Promise<void> {
  const handle = await openIfExists(path);
  if (!handle) return;
  try {
    const size = (await handle.stat()).size;
    if (size > 0) await cutTornTail(handle, path, size, deps);
  } finally {
    await handle.close();
  }
}
