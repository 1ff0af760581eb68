import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { checkpointKeys, deriveCheckpointSigner } from "../../../src/audit/checkpoint.js";
import { claimInstance, instanceIdProblem, lockInstance } from "../../../src/audit/instance-id.js";
import { verifyAuditChains } from "../../../src/audit/verify.js";
import { isPaddockError } from "../../../src/errors.js";
import { orderEntry, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const signer = deriveCheckpointSigner(Buffer.alloc(32, 7));

describe("one chain per instance in a shared folder", () => {
  it("two instances writing at once into one folder: two chains, both verify with `verify DIR`", async () => {
    const open = (instanceId: string) =>
      createAuditLog({ dir, instanceId, durability: "batched", checkpoints: { signer, everyRecords: 50 } });
    const [a, b] = await Promise.all([open("web-1"), open("web-2")]);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).append(orderEntry(i, `acct-00${i % 3}`))),
    );
    await Promise.all([a.close(), b.close()]);
    expect((await readdir(dir)).sort()).toEqual([
      "audit-web-1.checkpoints.jsonl",
      "audit-web-1.jsonl",
      "audit-web-2.checkpoints.jsonl",
      "audit-web-2.jsonl",
    ]);
    const results = await verifyAuditChains([dir], { keys: checkpointKeys([signer]) });
    expect(results.map((r) => [r.chain.name, r.result])).toEqual([
      [
        "audit-web-1",
        expect.objectContaining({ ok: true, lines: 100, signatures: "checked", unsignedTail: 0 }),
      ],
      [
        "audit-web-2",
        expect.objectContaining({ ok: true, lines: 100, signatures: "checked", unsignedTail: 0 }),
      ],
    ]);
    // a checkpoint copied from one chain into the other does not pass as its own
    const foreign = (await readFile(join(dir, "audit-web-1.checkpoints.jsonl"), "utf8")).split("\n")[0];
    await writeFile(join(dir, "audit-web-2.checkpoints.jsonl"), `${foreign}\n`, { flag: "a" });
    const again = await verifyAuditChains([dir]);
    expect(again[1]!.result).toMatchObject({
      ok: false,
      reason: "checkpoint: belongs to chain audit-web-1, not audit-web-2",
    });
  });

  it("instance ids are checked", () => {
    expect(instanceIdProblem("web-1")).toBeUndefined();
    expect(instanceIdProblem("../x")).toMatch(/letters, digits/);
    expect(instanceIdProblem("x-000000000001-2025-11-24")).toMatch(/rotated/);
  });

  it("a generated id is kept for the host and taken back after release; a second process gets its own", async () => {
    const first = await claimInstance(dir, undefined, { host: "box" });
    expect(first.instanceId).toMatch(/^box-[0-9a-f]{6}$/);
    // another live process on the same host holds it (our parent: alive, not us)
    const other = { host: "box", pid: process.ppid };
    const second = await claimInstance(dir, undefined, other);
    expect(second.instanceId).not.toBe(first.instanceId);
    expect((await readFile(join(dir, "instance-ids.box"), "utf8")).split("\n").filter(Boolean)).toEqual([
      first.instanceId,
      second.instanceId,
    ]);
    await first.lock.release();
    const restarted = await claimInstance(dir, undefined, { host: "box" });
    expect(restarted.instanceId).toBe(first.instanceId);
    await Promise.all([restarted.lock.release(), second.lock.release()]);
  });

  it("a configured id held by a live process is refused, naming the holder; a dead holder's lock is taken over", async () => {
    const held = await lockInstance(dir, "web-1", { host: "box", pid: process.ppid });
    await expect(lockInstance(dir, "web-1", { host: "box" })).rejects.toSatisfy(
      (err) =>
        isPaddockError(err, "PADDOCK_UNAVAILABLE") && /in use by pid \d+ on host box/.test(err.message),
    );
    await held.release();
    // a process that died (kill -9) leaves its lock behind
    const child = spawn(process.execPath, ["-e", ""]);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.once("exit", resolve));
    const stale = await lockInstance(dir, "web-2", { host: "box", pid: deadPid });
    const taken = await lockInstance(dir, "web-2", { host: "box" });
    expect(JSON.parse(await readFile(taken.path, "utf8"))).toMatchObject({ pid: process.pid });
    await taken.release();
    await stale.release();
  });
});
