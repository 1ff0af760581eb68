import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { verifyAuditFiles } from "../../../src/audit/verify.js";
import { isPaddockError } from "../../../src/errors.js";
import { jsonlFiles, manualClock, orderEntry, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let pristine: Map<string, Buffer>;

/** One chain of 12 lines over three daily files: 4 lines per day. */
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const clock = manualClock("2025-11-24T12:00:00.000Z");
  const log = await createAuditLog({ dir, durability: "fsync", rotate: { daily: true } }, { now: clock.now });
  for (let i = 0; i < 12; i++) {
    if (i === 4) clock.set("2025-11-25T12:00:00.000Z");
    if (i === 8) clock.set("2025-11-26T12:00:00.000Z");
    await log.append(orderEntry(i, `acct-00${i % 3}`));
  }
  await log.close();
  pristine = new Map();
  for (const f of await jsonlFiles(dir)) pristine.set(f, await readFile(join(dir, f)));
});
afterAll(() => cleanup());
beforeEach(async () => {
  for (const [f, bytes] of pristine) await writeFile(join(dir, f), bytes);
});

const FILES = ["audit-000000000001-2025-11-24.jsonl", "audit-000000000005-2025-11-25.jsonl", "audit.jsonl"];
const path = (i: number) => join(dir, FILES[i]!);

async function editLines(i: number, edit: (lines: string[]) => string[]): Promise<void> {
  const text = await readFile(path(i), "utf8");
  const lines = text.split("\n").slice(0, -1);
  await writeFile(path(i), `${edit(lines).join("\n")}\n`);
}

describe("verifyAuditFiles", () => {
  it("accepts the intact chain, given as files or as the directory", async () => {
    expect(await jsonlFiles(dir)).toEqual(FILES);
    const byFiles = await verifyAuditFiles(FILES.map((_, i) => path(i)));
    expect(byFiles).toMatchObject({ ok: true, lines: 12, firstSeq: 1, lastSeq: 12 });
    expect(await verifyAuditFiles([dir])).toEqual(byFiles);
  });

  it("edit one byte: the next line no longer chains to it", async () => {
    await editLines(1, (lines) => lines.map((l, i) => (i === 1 ? l.replace('"qty":"5"', '"qty":"6"') : l)));
    expect(await verifyAuditFiles([dir])).toEqual({
      ok: false,
      file: path(1),
      line: 3,
      reason: expect.stringMatching(`previous line \\(${path(1)} line 2\\): that line was altered`),
    });
  });

  it("edit the last line of a rotated file: detected in the first line of the next file", async () => {
    await editLines(0, (lines) => lines.map((l, i) => (i === 3 ? l.replace("bot-7", "bot-8") : l)));
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: false, file: path(1), line: 1 });
  });

  it("delete a line: a gap in seq", async () => {
    await editLines(2, (lines) => lines.filter((_, i) => i !== 1));
    expect(await verifyAuditFiles([dir])).toEqual({
      ok: false,
      file: path(2),
      line: 2,
      reason: "seq jumps from 9 to 11: line(s) missing or out of order",
    });
  });

  it("delete a whole rotated file: the gap shows at the next file", async () => {
    await rm(path(1));
    try {
      expect(await verifyAuditFiles([dir])).toMatchObject({ ok: false, file: path(2), line: 1 });
    } finally {
      await writeFile(path(1), pristine.get(FILES[1]!)!);
    }
  });

  it("swap two lines: out of order", async () => {
    await editLines(0, ([a, b, c, d]) => [a!, c!, b!, d!]);
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: false, file: path(0), line: 2 });
  });

  it("files given in the wrong order: out of order", async () => {
    expect(await verifyAuditFiles([path(1), path(0), path(2)])).toMatchObject({
      ok: false,
      file: path(1),
      line: 1,
    });
  });

  it("truncate the last line: incomplete", async () => {
    const bytes = pristine.get("audit.jsonl")!;
    await writeFile(path(2), bytes.subarray(0, bytes.length - 20));
    expect(await verifyAuditFiles([dir])).toEqual({
      ok: false,
      file: path(2),
      line: 4,
      reason: "incomplete last line (no newline): truncated or an interrupted write",
    });
  });

  it("garbage, an empty line, a missing field", async () => {
    await editLines(2, (lines) => [lines[0]!, "", ...lines.slice(1)]);
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: false, line: 2, reason: "empty line" });
    await writeFile(path(2), pristine.get("audit.jsonl")!);
    await editLines(2, (lines) => [lines[0]!, "{nope", ...lines.slice(1)]);
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: false, line: 2, reason: "not valid JSON" });
    await writeFile(path(2), pristine.get("audit.jsonl")!);
    await editLines(2, (lines) => lines.map((l, i) => (i === 0 ? l.replace(/"prev":"[0-9a-f]+",/, "") : l)));
    expect(await verifyAuditFiles([dir])).toMatchObject({
      ok: false,
      line: 1,
      reason: "prev: missing or not 64 hex digits",
    });
  });

  it("a chain that does not start at the genesis needs --partial", async () => {
    const later = [path(1), path(2)];
    expect(await verifyAuditFiles(later)).toMatchObject({ ok: false, file: path(1), line: 1 });
    expect(await verifyAuditFiles(later, { partial: true })).toMatchObject({
      ok: true,
      lines: 8,
      firstSeq: 5,
    });
  });

  it("a missing file is a usage error naming the path", async () => {
    const missing = join(dir, "nope.jsonl");
    await expect(verifyAuditFiles([missing])).rejects.toSatisfy(
      (err) => isPaddockError(err, "PADDOCK_USAGE") && err.message.includes(`${missing}: no such file`),
    );
  });

  it("property: changing any one byte of any line but the very last is detected", async () => {
    const all = FILES.map((f) => pristine.get(f)!);
    const total = all.reduce((n, b) => n + b.length, 0);
    const lastLineStart = total - (all[2]!.length - all[2]!.subarray(0, -1).lastIndexOf(0x0a) - 1);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: lastLineStart - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, x) => {
          let offset = at;
          let fileIndex = 0;
          while (offset >= all[fileIndex]!.length) offset -= all[fileIndex++]!.length;
          const bytes = Buffer.from(all[fileIndex]!);
          bytes[offset] = bytes[offset]! ^ x;
          await writeFile(path(fileIndex), bytes);
          try {
            expect((await verifyAuditFiles([dir])).ok).toBe(false);
          } finally {
            await writeFile(path(fileIndex), all[fileIndex]!);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
