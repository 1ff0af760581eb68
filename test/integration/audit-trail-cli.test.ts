/**
 * The audit trail as the gateway writes it (openAuditTrail from a `paddock init`
 * configuration), judged by the real `paddock` binary in a child process: two
 * instances in one folder both verify with signatures, a rewritten trail fails,
 * and after `paddock gdpr erase` the subject is unreadable in `audit export` while
 * the chain still verifies. Needs `npm run build` (bin/paddock.js runs dist/).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { canonicalJson } from "../../src/audit/canonical-json.js";
import { sha256Hex } from "../../src/audit/chain.js";
import { openAuditTrail } from "../../src/audit/from-config.js";
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "bin/paddock.js");
const exec = promisify(execFile);

async function paddock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const quiet = { warn: () => {}, error: () => {}, info: () => {} };

let dir: string;
let cfg: string;
let auditDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-audit-cli-"));
  await runInit({ dir, accounts: 1, port: 0, upstream: "http://127.0.0.1:9" });
  cfg = join(dir, "paddock.yaml");
  const raw = parse(await readFile(cfg, "utf8")) as { audit: Record<string, unknown> };
  raw.audit = { ...raw.audit, checkpointEveryRecords: 4, checkpointIntervalSeconds: 0 };
  await writeFile(cfg, stringify(raw));
  const loaded = await loadConfig(cfg, { env: {} });
  auditDir = loaded.config.audit.dir;
  // two instances of the gateway sharing one audit folder
  const withId = (id: string): Config => ({
    ...loaded.config,
    audit: { ...loaded.config.audit, instanceId: id },
  });
  const a = await openAuditTrail(withId("gw-a"), {
    logger: quiet,
    ...(loaded.keyRing ? { keyRing: loaded.keyRing } : {}),
  });
  const b = await openAuditTrail(withId("gw-b"), {
    logger: quiet,
    ...(loaded.keyRing ? { keyRing: loaded.keyRing } : {}),
  });
  for (let i = 0; i < 10; i++) {
    const subject = i % 2 === 0 ? "alice@example.com" : "bob@example.com";
    await (i < 5 ? a : b).log.append({
      action: "order.submit",
      outcome: "accepted",
      subject,
      account: "acct-001",
      clientOrderId: `${subject}-${i}`,
      request: { symbol: "AAPL", qty: "1", client_order_id: `${subject}-${i}` },
    });
  }
  await Promise.all([a.log.close(), b.log.close()]);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("paddock audit verify / export and gdpr erase (real process)", () => {
  it("verifies both instances' chains with signatures; without --config it says signatures were not checked", async () => {
    const names = (await readdir(auditDir)).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "audit-gw-a.jsonl",
        "audit-gw-a.checkpoints.jsonl",
        "audit-gw-b.jsonl",
        "subject-keys.json",
      ]),
    );
    const raw = (await Promise.all(names.map((n) => readFile(join(auditDir, n), "utf8")))).join("");
    expect(raw).not.toContain("alice@example.com");

    const checked = await paddock("audit", "verify", "--config", cfg, auditDir);
    expect(checked).toMatchObject({ code: 0, stderr: "" });
    expect(checked.stdout).toMatch(/^ok: audit-gw-a: 5 lines verified \(seq 1-5\), 2 checkpoints matched$/m);
    expect(checked.stdout).toMatch(/^ok: audit-gw-b: 5 lines verified \(seq 1-5\), 2 checkpoints matched$/m);
    expect(checked.stdout).not.toContain("not checked");

    const unchecked = await paddock("audit", "verify", join(auditDir, "audit-gw-a.jsonl"));
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain("note: checkpoint signatures not checked");
  });

  it("export shows the subjects; after gdpr erase they read [erased] and the trail still verifies", async () => {
    const before = await paddock("audit", "export", "--config", cfg, auditDir);
    expect(before.code).toBe(0);
    const records = before.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(10);
    expect(records.filter((r) => r.subject === "alice@example.com")).toHaveLength(5);

    const erase = await paddock("gdpr", "erase", "--config", cfg, "--subject", "alice@example.com");
    expect(erase).toMatchObject({ code: 0, stderr: "" });
    expect(erase.stdout).toMatch(/^erased: 1 key\(s\) destroyed/);

    const after = await paddock("audit", "export", "--config", cfg, auditDir);
    const opened = after.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(opened.map((r) => r.subject).sort()).toEqual([
      ...Array(5).fill("[erased]"),
      ...Array(5).fill("bob@example.com"),
    ]);
    expect(after.stdout).not.toContain("alice@example.com");
    expect((await paddock("audit", "verify", "--config", cfg, auditDir)).code).toBe(0);
  });

  it("a record rewritten with every later hash recomputed: exit 1, naming the file and line", async () => {
    const file = join(auditDir, "audit-gw-b.jsonl");
    const original = await readFile(file, "utf8");
    const lines = original.trim().split("\n");
    let prev: string | undefined;
    const forged = lines.map((line, i) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (i === 1) record.request = { ...(record.request as object), qty: "1000" };
      if (prev !== undefined && i > 1) record.prev = prev;
      const text = canonicalJson(record);
      prev = sha256Hex(Buffer.from(text));
      return text;
    });
    await writeFile(file, `${forged.join("\n")}\n`);
    try {
      const r = await paddock("audit", "verify", "--config", cfg, auditDir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^ok: audit-gw-a:/m);
      expect(r.stderr).toMatch(
        new RegExp(
          `^broken: ${file} line 5: does not match the checkpoint of seq 5 .*: a record in seq 2\\.\\.5 was rewritten`,
        ),
      );
    } finally {
      await writeFile(file, original);
    }
  });
});
