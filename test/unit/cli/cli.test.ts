import { execFile } from "node:child_process";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { captureOutput } from "../../helpers/capture.js";

const run = async (...args: string[]) => {
  const out = captureOutput();
  const code = await main(["node", "paddock", ...args], out);
  return { code, ...out };
};

describe("paddock CLI", () => {
  it("init writes a working config with 0600 secrets, and refuses to overwrite", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-cli-"));
    const r = await run("init", "--dir", dir, "--accounts", "5");
    expect(r.code).toBe(0);
    expect((await stat(join(dir, "master.key"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "jwt-private.pem"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, "jwt-public.pem"), "utf8")).toMatch(/BEGIN PUBLIC KEY/);
    const check = await run("config", "check", "--config", join(dir, "paddock.yaml"));
    expect(check.code).toBe(0);
    expect(check.stdout[0]).toMatch(/ok: .*5 account\(s\) \(0 live\)/);
    const again = await run("init", "--dir", dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toEqual([
      `paddock: invalid usage: ${join(dir, "master.key")} already exists; choose an empty --dir`,
    ]);
  });

  it("rotates every secret to a new master key; the old key no longer decrypts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-rot-"));
    await run("init", "--dir", dir, "--accounts", "4");
    const cfg = join(dir, "paddock.yaml");
    expect((await run("keys", "gen-master", "--out", join(dir, "new.key"))).code).toBe(0);
    const before = await readFile(cfg, "utf8");
    const r = await run("keys", "rotate", "--config", cfg, "--new-master-key", join(dir, "new.key"));
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/re-encrypted 8 secret\(s\)/);
    expect(await readFile(`${cfg}.bak`, "utf8")).toBe(before);
    expect((await run("config", "check", "--config", cfg)).code).toBe(0);
    // the old key alone can no longer open the file
    await writeFile(
      cfg,
      (await readFile(cfg, "utf8")).replace("masterKeyFile: new.key", "masterKeyFile: master.key"),
    );
    const old = await run("config", "check", "--config", cfg);
    expect(old.code).toBe(1);
    expect(old.stderr.join("\n")).toMatch(
      /accounts\[0\]\.keyId: sealed with master key \w+, which is not loaded/,
    );
    // the same key twice is refused
    await writeFile(
      cfg,
      (await readFile(cfg, "utf8")).replace("masterKeyFile: master.key", "masterKeyFile: new.key"),
    );
    const same = await run("keys", "rotate", "--config", cfg, "--new-master-key", join(dir, "new.key"));
    expect(same.stderr).toEqual(["paddock: invalid usage: --new-master-key is the key already in use"]);
  });

  it("prints one clear line for user errors and never a stack", async () => {
    const missing = await run("config", "check", "--config", "/nonexistent/paddock.yaml");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toEqual([
      "paddock: configuration file error: config file /nonexistent/paddock.yaml: no such file",
    ]);
    const bad = await run("init", "--dir", "/tmp/x", "--accounts", "ten");
    expect(bad.code).toBe(1);
    expect(bad.stderr[0]).toMatch(/--accounts.*must be a whole number/);
    const upstream = await run("init", "--dir", "/tmp/never-written", "--upstream", "ftp://x");
    expect(upstream.stderr).toEqual(["paddock: invalid usage: --upstream: must be an http(s) URL"]);
    const gen = await run("keys", "gen-master", "--out", "/nonexistent-dir/k");
    expect(gen.code).toBe(1);
    expect(gen.stderr.join()).not.toMatch(/\n\s+at /);
  });

  it("has --help and --version", async () => {
    const v = await run("--version");
    expect(v.code).toBe(0);
    expect(v.stdout[0]).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await run("--help");
    expect(h.code).toBe(0);
    expect(h.stdout.join("\n")).toMatch(/init \[options\]/);
  });

  it("encrypts a secret from stdin bound to an account", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-enc-"));
    await run("init", "--dir", dir, "--accounts", "1");
    const { encryptWithConfig } = await import("../../../src/cli/commands/keys.js");
    const env = await encryptWithConfig(join(dir, "paddock.yaml"), "PKNEWKEY\n", "acct-001");
    expect(env).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    const r = await run("keys", "encrypt", "--config", join(dir, "paddock.yaml"));
    expect(r.stderr).toEqual([
      "paddock: invalid usage: give exactly one of --account <id> or --field <path>",
    ]);
  });

  it("works as the installed binary (bin/paddock.js)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/paddock.js", "--version"]);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
