import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runInit } from "../../../src/cli/commands/init.js";
import { ConfigError, loadConfig } from "../../../src/config/load.js";
import { encryptSecret, generateMasterKey, parseMasterKey } from "../../../src/config/secrets.js";
import { formatPath, nearest } from "../../../src/config/validate.js";

let dir: string;
const env = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-load-"));
  await runInit({ dir, accounts: 3, port: 8080, upstream: "http://127.0.0.1:5999" });
});

async function problemsOf(path: string, e: NodeJS.ProcessEnv = env): Promise<string[]> {
  try {
    await loadConfig(path, { env: e });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    return [String((err as Error).message)];
  }
  return [];
}

describe("loadConfig", () => {
  it("loads what init wrote, decrypted, defaulted and frozen", async () => {
    const { config, warnings } = await loadConfig(join(dir, "paddock.yaml"), { env });
    expect(config.accounts.map((a) => a.id)).toEqual(["acct-001", "acct-002", "acct-003"]);
    expect(config.accounts[0]!.keyId).toMatch(/^PK[0-9A-F]{18}$/);
    expect(config.upstream.tradingPaperUrl).toBe("http://127.0.0.1:5999");
    expect(config.upstream.dataStreamUrl).toBe("ws://127.0.0.1:5999");
    expect(config.upstream.rateLimitPerMinute).toBe(200);
    expect(config.audit.dir).toBe(join(dir, "audit"));
    expect(Object.isFrozen(config.accounts[0])).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("reports every problem at once with its path", async () => {
    const text = await readFile(join(dir, "paddock.yaml"), "utf8");
    const bad = text
      .replace("port: 8080", "prot: 8080")
      .replace("mode: paper", "mode: papr")
      .replace(
        /(secretKey: enc:v1:[^\n]*?)(.)(\n)/,
        (_m, a: string, c: string, n: string) => `${a}${c === "A" ? "B" : "A"}${n}`,
      );
    await writeFile(join(dir, "bad.yaml"), bad);
    const problems = await problemsOf(join(dir, "bad.yaml"));
    expect(problems).toEqual([
      'server.prot: unknown key (did you mean "port"?)',
      'accounts[0].mode: must be one of "paper", "live"',
      "accounts[0].secretKey: authentication failed (tampered, or moved from another account) (account acct-001)",
    ]);
  });

  it('server.workers: a whole number of processes or "auto", anything else named with both forms', async () => {
    const text = await readFile(join(dir, "paddock.yaml"), "utf8");
    for (const [value, want] of [
      ["auto", "auto"],
      ["4", 4],
    ] as const) {
      await writeFile(
        join(dir, "workers.yaml"),
        text.replace("port: 8080", `port: 8080\n  workers: ${value}`),
      );
      expect((await loadConfig(join(dir, "workers.yaml"), { env })).config.server.workers).toBe(want);
    }
    expect((await loadConfig(join(dir, "paddock.yaml"), { env })).config.server.workers).toBe(1);
    for (const value of ["0", "two", '"4"', "1.5"]) {
      await writeFile(
        join(dir, "workers.yaml"),
        text.replace("port: 8080", `port: 8080\n  workers: ${value}`),
      );
      expect(await problemsOf(join(dir, "workers.yaml"))).toEqual([
        'server.workers: must be an integer from 1 to 1024 or "auto"',
      ]);
    }
  });

  it("refuses plaintext secrets unless allowed, then warns", async () => {
    const yaml = "accounts:\n  - id: a1\n    keyId: PKPLAIN\n    secretKey: plain\n";
    await writeFile(join(dir, "plain.yaml"), yaml);
    expect(await problemsOf(join(dir, "plain.yaml"))).toEqual([
      "accounts[0].keyId: not an encrypted value (encrypt it with `paddock keys encrypt`)",
      "accounts[0].secretKey: not an encrypted value (encrypt it with `paddock keys encrypt`)",
    ]);
    await writeFile(join(dir, "plain-ok.yaml"), `security:\n  allowPlaintextSecrets: true\n${yaml}`);
    const loaded = await loadConfig(join(dir, "plain-ok.yaml"), { env });
    expect(loaded.warnings[0]).toMatch(/SECURITY: 2 secret\(s\) are stored in plaintext/);
  });

  it("reads accounts from an accountsFile and labels their problems with it", async () => {
    const key = parseMasterKey(generateMasterKey(), "k");
    await writeFile(join(dir, "k2.key"), `${key.key.toString("base64")}\n`, { mode: 0o600 });
    const acct = (id: string) =>
      `  - id: ${id}\n    keyId: ${encryptSecret("K", id, key)}\n    secretKey: ${encryptSecret("S", id, key)}\n`;
    await writeFile(
      join(dir, "fleet.yaml"),
      `accounts:\n${acct("f1")}${acct("f2")}  - id: f3\n    mode: nope\n`,
    );
    await writeFile(join(dir, "af.yaml"), `security:\n  masterKeyFile: k2.key\naccountsFile: fleet.yaml\n`);
    const problems = await problemsOf(join(dir, "af.yaml"));
    expect(problems).toContain(
      `${join(dir, "fleet.yaml")}: accounts[2].mode: must be one of "paper", "live"`,
    );
    await writeFile(join(dir, "fleet.yaml"), `accounts:\n${acct("f1")}${acct("f2")}`);
    const { config } = await loadConfig(join(dir, "af.yaml"), { env });
    expect(config.accounts.map((a) => [a.id, a.keyId])).toEqual([
      ["f1", "K"],
      ["f2", "K"],
    ]);
  });

  it("applies environment overrides and validates them", async () => {
    const path = join(dir, "paddock.yaml");
    const { config } = await loadConfig(path, {
      env: { PADDOCK_PORT: "9191", REDIS_URL: "redis://127.0.0.1:6379" },
    });
    expect(config.server.port).toBe(9191);
    expect(config.cache.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(await problemsOf(path, { PADDOCK_PORT: "80a" })).toEqual([
      '$PADDOCK_PORT: must be a whole number (got "80a")',
    ]);
  });

  it("reads the master key from $PADDOCK_MASTER_KEY and warns about a readable key file", async () => {
    const path = join(dir, "paddock.yaml");
    const text = await readFile(join(dir, "master.key"), "utf8");
    const viaEnv = await loadConfig(path, { env: { PADDOCK_MASTER_KEY: text } });
    expect(viaEnv.config.accounts).toHaveLength(3);
    await chmod(join(dir, "master.key"), 0o644);
    const loaded = await loadConfig(path, { env });
    expect(loaded.warnings.join()).toMatch(/readable by group or others/);
    await chmod(join(dir, "master.key"), 0o600);
  });

  it("names YAML syntax errors by line and column, and missing files", async () => {
    await writeFile(join(dir, "syntax.yaml"), "server:\n  port: [1,\n");
    expect((await problemsOf(join(dir, "syntax.yaml")))[0]).toMatch(
      /syntax\.yaml:\d+:\d+: YAML syntax error/,
    );
    expect((await problemsOf(join(dir, "missing.yaml")))[0]).toMatch(/missing\.yaml: no such file/);
  });

  it("reports duplicate account ids and unknown data accounts", async () => {
    await writeFile(
      join(dir, "dup.yaml"),
      "security:\n  allowPlaintextSecrets: true\nmarketData:\n  accounts: [zz]\naccounts:\n  - {id: a, keyId: k, secretKey: s}\n  - {id: a, keyId: k, secretKey: s}\n",
    );
    expect(await problemsOf(join(dir, "dup.yaml"))).toEqual([
      "accounts[1].id: duplicate of accounts[0]",
      'marketData.accounts[0]: unknown account "zz"',
    ]);
  });
});

describe("validation helpers", () => {
  it("formats paths and suggests near keys", () => {
    expect(formatPath("/accounts/3/secretKey")).toBe("accounts[3].secretKey");
    expect(formatPath("")).toBe("(root)");
    expect(nearest("prot", ["port", "host"])).toBe("port");
    expect(nearest("zzzzzz", ["port", "host"])).toBeUndefined();
  });
});
