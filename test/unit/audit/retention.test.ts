import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { applyRetention } from "../../../src/audit/retention.js";
import { verifyAuditChains } from "../../../src/audit/verify.js";
import { manualClock, orderEntry, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

/** Three daily files: 2019-01-01, 2019-01-02 and today's live file (2025-06-01). */
async function trail(): Promise<void> {
  const clock = manualClock("2019-01-01T10:00:00.000Z");
  const log = await createAuditLog(
    { dir, instanceId: "i1", durability: "fsync", rotate: { daily: true }, checkpoints: { everyMs: 0 } },
    { now: clock.now },
  );
  await log.append(orderEntry(1));
  clock.set("2019-01-02T10:00:00.000Z");
  await log.append(orderEntry(2));
  clock.set("2025-06-01T10:00:00.000Z");
  await log.append(orderEntry(3));
  await log.close();
}

const NOW = Date.parse("2025-06-02T00:00:00.000Z");

describe("retention", () => {
  it("report: names the rotated files whose last record is past retention and moves nothing", async () => {
    await trail();
    const warnings: { obj: object; msg?: string }[] = [];
    const before = (await readdir(dir)).sort();
    // NOW - 2,343 days is 2019-01-02T00:00Z: the first file (last record 2019-01-01T10:00Z) is past it, the second not
    const r = await applyRetention({
      dir,
      days: 2343,
      action: "report",
      now: () => NOW,
      logger: { warn: (obj, msg) => warnings.push({ obj, ...(msg ? { msg } : {}) }), error: () => {} },
    });
    expect(r).toEqual({ expired: ["audit-i1-000000000001-2019-01-01.jsonl"], archived: [] });
    expect(warnings[0]?.msg).toMatch(/past retention .*nothing moved/);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it("archive: moves them to archive/, where verify DIR still finds the whole chain", async () => {
    await trail();
    const r = await applyRetention({
      dir,
      days: 2190,
      action: "archive",
      now: () => NOW,
      logger: { warn: () => {}, error: () => {} },
    });
    expect(r.archived).toEqual([
      "audit-i1-000000000001-2019-01-01.jsonl",
      "audit-i1-000000000002-2019-01-02.jsonl",
    ]);
    expect(await readdir(join(dir, "archive"))).toHaveLength(2);
    expect((await readdir(dir)).filter((n) => n.endsWith(".jsonl")).sort()).toEqual([
      "audit-i1.checkpoints.jsonl",
      "audit-i1.jsonl",
    ]);
    expect((await verifyAuditChains([dir]))[0]!.result).toMatchObject({ ok: true, lines: 3, firstSeq: 1 });
    // the live file and the checkpoints are never touched
    const again = await applyRetention({
      dir,
      days: 1,
      action: "archive",
      now: () => NOW,
      logger: { warn: () => {}, error: () => {} },
    });
    expect(again.expired).toEqual([]);
  });
});
