import { existsSync } from "node:fs";
import { readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditLog, createAuditLog } from "../../../src/audit/audit-log.js";
import { GENESIS_PREV } from "../../../src/audit/record.js";
import type { AuditSink } from "../../../src/audit/sink.js";
import { verifyAuditFiles } from "../../../src/audit/verify.js";
import { isPaddockError } from "../../../src/errors.js";
import { orderEntry, readLines, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
const logs: AuditLog[] = [];

async function open(options: Partial<Parameters<typeof createAuditLog>[0]> = {}, now?: () => number) {
  const log = await createAuditLog({ dir, durability: "fsync", ...options }, now ? { now } : {});
  logs.push(log);
  return log;
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await Promise.allSettled(logs.splice(0).map((l) => l.close()));
  await cleanup();
});

describe("createAuditLog", () => {
  it("writes a genesis line then chains each line to the previous one", async () => {
    const log = await open({}, () => Date.parse("2025-11-25T14:30:00.000Z"));
    await log.append(orderEntry(1));
    await log.append({ action: "order.cancel", outcome: "rejected", account: "acct-001", source: "gateway" });
    const lines = await readLines(join(dir, "audit.jsonl"));
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    const second = JSON.parse(lines[1]!);
    expect(first).toMatchObject({
      seq: 1,
      prev: GENESIS_PREV,
      time: "2025-11-25T14:30:00.000Z",
      orderId: "order-1",
    });
    expect(second.seq).toBe(2);
    const { createHash } = await import("node:crypto");
    expect(second.prev).toBe(createHash("sha256").update(lines[0]!).digest("hex"));
    expect(log.head()).toEqual({ seq: 2, hash: createHash("sha256").update(lines[1]!).digest("hex") });
    // canonical: keys sorted
    expect(Object.keys(first)).toEqual([...Object.keys(first)].sort());
    expect(await verifyAuditFiles([join(dir, "audit.jsonl")])).toMatchObject({ ok: true, lines: 2 });
  });

  it("scrubs the request again and snapshots the entry at append time", async () => {
    const log = await open({ durability: "batched", batchMaxDelayMs: 20 });
    const request: Record<string, unknown> = { symbol: "AAPL", qty: "1", secret_key: "SHOULD-NOT-APPEAR" };
    const done = log.append({ action: "order.submit", outcome: "accepted", request });
    request.qty = "999"; // the caller reuses its object before the batch is written
    await done;
    const text = await readFile(join(dir, "audit.jsonl"), "utf8");
    expect(text).not.toContain("SHOULD-NOT-APPEAR");
    expect(JSON.parse(text).request).toEqual({ symbol: "AAPL", qty: "1" });
  });

  it("keeps call order and a valid chain under concurrent appends, in both modes", async () => {
    for (const durability of ["fsync", "batched"] as const) {
      const sub = join(dir, durability);
      const log = await createAuditLog({ dir: sub, durability, batchMaxEntries: 16, batchMaxDelayMs: 5 });
      logs.push(log);
      await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(orderEntry(i))));
      const lines = await readLines(join(sub, "audit.jsonl"));
      expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(
        Array.from({ length: 300 }, (_, i) => `req-${i}`),
      );
      expect(lines.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(await verifyAuditFiles([sub])).toMatchObject({ ok: true, lines: 300 });
    }
  });

  it("batched: an append resolves by itself within the delay bound, without flush()", async () => {
    const log = await open({ durability: "batched", batchMaxDelayMs: 10, batchMaxEntries: 1000 });
    await log.append(orderEntry(1)); // would hang (test timeout) if the timer never wrote the batch
    expect(await readLines(log.path)).toHaveLength(1);
  });

  it("batched: a full batch is written at once, and a lone line does not wait for the delay", async () => {
    // A delay far beyond the test timeout: only group commit can make these resolve.
    const log = await open({ durability: "batched", batchMaxDelayMs: 600_000, batchMaxEntries: 4 });
    await Promise.all([1, 2, 3, 4].map((n) => log.append(orderEntry(n))));
    expect(await readLines(log.path)).toHaveLength(4);
    await log.append(orderEntry(5)); // nothing in flight: written now, not after 600 s
    expect(await readLines(log.path)).toHaveLength(5);
    expect(await verifyAuditFiles([log.path])).toMatchObject({ ok: true, lines: 5 });
  });

  it("resumes the chain after a restart", async () => {
    const first = await open();
    for (let i = 0; i < 3; i++) await first.append(orderEntry(i));
    const headBefore = first.head();
    await first.close();
    const second = await open();
    expect(second.head()).toEqual(headBefore);
    await second.append(orderEntry(3));
    const lines = await readLines(second.path);
    expect(JSON.parse(lines[3]!)).toMatchObject({ seq: 4, prev: headBefore.hash });
    expect(await verifyAuditFiles([second.path])).toMatchObject({ ok: true, lines: 4 });
  });

  it("cuts a torn last line (interrupted write), keeps it aside, and continues a valid chain", async () => {
    const first = await open();
    await first.append(orderEntry(1));
    await first.append(orderEntry(2));
    await first.close();
    await writeFile(first.path, '{"action":"order.submit","outc', { flag: "a" });
    expect((await verifyAuditFiles([first.path])).ok).toBe(false);
    const warnings: object[] = [];
    const second = await createAuditLog(
      { dir, durability: "fsync" },
      { logger: { warn: (o) => warnings.push(o), error: () => {} } },
    );
    logs.push(second);
    await second.append(orderEntry(3));
    expect(await verifyAuditFiles([second.path])).toMatchObject({ ok: true, lines: 3 });
    const aside = (await readdir(dir)).filter((n) => n.startsWith("audit.jsonl.torn-"));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, aside[0]!), "utf8")).toBe('{"action":"order.submit","outc');
    expect(warnings).toHaveLength(1);
  });

  it("refuses to start on a last line it cannot chain to", async () => {
    await writeFile(join(dir, "audit.jsonl"), "not json\n");
    await expect(createAuditLog({ dir, durability: "fsync" })).rejects.toSatisfy(
      (err) => isPaddockError(err, "PADDOCK_UNAVAILABLE") && /last line is not valid JSON/.test(err.message),
    );
  });

  // /dev/full (Linux) fails every write with ENOSPC: a real disk-full error.
  it.skipIf(!existsSync("/dev/full"))(
    "rejects the append and reports not ok when the disk write fails; never drops silently",
    async () => {
      await symlink("/dev/full", join(dir, "audit.jsonl"));
      const errors: object[] = [];
      const log = await createAuditLog(
        { dir, durability: "fsync" },
        { logger: { warn: () => {}, error: (o) => errors.push(o) } },
      );
      logs.push(log);
      expect(log.health().ok).toBe(true);
      await expect(log.append(orderEntry(1))).rejects.toSatisfy(
        (err) => isPaddockError(err, "PADDOCK_UNAVAILABLE") && err.message.includes("ENOSPC"),
      );
      expect(log.health()).toMatchObject({
        ok: false,
        status: "degraded",
        writeFailures: 1,
        detail: "last write failed: ENOSPC",
      });
      expect(log.writable()).toBe(false);
      expect(errors[0]).toMatchObject({ err: "ENOSPC" });
      await expect(log.append(orderEntry(2))).rejects.toThrow("ENOSPC"); // retried, still failing
      await expect(log.flush()).rejects.toThrow("ENOSPC");
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(log.head().seq).toBe(0);
      // The disk is back (the symlink gives way to a real file): the next append re-reads
      // the chain from disk and succeeds; health recovers.
      await rm(join(dir, "audit.jsonl"));
      await log.append(orderEntry(3));
      expect(log.health()).toMatchObject({ ok: true, status: "up", writeFailures: 2 });
      expect(log.writable()).toBe(true);
      const lines = await readLines(join(dir, "audit.jsonl"));
      expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(["req-3"]);
      expect(await verifyAuditFiles([dir])).toMatchObject({ ok: true, lines: 1 });
    },
  );

  it("validates entries and options, naming the field", async () => {
    const log = await open();
    await expect(log.append({ action: "", outcome: "accepted" })).rejects.toThrow(
      "action: must be a non-empty string",
    );
    await expect(log.append({ action: "x", outcome: "maybe" as "info" })).rejects.toThrow(
      "outcome: must be one of",
    );
    await expect(log.append({ action: "x", outcome: "info", time: "yesterday" })).rejects.toThrow(
      "time: must be",
    );
    await expect(log.append({ action: "x", outcome: "info", latencyMs: Number.NaN })).rejects.toThrow(
      "latencyMs",
    );
    await expect(log.append({ action: "x", outcome: "info", seq: 5 } as never)).rejects.toThrow(
      "seq: is set by",
    );
    await expect(createAuditLog({ dir, durability: "sometimes" as "fsync" })).rejects.toThrow(
      "audit.durability",
    );
    await expect(createAuditLog({ dir, durability: "fsync", rotate: { maxBytes: 0 } })).rejects.toThrow(
      "audit.rotate.maxBytes",
    );
    await expect(createAuditLog({ dir, durability: "fsync", fileName: "../x.jsonl" })).rejects.toThrow(
      "audit.fileName",
    );
    expect(await readLines(log.path)).toHaveLength(0);
  });

  it("accepts actions beyond the known ones (trade_update, kill switch…)", async () => {
    const log = await open();
    await log.append({ action: "trade_update", outcome: "info", account: "acct-002", orderId: "o-1" });
    await log.append({ action: "admin.something_new", outcome: "info" });
    expect((await readLines(log.path)).map((l) => JSON.parse(l).action)).toEqual([
      "trade_update",
      "admin.something_new",
    ]);
  });

  it("hands durable lines to sinks in order; a failing sink never fails the append", async () => {
    const seen: string[] = [];
    const good: AuditSink = {
      name: "good",
      publish: (line, record) => {
        seen.push(`${record.seq}:${line}`);
      },
      close: async () => {},
      health: () => ({ ok: true }),
    };
    const bad: AuditSink = {
      name: "bad",
      publish: () => {
        throw new Error("boom");
      },
      close: async () => {},
      health: () => ({ ok: false, detail: "down" }),
    };
    const log = await open({ sinks: [bad, good] });
    await log.append(orderEntry(1));
    await log.append(orderEntry(2));
    const lines = await readLines(log.path);
    expect(seen).toEqual([`1:${lines[0]}`, `2:${lines[1]}`]);
    expect(log.health()).toEqual({
      ok: true,
      status: "up",
      writeFailures: 0,
      sinks: [
        { name: "bad", ok: false, detail: "down" },
        { name: "good", ok: true },
      ],
    });
  });

  it("close flushes pending lines, then refuses appends and reports closed", async () => {
    const log = await open({ durability: "batched", batchMaxDelayMs: 600_000 });
    const pending = log.append(orderEntry(1));
    await log.close();
    await pending;
    expect(await readLines(log.path)).toHaveLength(1);
    await expect(log.append(orderEntry(2))).rejects.toThrow("audit log closed");
    expect(log.health()).toMatchObject({ ok: false, detail: "closed" });
  });
});
