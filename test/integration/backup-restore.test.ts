/**
 * The restore drill: a `paddock init` deployment writes real state (order ledger and halts in
 * the SQLite store, left open so its WAL holds the latest writes) and a real audit trail with
 * signed checkpoints; `paddock backup create` seals it; the state, the audit folder and the
 * config are wiped; `paddock backup restore` brings them back, the audit chain verifies with
 * signatures and the store holds the same ledger and halt entries. A tampered byte or the
 * wrong key restores nothing.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { auditKeyRing, checkpointVerifyKeys, openAuditTrail } from "../../src/audit/from-config.js";
import { verifyAuditChains } from "../../src/audit/verify.js";
import { runInit } from "../../src/cli/commands/init.js";
import { main } from "../../src/cli/main.js";
import { BACKUP_MAGIC } from "../../src/config/backup-archive.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { openStateStore, STATE_FILE } from "../../src/state/index.js";
import type { StateEntry } from "../../src/state/state-store.js";
import { createHalts } from "../../src/trading/halts.js";
import { createOrderLedger } from "../../src/trading/order-ledger.js";
import { captureOutput } from "../helpers/capture.js";

const run = async (...args: string[]) => {
  const out = captureOutput();
  const code = await main(["node", "paddock", ...args], out);
  return { code, ...out };
};

const quiet = { warn: () => {}, error: () => {}, info: () => {} };

let root: string;
let dir: string;
let cfg: string;
let config: Config;
let backupFile: string;
let expected: { orders: StateEntry[]; halts: StateEntry[] };
let createOut: string[];

async function verifyTrail(configPath: string): Promise<string[]> {
  const loaded = await loadConfig(configPath, { env: {} });
  const keys = await checkpointVerifyKeys(loaded.config, await auditKeyRing(loaded, {}));
  const results = await verifyAuditChains([loaded.config.audit.dir], { keys });
  return results.map(({ chain, result }) =>
    result.ok
      ? `ok ${chain.name} ${result.lines} lines ${result.checkpoints} checkpoints ${result.signatures}`
      : `broken ${result.file}:${result.line} ${result.reason}`,
  );
}

async function stateOf(c: Config): Promise<{ orders: StateEntry[]; halts: StateEntry[] }> {
  const store = await openStateStore(c);
  try {
    return { orders: await store.list("orders"), halts: await store.list("halts") };
  } finally {
    await store.close();
  }
}

async function tree(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  return (await readdir(path, { recursive: true })).sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "paddock-backup-"));
  dir = join(root, "deploy");
  await runInit({ dir, accounts: 3, port: 0, upstream: "http://127.0.0.1:9" });
  cfg = join(dir, "paddock.yaml");
  const raw = parse(await readFile(cfg, "utf8")) as { audit: Record<string, unknown> };
  raw.audit = { ...raw.audit, checkpointEveryRecords: 4, checkpointIntervalSeconds: 0, instanceId: "gw-a" };
  await writeFile(cfg, stringify(raw), { mode: 0o600 });
  const loaded = await loadConfig(cfg, { env: {} });
  config = loaded.config;

  const trail = await openAuditTrail(config, {
    logger: quiet,
    ...(loaded.keyRing ? { keyRing: loaded.keyRing } : {}),
  });
  for (let i = 0; i < 10; i++) {
    await trail.log.append({
      action: "order.submit",
      outcome: "accepted",
      subject: "alice@example.com",
      account: `acct-00${(i % 3) + 1}`,
      clientOrderId: `co-${i}`,
      request: { symbol: "AAPL", qty: "1", client_order_id: `co-${i}` },
    });
  }
  await trail.log.close();

  // the store stays open (its latest writes in the WAL) while the backup is taken
  const store = await openStateStore(config);
  const ledger = createOrderLedger({ store });
  for (let i = 0; i < 25; i++) {
    await ledger.begin("acct-001", `co-${i}`, `fp-${i}`);
    await ledger.update("acct-001", `co-${i}`, { state: "acknowledged", orderId: `ord-${i}`, status: 200 });
  }
  const halts = await createHalts({ store, pollIntervalMs: 1000 });
  await halts.set("acct-002", true, "ops@example.com");
  await halts.set(undefined, true, "ops@example.com");
  halts.close();
  expected = { orders: await store.list("orders"), halts: await store.list("halts") };
  expect(existsSync(join(config.state.dir, `${STATE_FILE}-wal`))).toBe(true);

  backupFile = join(root, "paddock.bak");
  const created = await run("backup", "create", "--config", cfg, "--out", backupFile);
  expect(created.stderr).toEqual([]);
  expect(created.code).toBe(0);
  createOut = created.stdout;
  await store.close();
}, 60_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe("paddock backup create / restore (restore drill)", () => {
  it("create seals config, state and audit trail into one 0600 file with no plaintext in it", async () => {
    expect(createOut[0]).toMatch(
      /^wrote .*paddock\.bak: [\d.]+ KiB, config 1 file\(s\), state 1, audit \d+; sealed with key [0-9a-f]{8} in \d+ ms$/,
    );
    const bytes = await readFile(backupFile);
    expect(bytes.subarray(0, 8).equals(BACKUP_MAGIC)).toBe(true);
    expect((await stat(backupFile)).mode & 0o777).toBe(0o600);
    for (const plain of ["acct-001", "order.submit", "SQLite format", "masterKeyFile", "ord-7"]) {
      expect(bytes.includes(Buffer.from(plain))).toBe(false);
    }
    // refuses to overwrite its own output
    const again = await run("backup", "create", "--config", cfg, "--out", backupFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toEqual([
      `paddock: invalid usage: ${backupFile} already exists (give --force to replace it)`,
    ]);
  });

  it("a tampered byte, a truncated file or the wrong key restores nothing and says so in one line", async () => {
    const good = await readFile(backupFile);
    const target = join(root, "tampered");
    const cases: Array<{ name: string; data: Buffer; error: RegExp }> = [];
    // the middle of the payload, the tag, the nonce; then the key id in the header
    for (const at of [good.length >> 1, good.length - 1, 20, 12]) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x01;
      const error = at === 12 ? /sealed with key \w+, which .* does not load/ : /failed authentication/;
      cases.push({ name: `flip@${at}`, data: bad, error });
    }
    cases.push({
      name: "truncated",
      data: good.subarray(0, good.length - 100),
      error: /failed authentication/,
    });
    cases.push({ name: "not a backup", data: Buffer.from("hello"), error: /not a paddock backup/ });
    for (const c of cases) {
      const path = join(root, `${c.name}.bak`);
      await writeFile(path, c.data);
      const r = await run("backup", "restore", "--config", cfg, "--in", path, "--dir", target);
      expect(r.code, c.name).toBe(1);
      expect(r.stderr, c.name).toHaveLength(1);
      expect(r.stderr[0], c.name).toMatch(c.error);
      expect(existsSync(target), c.name).toBe(false);
    }
    const otherKey = join(root, "other.key");
    expect((await run("keys", "gen-master", "--out", otherKey)).code).toBe(0);
    const wrong = await run(
      "backup",
      "restore",
      "--config",
      cfg,
      "--in",
      backupFile,
      "--dir",
      target,
      "--key",
      otherKey,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toEqual([
      expect.stringMatching(
        /^paddock: invalid usage: backup is sealed with key \w{8}, not with the key given \(\w{8}\)$/,
      ),
    ]);
    expect(existsSync(target)).toBe(false);
  });

  it("after a wipe, restore brings back config, ledger, halts and a trail that verifies with signatures", async () => {
    const before = await verifyTrail(cfg);
    expect(before).toEqual(["ok audit-gw-a 10 lines 4 checkpoints checked"]);
    const configText = await readFile(cfg);
    const auditFiles = await tree(config.audit.dir);
    expect(auditFiles).toEqual(
      expect.arrayContaining(["audit-gw-a.jsonl", "audit-gw-a.checkpoints.jsonl", "subject-keys.json"]),
    );

    await rm(config.state.dir, { recursive: true });
    await rm(config.audit.dir, { recursive: true });
    await rm(cfg);
    // the config is gone, so the master key is named with --key
    const noKey = await run("backup", "restore", "--config", cfg, "--in", backupFile);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr[0]).toMatch(/does not exist, so its master key is unknown: .* with --key FILE$/);

    const started = performance.now();
    const r = await run(
      "backup",
      "restore",
      "--config",
      cfg,
      "--in",
      backupFile,
      "--key",
      join(dir, "master.key"),
    );
    const ms = performance.now() - started;
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^restored \d+ file\(s\) \(0 already identical\)/);
    expect(r.stdout[1]).toBe(`next: paddock audit verify --config ${cfg} ${config.audit.dir}`);
    expect(ms).toBeLessThan(10_000);

    expect((await readFile(cfg)).equals(configText)).toBe(true);
    expect(await tree(config.audit.dir)).toEqual(auditFiles.filter((f) => !f.endsWith(".lock")));
    expect((await stat(join(config.state.dir, STATE_FILE))).mode & 0o777).toBe(0o600);
    expect(await verifyTrail(cfg)).toEqual(before);
    const restored = await stateOf(config);
    expect(restored).toEqual(expected);
    expect(restored.orders).toHaveLength(25);
    expect(restored.halts.map((h) => h.key)).toEqual(["*", "acct-002"]);
  });

  it("refuses to replace existing files unless --force; identical files are left alone", async () => {
    // the store was opened since the restore, so its file differs from the backup
    const refused = await run("backup", "restore", "--config", cfg, "--in", backupFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toEqual([
      expect.stringMatching(
        /^paddock: invalid usage: 1 file\(s\) already exist \(first: .*paddock-state\.db\); nothing written: .*--force$/,
      ),
    ]);
    const forced = await run("backup", "restore", "--config", cfg, "--in", backupFile, "--force");
    expect(forced.code).toBe(0);
    expect(forced.stdout[0]).toMatch(/^restored 1 file\(s\) \(\d+ already identical\)/);
    expect(await stateOf(config)).toEqual(expected);
  });

  it("--dir restores the config's layout under another folder, where the trail verifies too", async () => {
    const target = join(root, "drill");
    const r = await run("backup", "restore", "--config", cfg, "--in", backupFile, "--dir", target);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toContain(`config ${join(target, "paddock.yaml")}, state ${join(target, "state")}`);
    // the restored config points at master.key beside it: the drill copies the key from the secret store
    await writeFile(join(target, "master.key"), await readFile(join(dir, "master.key")), { mode: 0o600 });
    expect(await verifyTrail(join(target, "paddock.yaml"))).toEqual([
      "ok audit-gw-a 10 lines 4 checkpoints checked",
    ]);
    const { config: drill } = await loadConfig(join(target, "paddock.yaml"), { env: {} });
    expect(drill.state.dir).toBe(join(target, "state"));
    expect(await stateOf(drill)).toEqual(expected);
  });

  it("a separate backup key; state in Redis is left out with a note; --help and missing options", async () => {
    const keyFile = join(root, "backup.key");
    expect((await run("keys", "gen-master", "--out", keyFile)).code).toBe(0);
    const out = join(root, "with-key.bak");
    const made = await run("backup", "create", "--config", cfg, "--out", out, "--key", keyFile);
    expect(made.code).toBe(0);
    const target = join(root, "with-key");
    const viaMaster = await run("backup", "restore", "--config", cfg, "--in", out, "--dir", target);
    expect(viaMaster.code).toBe(1);
    expect(viaMaster.stderr[0]).toMatch(
      /sealed with key \w{8}, which .* does not load; give it with --key FILE$/,
    );
    const viaKey = await run(
      "backup",
      "restore",
      "--config",
      cfg,
      "--in",
      out,
      "--dir",
      target,
      "--key",
      keyFile,
    );
    expect(viaKey.code).toBe(0);

    const redisCfg = join(dir, "redis.yaml");
    const raw = parse(await readFile(cfg, "utf8")) as Record<string, unknown>;
    raw.cache = { redisUrl: "redis://127.0.0.1:1" };
    await writeFile(redisCfg, stringify(raw));
    const redis = await run("backup", "create", "--config", redisCfg, "--out", join(root, "redis.bak"));
    expect(redis.code).toBe(0);
    expect(redis.stdout[0]).toMatch(/state 0,/);
    expect(redis.stdout).toContain(
      "note: the state store is in Redis: not in this backup (Redis has its own persistence, RDB/AOF)",
    );

    for (const sub of ["create", "restore"]) {
      const help = await run("backup", sub, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout.join("\n")).toMatch(/--config <file>/);
    }
    const missing = await run("backup", "create", "--config", cfg);
    expect(missing.code).toBe(1);
    expect(missing.stderr[0]).toMatch(/required option '--out <file>' not specified/);
    const noFile = await run("backup", "restore", "--config", cfg, "--in", join(root, "nope.bak"));
    expect(noFile.stderr).toEqual([`paddock: invalid usage: cannot read ${join(root, "nope.bak")} (ENOENT)`]);
  });
});
