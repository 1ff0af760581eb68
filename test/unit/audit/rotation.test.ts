import { readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditLog, createAuditLog } from "../../../src/audit/audit-log.js";
import { rotatedFileName } from "../../../src/audit/file-naming.js";
import { verifyAuditFiles } from "../../../src/audit/verify.js";
import { jsonlFiles, manualClock, orderEntry, readLines, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
const logs: AuditLog[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await Promise.allSettled(logs.splice(0).map((l) => l.close()));
  await cleanup();
});

async function seqsOf(file: string): Promise<number[]> {
  return (await readLines(join(dir, file))).map((l) => JSON.parse(l).seq as number);
}

describe("rotation", () => {
  it("by size: no file passes maxBytes, names sort in chain order, the chain spans files", async () => {
    const clock = manualClock("2025-11-25T10:00:00.000Z");
    const log = await createAuditLog(
      { dir, durability: "fsync", rotate: { maxBytes: 1500 } },
      { now: clock.now },
    );
    logs.push(log);
    for (let i = 0; i < 20; i++) await log.append(orderEntry(i));
    const files = await jsonlFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    expect(files.at(-1)).toBe("audit.jsonl");
    expect(files[0]).toBe(rotatedFileName("audit.jsonl", 1, "2025-11-25"));
    for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(1500);
    const all = (await Promise.all(files.map(seqsOf))).flat();
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: true, lines: 20, firstSeq: 1, lastSeq: 20 });
  });

  it("by size in batched mode: a batch splits across the rotation and stays in order", async () => {
    const log = await createAuditLog({
      dir,
      durability: "batched",
      batchMaxEntries: 50,
      batchMaxDelayMs: 5,
      rotate: { maxBytes: 2000 },
    });
    logs.push(log);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(orderEntry(i))));
    const files = await jsonlFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    const ids = (await Promise.all(files.map((f) => readLines(join(dir, f)))))
      .flat()
      .map((l) => JSON.parse(l).requestId);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `req-${i}`));
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: true, lines: 50 });
  });

  it("by day (injected clock): the file of the previous UTC day is renamed and the chain continues", async () => {
    const clock = manualClock("2025-11-25T23:59:58.000Z");
    const log = await createAuditLog(
      { dir, durability: "fsync", rotate: { daily: true } },
      { now: clock.now },
    );
    logs.push(log);
    await log.append(orderEntry(1));
    await log.append(orderEntry(2));
    clock.set("2025-11-26T00:00:01.000Z");
    await log.append(orderEntry(3));
    clock.set("2025-11-26T18:00:00.000Z");
    await log.append(orderEntry(4));
    clock.set("2025-11-28T09:00:00.000Z");
    await log.append(orderEntry(5));
    expect(await jsonlFiles(dir)).toEqual([
      "audit-000000000001-2025-11-25.jsonl",
      "audit-000000000003-2025-11-26.jsonl",
      "audit.jsonl",
    ]);
    expect(await seqsOf("audit-000000000003-2025-11-26.jsonl")).toEqual([3, 4]);
    expect(await seqsOf("audit.jsonl")).toEqual([5]);
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: true, lines: 5 });
  });

  it("restart after a rotation (empty live file) resumes from the newest rotated file", async () => {
    const clock = manualClock("2025-11-25T12:00:00.000Z");
    const first = await createAuditLog(
      { dir, durability: "fsync", rotate: { daily: true } },
      { now: clock.now },
    );
    await first.append(orderEntry(1));
    clock.set("2025-11-26T12:00:00.000Z");
    await first.append(orderEntry(2));
    await first.close();
    // A crash right after a rotation's rename: the new live file was never created.
    await rename(join(dir, "audit.jsonl"), join(dir, rotatedFileName("audit.jsonl", 2, "2025-11-26")));
    const second = await createAuditLog(
      { dir, durability: "fsync", rotate: { daily: true } },
      { now: clock.now },
    );
    logs.push(second);
    expect(second.head().seq).toBe(2);
    await second.append(orderEntry(3));
    expect(await seqsOf("audit.jsonl")).toEqual([3]);
    await expect(verifyAuditFiles([dir])).resolves.toMatchObject({ ok: true, lines: 3 });
  });

  it("restart on a new day rotates the old live file before the first new line", async () => {
    const clock = manualClock("2025-11-25T12:00:00.000Z");
    const first = await createAuditLog(
      { dir, durability: "fsync", rotate: { daily: true } },
      { now: clock.now },
    );
    await first.append(orderEntry(1));
    await first.close();
    clock.set("2025-11-27T08:00:00.000Z");
    const second = await createAuditLog(
      { dir, durability: "fsync", rotate: { daily: true } },
      { now: clock.now },
    );
    logs.push(second);
    await second.append(orderEntry(2));
    expect(await jsonlFiles(dir)).toEqual(["audit-000000000001-2025-11-25.jsonl", "audit.jsonl"]);
    expect(await verifyAuditFiles([dir])).toMatchObject({ ok: true, lines: 2 });
  });

  it("property: any mix of sizes, batches and restarts yields one valid chain in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300, max: 3000 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom("fsync" as const, "batched" as const),
        async (maxBytes, bursts, durability) => {
          const sub = join(dir, `p-${Math.random().toString(36).slice(2)}`);
          let n = 0;
          for (const burst of bursts) {
            const log = await createAuditLog({
              dir: sub,
              durability,
              batchMaxDelayMs: 1,
              rotate: { maxBytes },
            });
            await Promise.all(Array.from({ length: burst }, () => log.append(orderEntry(n++))));
            await log.close();
          }
          const result = await verifyAuditFiles([sub]);
          expect(result).toMatchObject({ ok: true, lines: n });
          const files = (await readdir(sub)).filter((f) => f.endsWith(".jsonl")).sort();
          const ids = (await Promise.all(files.map((f) => readLines(join(sub, f))))).flat();
          expect(ids.map((l) => JSON.parse(l).requestId)).toEqual(
            Array.from({ length: n }, (_, i) => `req-${i}`),
          );
        },
      ),
      { numRuns: 15 },
    );
  });
});
