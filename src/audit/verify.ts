/**
 * Checks a chain: every line parses, `seq` goes up by exactly one (a deleted line
 * shows as a gap), `prev` is the SHA-256 of the line before (an edited line breaks
 * the next one), across files given in chain order, and every file ends with a
 * newline (a truncated last line shows).
 *
 * With the chain's checkpoints (`<stem>.checkpoints.jsonl`, see checkpoint.ts):
 * the line a checkpoint names must hash to what it signed (a record rewritten with
 * every later hash recomputed fails there), and the trail must reach the last
 * checkpoint (a trail cut short, an emptied or a missing file fails). Signatures
 * are checked when keys are given (`paddock audit verify --config`); without keys
 * the report says they were not. Lines after the last checkpoint are covered by
 * the chain only: compare the head with an anchor kept elsewhere (the MQTT copy).
 *
 * A directory stands for every chain in it (one per instance, see instance-id.ts),
 * each from its rotated files (also those moved to `archive/` by retention) to its live file.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PaddockError } from "../errors.js";
import { HEX64, sha256Hex } from "./chain.js";
import { type AuditChain, resolveAuditChains } from "./chain-files.js";
import {
  type Checkpoint,
  type CheckpointKeys,
  checkpointSignatureProblem,
  parseCheckpoint,
} from "./checkpoint.js";
import { chainFileOf } from "./file-naming.js";
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
      /** Checkpoints matched against the chain. */
      readonly checkpoints: number;
      /** Whether their signatures were checked (keys given). */
      readonly signatures: "checked" | "not checked";
      /** Lines after the last checkpoint: covered by the chain only. */
      readonly unsignedTail: number;
    }
  | { readonly ok: false; readonly file: string; readonly line: number; readonly reason: string };

export interface VerifyOptions {
  /** Accept a chain whose first line is not the genesis (older files archived). */
  readonly partial?: boolean;
  /** Public checkpoint keys: signatures are checked, and a chain with lines must have checkpoints. */
  readonly keys?: CheckpointKeys;
}

export type { AuditChain } from "./chain-files.js";
export { resolveAuditChains, resolveAuditFiles } from "./chain-files.js";

export interface ChainVerification {
  readonly chain: AuditChain;
  readonly result: VerifyResult;
}

interface Cursor {
  lines: number;
  firstSeq: number;
  expectedSeq: number | undefined;
  prevHash: string;
  prevWhere: string;
  /** Checkpoints by seq, with where they are. */
  readonly marks: ReadonlyMap<number, { checkpoint: Checkpoint; where: string }>;
  matched: number;
  lastMatchedSeq: number;
}

type Broken = { ok: false; file: string; line: number; reason: string };

/** Verifies every chain named by `paths` (see resolveAuditChains). */
export async function verifyAuditChains(
  paths: readonly string[],
  options: VerifyOptions = {},
): Promise<ChainVerification[]> {
  const chains = await resolveAuditChains(paths);
  if (chains.length === 0) throw new PaddockError("PADDOCK_USAGE", { detail: "no audit files to verify" });
  const out: ChainVerification[] = [];
  for (const chain of chains) out.push({ chain, result: await verifyChain(chain, options) });
  return out;
}

/**
 * Verifies the files as one chain (in the order given; a directory must hold one
 * chain). Kept for callers that know they have a single chain.
 */
export async function verifyAuditFiles(
  paths: readonly string[],
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const chains = await resolveAuditChains(paths);
  if (chains.length === 0) throw new PaddockError("PADDOCK_USAGE", { detail: "no audit files to verify" });
  if (chains.length === 1) return verifyChain(chains[0]!, options);
  const files = chains.flatMap((c) => c.files);
  const checkpoints = chains.find((c) => c.checkpoints)?.checkpoints;
  return verifyChain(
    {
      name: chains[0]!.name,
      files,
      ...(checkpoints ? { checkpoints } : {}),
      complete: chains.at(-1)!.complete,
    },
    options,
  );
}

async function readCheckpoints(
  chain: AuditChain,
  options: VerifyOptions,
  marks: Map<number, { checkpoint: Checkpoint; where: string }>,
): Promise<Broken | undefined> {
  if (!chain.checkpoints) return undefined;
  const file = chain.checkpoints;
  let lineNo = 0;
  let broken: Broken | undefined;
  await readLines(file, (bytes) => {
    lineNo += 1;
    const parsed = parseCheckpoint(bytes.toString("utf8"));
    const fail = (reason: string) => {
      broken = { ok: false, file, line: lineNo, reason: `checkpoint: ${reason}` };
      return true;
    };
    if (typeof parsed === "string") return fail(parsed);
    if (parsed.chain !== chain.name) return fail(`belongs to chain ${parsed.chain}, not ${chain.name}`);
    if (options.keys) {
      const problem = checkpointSignatureProblem(parsed, options.keys);
      if (problem) return fail(problem);
    }
    const seen = marks.get(parsed.seq);
    if (seen && seen.checkpoint.hash !== parsed.hash) {
      return fail(`seq ${parsed.seq} signed with two different hashes (also ${seen.where})`);
    }
    marks.set(parsed.seq, { checkpoint: parsed, where: `${file} line ${lineNo}` });
    return false;
  });
  return broken;
}

/** Calls `onLine` for each complete line; stops when it returns true. Returns the bytes after the last newline. */
async function readLines(file: string, onLine: (bytes: Buffer) => boolean): Promise<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let at = data.indexOf(0x0a);
      while (at >= 0) {
        if (onLine(data.subarray(0, at))) return Buffer.alloc(0);
        data = data.subarray(at + 1);
        at = data.indexOf(0x0a);
      }
      rest = Buffer.from(data);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "read error";
    throw new PaddockError("PADDOCK_USAGE", { detail: `${file}: ${code}` });
  }
  return rest;
}

async function verifyChain(chain: AuditChain, options: VerifyOptions): Promise<VerifyResult> {
  const marks = new Map<number, { checkpoint: Checkpoint; where: string }>();
  const badCheckpoint = await readCheckpoints(chain, options, marks);
  if (badCheckpoint) return badCheckpoint;
  const cursor: Cursor = {
    lines: 0,
    firstSeq: 0,
    expectedSeq: undefined,
    prevHash: GENESIS_PREV,
    prevWhere: "",
    marks,
    matched: 0,
    lastMatchedSeq: 0,
  };
  for (const [i, file] of chain.files.entries()) {
    const isLive = chainFileOf(basename(file))?.kind === "live" && i === chain.files.length - 1;
    if (!isLive && (await stat(file)).size === 0) {
      return { ok: false, file, line: 1, reason: "empty file: a rotated file always holds lines (emptied?)" };
    }
    const broken = await verifyFile(file, cursor, options);
    if (broken) return broken;
  }
  const lastSeq = cursor.expectedSeq === undefined ? 0 : cursor.expectedSeq - 1;
  const where = chain.files.at(-1) ?? join(dirname(chain.checkpoints ?? "."), `${chain.name}.jsonl`);
  const beyond = [...marks.values()].filter((m) => m.checkpoint.seq > lastSeq);
  if (chain.complete && beyond.length > 0) {
    const last = beyond.reduce((a, b) => (b.checkpoint.seq > a.checkpoint.seq ? b : a));
    const what =
      cursor.lines === 0
        ? chain.files.length === 0
          ? "the trail is missing"
          : "the trail is empty"
        : `the trail ends at seq ${lastSeq}`;
    return {
      ok: false,
      file: where,
      line: cursor.lines + 1,
      reason: `${what} but a checkpoint (${last.where}, ${last.checkpoint.time}) covers seq ${last.checkpoint.seq}: cut short, emptied or a file is missing`,
    };
  }
  if (options.keys && cursor.lines > 0 && marks.size === 0) {
    return {
      ok: false,
      file: where,
      line: 1,
      reason: `no signed checkpoints (${chain.name}.checkpoints.jsonl) beside ${cursor.lines} lines: removed?`,
    };
  }
  return {
    ok: true,
    lines: cursor.lines,
    firstSeq: cursor.firstSeq,
    lastSeq,
    head: cursor.lines === 0 ? GENESIS_PREV : cursor.prevHash,
    checkpoints: cursor.matched,
    signatures: options.keys ? "checked" : "not checked",
    unsignedTail: lastSeq - Math.max(cursor.lastMatchedSeq, cursor.firstSeq - 1, 0),
  };
}

async function verifyFile(file: string, cursor: Cursor, options: VerifyOptions): Promise<Broken | undefined> {
  let lineNo = 0;
  let broken: Broken | undefined;
  const rest = await readLines(file, (bytes) => {
    lineNo += 1;
    const reason = checkLine(bytes, file, lineNo, cursor, options);
    if (reason) broken = { ok: false, file, line: lineNo, reason };
    return reason !== undefined;
  });
  if (broken) return broken;
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
  const hash = sha256Hex(bytes);
  const mark = cursor.marks.get(seq);
  if (mark) {
    if (mark.checkpoint.hash !== hash) {
      const from = cursor.lastMatchedSeq + 1;
      const range = from === seq ? `seq ${seq}` : `seq ${from}..${seq}`;
      return `does not match the checkpoint of seq ${seq} (${mark.where}, ${mark.checkpoint.time}): a record in ${range} was rewritten (later hashes recomputed)`;
    }
    cursor.matched += 1;
    cursor.lastMatchedSeq = seq;
  }
  cursor.lines += 1;
  cursor.expectedSeq = seq + 1;
  cursor.prevHash = hash;
  cursor.prevWhere = `${file} line ${lineNo}`;
  return undefined;
}
