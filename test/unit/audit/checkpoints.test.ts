import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { canonicalJson } from "../../../src/audit/canonical-json.js";
import { sha256Hex } from "../../../src/audit/chain.js";
import {
  type Checkpoint,
  checkpointKeys,
  deriveCheckpointSigner,
  makeCheckpoint,
} from "../../../src/audit/checkpoint.js";
import { type VerifyOptions, verifyAuditChains } from "../../../src/audit/verify.js";
import { manualClock, orderEntry, readLines, tempDir } from "./helpers.js";

const master = randomBytes(32);
const signer = deriveCheckpointSigner(master);
const keys = checkpointKeys([signer]);

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const live = () => join(dir, "audit-i1.jsonl");
const cpFile = () => join(dir, "audit-i1.checkpoints.jsonl");

/** 25 records over three daily files (8, 8, 9), a checkpoint every 5 records, at each rotation and at close. */
async function writeTrail(): Promise<void> {
  const clock = manualClock("2025-11-24T12:00:00.000Z");
  const log = await createAuditLog(
    {
      dir,
      instanceId: "i1",
      durability: "fsync",
      rotate: { daily: true },
      checkpoints: { signer, everyRecords: 5, everyMs: 0 },
    },
    { now: clock.now },
  );
  for (let i = 0; i < 25; i++) {
    if (i === 8) clock.set("2025-11-25T12:00:00.000Z");
    if (i === 16) clock.set("2025-11-26T12:00:00.000Z");
    await log.append(orderEntry(i));
  }
  await log.close();
}

async function checkpoints(): Promise<Checkpoint[]> {
  return (await readLines(cpFile())).map((l) => JSON.parse(l) as Checkpoint);
}

async function verifyOne(options: VerifyOptions = { keys }) {
  const results = await verifyAuditChains([dir], options);
  expect(results).toHaveLength(1);
  return results[0]!.result;
}

/** Rewrites line `index` of `file` with `edit`, then recomputes every later `prev` (across the later files too). */
async function rewriteAndRechain(
  files: string[],
  fileIndex: number,
  index: number,
  edit: (r: Record<string, unknown>) => void,
) {
  let prev: string | undefined;
  for (const [fi, file] of files.entries()) {
    if (fi < fileIndex) continue;
    const lines = await readLines(file);
    const out = lines.map((line, li) => {
      if (fi === fileIndex && li < index) return line;
      const record = JSON.parse(line) as Record<string, unknown>;
      if (fi === fileIndex && li === index) edit(record);
      if (prev !== undefined) record.prev = prev;
      const text = canonicalJson(record);
      prev = sha256Hex(Buffer.from(text));
      return text;
    });
    await writeFile(file, `${out.join("\n")}\n`);
  }
}

async function chainFiles(): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /^audit-i1(-\d+-[\d-]+)?\.jsonl$/.test(n)).sort();
  const rotated = names.filter((n) => n !== "audit-i1.jsonl");
  return [...rotated, "audit-i1.jsonl"].map((n) => join(dir, n));
}

describe("signed checkpoints", () => {
  it("are written first, by count, at each rotation and at close, signed, and all verify", async () => {
    await writeTrail();
    const cps = await checkpoints();
    expect(cps.map((c) => [c.reason, c.seq])).toEqual([
      ["first", 1],
      ["count", 6],
      ["rotation", 8],
      ["count", 13],
      ["rotation", 16],
      ["count", 21],
      ["close", 25],
    ]);
    expect(
      cps.every((c) => c.kid === signer.kid && typeof c.sig === "string" && c.chain === "audit-i1"),
    ).toBe(true);
    expect(await verifyOne()).toMatchObject({
      ok: true,
      lines: 25,
      checkpoints: 7,
      signatures: "checked",
      unsignedTail: 0,
    });
  });

  it("a record rewritten with every later hash recomputed fails at the next checkpoint", async () => {
    await writeTrail();
    const files = await chainFiles();
    await rewriteAndRechain(files, 1, 2, (r) => {
      r.request = { ...(r.request as object), qty: "999" };
    });
    // the chain alone no longer sees it …
    const chainOnly = await verifyAuditChains([...files], {});
    expect(chainOnly[0]!.result).toMatchObject({ ok: false }); // the checkpoints still catch it without keys
    // … and with the keys, the report names the checkpointed line and the checkpoint
    const result = await verifyOne();
    expect(result).toMatchObject({ ok: false, file: files[1], line: 5 });
    if (!result.ok) {
      expect(result.reason).toMatch(
        /does not match the checkpoint of seq 13 .*checkpoints\.jsonl line \d+.*rewritten/,
      );
    }
  });

  it("rewriting the checkpoints too is caught by their signatures", async () => {
    await writeTrail();
    const files = await chainFiles();
    await rewriteAndRechain(files, 0, 0, (r) => {
      r.account = "acct-evil";
    });
    // recompute each checkpoint's hash from the forged chain and re-sign with a key the config does not hold
    const forger = deriveCheckpointSigner(randomBytes(32));
    const hashes = new Map<number, string>();
    for (const file of files) {
      for (const line of await readLines(file))
        hashes.set(JSON.parse(line).seq, sha256Hex(Buffer.from(line)));
    }
    const forged = (await checkpoints()).map(
      ({ kid: _k, sig: _s, type: _t, ...c }) =>
        makeCheckpoint({ ...c, hash: hashes.get(c.seq)! }, forger).line,
    );
    await writeFile(cpFile(), `${forged.join("\n")}\n`);
    expect(await verifyOne()).toMatchObject({
      ok: false,
      file: cpFile(),
      line: 1,
      reason: expect.stringMatching(/signed with key [0-9a-f]{16}, which this configuration does not hold/),
    });
    // unsigned forgeries do not pass either, and an edited signed one fails its signature
    const unsigned = (await checkpoints()).map(
      ({ kid: _k, sig: _s, type: _t, ...c }) => makeCheckpoint(c, undefined).line,
    );
    await writeFile(cpFile(), `${unsigned.join("\n")}\n`);
    expect(await verifyOne()).toMatchObject({ ok: false, reason: "checkpoint: unsigned checkpoint" });
    const honest = makeCheckpoint(
      { chain: "audit-i1", seq: 1, hash: hashes.get(1)!, time: "2025-11-24T12:00:00.000Z", reason: "first" },
      signer,
    );
    await writeFile(cpFile(), `${JSON.stringify({ ...honest.checkpoint, seq: 2 })}\n`);
    expect(await verifyOne()).toMatchObject({
      ok: false,
      reason: "checkpoint: signature does not match (the checkpoint was altered or forged)",
    });
  });

  it("a trail cut short of its last checkpoint fails, naming the missing seq", async () => {
    await writeTrail();
    const lines = await readLines(live());
    await writeFile(live(), `${lines.slice(0, 5).join("\n")}\n`);
    expect(await verifyOne()).toEqual({
      ok: false,
      file: live(),
      line: 22,
      reason: expect.stringMatching(/^the trail ends at seq 21 but a checkpoint .* covers seq 25: cut short/),
    });
  });

  it("an emptied live file, an emptied rotated file and a missing file each fail", async () => {
    await writeTrail();
    const files = await chainFiles();
    const saved = await Promise.all(files.map((f) => readFile(f)));
    await writeFile(live(), "");
    expect(await verifyOne()).toMatchObject({
      ok: false,
      file: live(),
      reason: expect.stringMatching(/ends at seq 16 .*covers seq 25/),
    });
    await writeFile(live(), saved[2]!);
    await writeFile(files[1]!, "");
    expect(await verifyOne()).toMatchObject({
      ok: false,
      file: files[1],
      reason: expect.stringMatching(/^empty file/),
    });
    await writeFile(files[1]!, saved[1]!);
    await rm(live());
    expect(await verifyOne()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ends at seq 16 .*covers seq 25/),
    });
    for (const f of files) await rm(f, { force: true });
    expect(await verifyOne()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the trail is missing but a checkpoint/),
    });
  });

  it("with keys, a chain whose checkpoints file was removed fails; without keys it verifies and says so", async () => {
    await writeTrail();
    await rm(cpFile());
    expect(await verifyOne()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no signed checkpoints/),
    });
    expect(await verifyOne({})).toMatchObject({
      ok: true,
      checkpoints: 0,
      signatures: "not checked",
      unsignedTail: 25,
    });
  });

  it("checkpoints by time while records arrive", async () => {
    const log = await createAuditLog({
      dir,
      instanceId: "i1",
      durability: "fsync",
      checkpoints: { signer, everyRecords: 1000, everyMs: 20 },
    });
    await log.append(orderEntry(1));
    await vi.waitFor(async () => expect((await checkpoints()).map((c) => c.reason)).toEqual(["first"]));
    await log.append(orderEntry(2));
    await vi.waitFor(
      async () =>
        expect((await checkpoints()).map((c) => [c.reason, c.seq])).toEqual([
          ["first", 1],
          ["interval", 2],
        ]),
      { timeout: 5000 },
    );
    await log.close();
    expect(await verifyOne()).toMatchObject({ ok: true, lines: 2, checkpoints: 2 });
  });

  it("after a crash (no close), the next start signs the head it found", async () => {
    const opts = { dir, instanceId: "i1", durability: "fsync" as const, checkpoints: { signer, everyMs: 0 } };
    const crashed = await createAuditLog(opts);
    for (let i = 0; i < 3; i++) await crashed.append(orderEntry(i));
    await crashed.flush();
    expect(await verifyOne()).toMatchObject({ ok: true, lines: 3, unsignedTail: 2 });
    const again = await createAuditLog(opts);
    expect((await checkpoints()).map((c) => [c.reason, c.seq])).toEqual([
      ["first", 1],
      ["open", 3],
    ]);
    await again.close();
    expect(await verifyOne()).toMatchObject({ ok: true, lines: 3, unsignedTail: 0 });
  });
});

// /dev/full (Linux) fails every write with ENOSPC: a real disk-full error.
describe.skipIf(!existsSync("/dev/full"))("a checkpoint that cannot be written", () => {
  it("is an alarm: logged at error, counted, health degraded until one succeeds", async () => {
    await symlink("/dev/full", cpFile());
    const errors: object[] = [];
    const log = await createAuditLog(
      { dir, instanceId: "i1", durability: "fsync", checkpoints: { signer, everyRecords: 1, everyMs: 0 } },
      { logger: { warn: () => {}, error: (o) => errors.push(o) } },
    );
    await log.append(orderEntry(1));
    await expect(log.flush()).resolves.toBeUndefined(); // the record itself is durable
    expect(log.health()).toMatchObject({
      ok: false,
      status: "degraded",
      writeFailures: 1,
      detail: expect.stringMatching(/^last checkpoint failed/),
    });
    expect(log.writable()).toBe(true); // records are still written: degraded, not refusing orders
    expect(errors).toHaveLength(1);
    await rm(cpFile());
    await log.append(orderEntry(2));
    await log.flush();
    expect(log.health()).toMatchObject({ ok: true, status: "up", writeFailures: 1 });
    await log.close();
    expect(await verifyOne()).toMatchObject({ ok: true, lines: 2, checkpoints: 1 });
  });
});

describe("a checkpoint torn by a crash", () => {
  it("is cut aside at the next start, so the checkpoints file stays valid", async () => {
    const opts = { dir, instanceId: "i1", durability: "fsync" as const, checkpoints: { signer, everyMs: 0 } };
    const first = await createAuditLog(opts);
    await first.append(orderEntry(1));
    await first.close();
    await writeFile(cpFile(), '{"type":"paddock.audit.checkpoint","chain":"au', { flag: "a" });
    const second = await createAuditLog(opts);
    await second.append(orderEntry(2));
    await second.close();
    expect((await readdir(dir)).filter((n) => n.includes(".torn-"))).toHaveLength(1);
    expect(await verifyOne()).toMatchObject({ ok: true, lines: 2, checkpoints: 2 });
  });
});
