/**
 * Shards in the configuration: a replica with `shard.id` loads only its shard's accounts (by id or
 * tag) and decrypts only their keys; every replica knows which shard owns any account; a shard
 * over 1,000 accounts, an account in two shards or in none, and a shard without Redis are errors
 * naming the field.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runInit } from "../../../src/cli/commands/init.js";
import { ConfigError, loadConfig } from "../../../src/config/load.js";

let dir: string;
let base: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-shards-"));
  await runInit({ dir, accounts: 6, port: 8080, upstream: "http://127.0.0.1:5999" });
  base = parse(await readFile(join(dir, "paddock.yaml"), "utf8")) as Record<string, unknown>;
  const accounts = base.accounts as Array<Record<string, unknown>>;
  accounts.forEach((a, i) => {
    a.tags = i < 4 ? ["east"] : ["west"];
  });
  base.cache = { redisUrl: "redis://127.0.0.1:6379" };
  base.shards = [
    { id: "s1", tags: ["east"] },
    { id: "s2", tags: ["west"], urls: ["http://10.0.0.2:8080"] },
  ];
});

async function write(name: string, edit: (raw: Record<string, unknown>) => void): Promise<string> {
  const raw = structuredClone(base);
  edit(raw);
  const path = join(dir, name);
  await writeFile(path, stringify(raw, { lineWidth: 0 }));
  return path;
}

async function problemsOf(path: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig(path, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe("shards in the configuration", () => {
  it("a replica loads its shard's accounts only; the layout knows every account's shard", async () => {
    const path = await write("two.yaml", (raw) => {
      // s2 also lists acct-004 by id: an id and a tag of the same shard is one membership
      (raw.shards as Array<Record<string, unknown>>)[1]!.accounts = ["acct-005"];
    });
    const s1 = await loadConfig(path, { env: { PADDOCK_SHARD: "s1" } });
    expect(s1.config.accounts.map((a) => a.id)).toEqual(["acct-001", "acct-002", "acct-003", "acct-004"]);
    expect(s1.config.accounts[0]!.keyId).toMatch(/^PK/); // decrypted
    const s2 = await loadConfig(path, { env: { PADDOCK_SHARD: "s2", PADDOCK_ADVERTISE_URL: "http://me:1" } });
    expect(s2.config.accounts.map((a) => a.id)).toEqual(["acct-005", "acct-006"]);
    expect(s2.config.shard).toMatchObject({ id: "s2", advertiseUrl: "http://me:1" });
    for (const loaded of [s1, s2]) {
      expect(loaded.layout?.accounts).toHaveLength(6);
      expect(loaded.layout?.ownerOf("acct-002")?.shard).toBe("s1");
      expect(loaded.layout?.ownerOf("acct-006")).toMatchObject({ shard: "s2", tags: ["west"] });
      expect(loaded.layout?.shards.map((s) => [s.id, s.urls, s.accounts.length])).toEqual([
        ["s1", ["http://paddock-s1:8080"], 4],
        ["s2", ["http://10.0.0.2:8080"], 2],
      ]);
    }
    // tools that only read the structure (keys rotate, backup) see every account whatever PADDOCK_SHARD says
    const tool = await loadConfig(path, { env: { PADDOCK_SHARD: "s1" }, decrypt: false });
    expect(tool.config.accounts).toHaveLength(6);
    // no shard.id: every account, as before
    const all = await loadConfig(path, { env: {} });
    expect(all.config.accounts).toHaveLength(6);
    expect(all.layout?.self).toBeUndefined();
  });

  it("decrypts only its own shard's keys: another shard's broken secret does not stop it", async () => {
    const path = await write("broken.yaml", (raw) => {
      const a6 = (raw.accounts as Array<Record<string, string>>)[5]!;
      a6.secretKey = a6.secretKey!.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    });
    expect((await loadConfig(path, { env: { PADDOCK_SHARD: "s1" } })).config.accounts).toHaveLength(4);
    expect(await problemsOf(path, { PADDOCK_SHARD: "s2" })).toEqual([
      expect.stringMatching(/^accounts\[5\]\.secretKey: .*\(account acct-006\)$/),
    ]);
  });

  it("names the field of every shard mistake", async () => {
    const path = await write("bad.yaml", (raw) => {
      raw.cache = {};
      raw.shards = [
        { id: "s1", tags: ["east"], accounts: ["acct-005", "nope"] },
        { id: "s2", accounts: ["acct-006"] },
        { id: "s1", tags: ["x"] },
        { id: "s3" },
      ];
    });
    expect(await problemsOf(path, { PADDOCK_SHARD: "s9" })).toEqual([
      "cache.redisUrl: required when shard.id is set (replicas register and find each other in the shared Redis)",
      "shards[2].id: duplicate of shards[0]",
      "shards[3]: lists no accounts and no tags",
      'shard.id: unknown shard "s9" (shards: s1, s2, s1, s3)',
      'shards[0].accounts[1]: unknown account "nope"',
    ]);
    const twice = await write("twice.yaml", (raw) => {
      raw.shards = [
        { id: "s1", tags: ["east"] },
        { id: "s2", tags: ["west"], accounts: ["acct-001"] },
      ];
      (raw.accounts as Array<Record<string, unknown>>).push({
        ...(raw.accounts as Array<Record<string, unknown>>)[0],
        id: "acct-orphan",
        tags: [],
      });
    });
    const problems = await problemsOf(twice, { PADDOCK_SHARD: "s1" });
    expect(problems).toContain(
      'accounts[0]: "acct-001" is in shards s2 and s1; an account belongs to one shard',
    );
    // the orphan is no shard's: its (copied, so undecryptable) keys are nobody's to decrypt here
    expect(problems.some((p) => p.startsWith("accounts[6].secretKey"))).toBe(false);
    expect(problems).toContain(
      "accounts: 1 account(s) in no shard (acct-orphan): list them in shards[].accounts or give them a tag of one",
    );
  });

  it("one instance serves at most 1,000 accounts: a bigger shard, or an unsharded fleet over 1,000, is refused", async () => {
    const template = (base.accounts as Array<Record<string, unknown>>)[0]!;
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...template, id: `acct-${i}`, tags: [i < 1001 ? "a" : "b"] }));
    const big = await write("big.yaml", (raw) => {
      raw.accounts = many(1500);
      raw.shards = [
        { id: "s1", tags: ["a"] },
        { id: "s2", tags: ["b"] },
      ];
      raw.security = { ...(raw.security as object), allowPlaintextSecrets: true };
    });
    const problems = await problemsOf(big, { PADDOCK_SHARD: "s2" });
    expect(problems).toContain(
      "shards[0]: 1,001 accounts; one instance serves at most 1,000: split this shard in two",
    );
    const flat = await write("flat.yaml", (raw) => {
      raw.accounts = many(1001);
      delete raw.shards;
    });
    expect((await problemsOf(flat)).filter((p) => p.startsWith("accounts:"))).toEqual([
      "accounts: 1,001 accounts; one instance serves at most 1,000: define shards (each at most 1,000) and give each replica its shard.id (docs/deploy.md)",
    ]);
  });
});
