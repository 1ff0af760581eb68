/**
 * Checks a chain: every line parses, `seq` goes up by exactly one (a deleted line
 * shows as a gap), `prev` is the SHA-256 of the line before (an edited line breaks
 * the next one), across files given in chain order, and every file ends with a
 * newline (a truncated last line shows). A directory stands for its chain files:
 * rotated ones by name, then the live one.
 *
 * The chain cannot see an edit of the very last line or the removal of whole lines
 * at the end: compare the reported head with an anchor kept elsewhere (the MQTT
 * copy, `AuditLog.head()` in the gateway's logs).
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { PaddockError } from "../errors.js";
import { HEX64, sha256Hex } from "./chain.js";
import { compareRotated } from "./file-naming.js";
import { GENESIS_PREV } from "./record.js";

export type VerifyResult =
  | {
      readonly ok: true;
      readonly lines: number;
      /** seq of the first and last line (0 when there are none). */
      readonly firstSeq: number;
      readonly lastSeq: number;
      /** SHA-256 of the last line, to compare with an anchor kept elsewhere. */
      readonly head: string;
    }
  | { readonly ok: false; readonly file: string; readonly line: number; readonly reason: string };

export interface VerifyOptions {
  /** Accept a chain whose first line is not the genesis (older files archived). */
  readonly partial?: boolean;
}

interface Cursor {
  lines: number;
  firstSeq: number;
  expectedSeq: number | undefined;
  prevHash: string;
  prevWhere: string;
}

type Broken = { ok: false; file: string; line: number; reason: string };

/** Rotated names (file-naming.ts) of a `.jsonl` chain. */
const ROTATED_SUFFIX = /-\d{12,}-\d{4}-\d{2}-\d{2}\.jsonl$/;

/** Expands directories into their chain files, in chain order. */
export async function resolveAuditFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new PaddockError("PADDOCK_USAGE", {
        detail: `${path}: ${code === "ENOENT" ? "no such file" : code}`,
      });
    }
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => n.endsWith(".jsonl"));
    const stems = new Set(names.map((n) => n.replace(ROTATED_SUFFIX, "").replace(/\.jsonl$/, "")));
    if (stems.size > 1) {
      throw new PaddockError("PADDOCK_USAGE", {
        detail: `${path}: holds several chains (${[...stems].join(", ")}); name the files in order`,
      });
    }
    const rotated = names.filter((n) => ROTATED_SUFFIX.test(n)).sort(compareRotated);
    const live = names.filter((n) => !ROTATED_SUFFIX.test(n));
    files.push(...[...rotated, ...live].map((n) => join(path, n)));
  }
  return files;
}

export async function verifyAuditFiles(
  paths: readonly string[],
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const files = await resolveAuditFiles(paths);
  if (files.length === 0) throw new PaddockError("PADDOCK_USAGE", { detail: "no audit files to verify" });
  const cursor: Cursor = {
    lines: 0,
    firstSeq: 0,
    expectedSeq: undefined,
    prevHash: GENESIS_PREV,
    prevWhere: "",
  };
  for (const file of files) {
    const broken = await verifyFile(file, cursor, options);
    if (broken) return broken;
  }
  return {
    ok: true,
    lines: cursor.lines,
    firstSeq: cursor.firstSeq,
    lastSeq: cursor.expectedSeq === undefined ? 0 : cursor.expectedSeq - 1,
    head: cursor.lines === 0 ? GENESIS_PREV : cursor.prevHash,
  };
}

async function verifyFile(file: string, cursor: Cursor, options: VerifyOptions): Promise<Broken | undefined> {
  let lineNo = 0;
  let rest: Buffer = Buffer.alloc(0);
  let stream: AsyncIterable<Buffer>;
  try {
    stream = createReadStream(file);
    for await (const chunk of stream) {
      let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let at = data.indexOf(0x0a);
      while (at >= 0) {
        lineNo += 1;
        const reason = checkLine(data.subarray(0, at), file, lineNo, cursor, options);
        if (reason) return { ok: false, file, line: lineNo, reason };
        data = data.subarray(at + 1);
        at = data.indexOf(0x0a);
      }
      rest = Buffer.from(data);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "read error";
    throw new PaddockError("PADDOCK_USAGE", { detail: `${file}: ${code}` });
  }
  if (rest.length > 0) {
    return {
      ok: false,
      file,
      line: lineNo + 1,
      reason: "incomplete last line (no newline): truncated or an interrupted write",
    };
  }
  return undefined;
}

function checkLine(
  bytes: Buffer,
  file: string,
  lineNo: number,
  cursor: Cursor,
  options: VerifyOptions,
): string | undefined {
  if (bytes.length === 0) return "empty line";
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return "not valid JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "not a JSON object";
  const record = parsed as Record<string, unknown>;
  const { seq, prev } = record;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1)
    return "seq: missing or not a positive integer";
  if (typeof prev !== "string" || !HEX64.test(prev)) return "prev: missing or not 64 hex digits";
  if (typeof record.action !== "string") return "action: missing";
  if (typeof record.time !== "string") return "time: missing";
  if (cursor.expectedSeq === undefined) {
    if (prev === GENESIS_PREV && seq !== 1) return `genesis line (prev all zeros) has seq ${seq}, not 1`;
    if (prev !== GENESIS_PREV && !options.partial) {
      return `chain does not start at the genesis (seq ${seq}): give the earlier files first, or verify a partial chain`;
    }
    cursor.firstSeq = seq;
  } else {
    if (seq > cursor.expectedSeq) {
      return `seq jumps from ${cursor.expectedSeq - 1} to ${seq}: line(s) missing or out of order`;
    }
    if (seq < cursor.expectedSeq) {
      return `seq ${seq} after ${cursor.expectedSeq - 1}: line repeated or out of order`;
    }
    if (prev !== cursor.prevHash) {
      return `prev is not the SHA-256 of the previous line (${cursor.prevWhere}): that line was altered, or this line's prev was`;
    }
  }
  cursor.lines += 1;
  cursor.expectedSeq = seq + 1;
  cursor.prevHash = sha256Hex(bytes);
  cursor.prevWhere = `${file} line ${lineNo}`;
  return undefined;
}
