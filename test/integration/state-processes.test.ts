/**
 * The embedded state store (no Redis) across real gateway processes (`node bin/paddock.js
 * serve`, built dist/) in front of an in-process simulator: two processes sharing one state
 * file see a halt made on one and a `paddock token revoke` from the command line within a
 * second, and both survive killing and restarting them. (The order ledger after a kill -9
 * is proven in resilience-processes.test.ts, with Redis and without.)
 *
 * Needs `npm run build` first (the npm test script builds before vitest).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { authOptionsOf } from "../../src/app.js";
import { createTokenIssuer } from "../../src/auth/token-issuer.js";
import type { Scope } from "../../src/auth/types.js";
import { runInit } from "../../src/cli/commands/init.js";
import { main } from "../../src/cli/main.js";
import { loadConfig } from "../../src/config/load.js";
import { captureOutput } from "../helpers/capture.js";
import { type GatewayProcess, requireBuild, spawnGateway } from "../helpers/gateway-process.js";
import { type SimHandle, startTestSim } from "../helpers/start-sim.js";
import { within } from "../helpers/wait.js";

requireBuild("state-processes.test.ts");

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const started = async (configPath: string): Promise<GatewayProcess> => {
  const g = await spawnGateway(configPath);
  cleanups.push(() => g.kill());
  return g;
};

interface Setup {
  readonly dir: string;
  /** Writes a config named `name` (own audit folder, shared state folder). */
  write(name: string): Promise<string>;
  token(sub: string, scopes: Scope[]): Promise<string>;
}

/** A `paddock init` directory with one account in front of `sim`, no Redis, the state in its own folder. */
async function setup(sim: SimHandle): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), "paddock-state-proc-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await runInit({ dir, accounts: 1, port: 0, upstream: sim.url });
  const base = parse(await readFile(join(dir, "paddock.yaml"), "utf8")) as Record<string, unknown>;
  const stateDir = join(dir, "shared-state");
  base.state = { dir: stateDir, pollIntervalMs: 250 };
  base.logging = { level: "warn" };
  const first = join(dir, "paddock.yaml");
  await writeFile(first, stringify(base, { lineWidth: 0 }), { mode: 0o600 });
  const issuer = await createTokenIssuer(
    authOptionsOf((await loadConfig(first, { env: {} })).config).signing!,
    {},
  );
  return {
    dir,
    async write(name) {
      const path = join(dir, name);
      const raw = { ...structuredClone(base), audit: { dir: `audit-${name}` } };
      await writeFile(path, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
      return path;
    },
    token: (sub, scopes) => issuer.issue({ sub, scopes, accounts: "*", ttlSeconds: 600 }),
  };
}

describe("two gateway processes sharing one state file", () => {
  it("see a halt and a command-line revocation within a second, and keep both across kill -9", async () => {
    const sim = await startTestSim({ rateLimitPerMinute: 0 });
    cleanups.push(() => sim.close());
    const s = await setup(sim);
    const [pathA, pathB] = await Promise.all([s.write("paddock-a.yaml"), s.write("paddock-b.yaml")]);
    const [a, b] = await Promise.all([started(pathA), started(pathB)]);
    const admin = await s.token("ops", ["read", "admin"]);
    const bot = await s.token("cli-bot", ["read"]);
    const get = async (g: GatewayProcess, path: string, token: string) => {
      const res = await fetch(`${g.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const halted = async (g: GatewayProcess): Promise<boolean> => {
      const { body } = await get(g, "/v1/accounts", admin);
      return (body.accounts as Array<{ id: string; halted: boolean }>).find((x) => x.id === "acct-001")!
        .halted;
    };
    expect((await get(b, "/v1/accounts", bot)).status).toBe(200); // verified and cached on B

    const halt = await fetch(`${a.url}/v1/admin/accounts/acct-001/halt`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(halt.status).toBe(200);
    const haltMs = await within(1000, "the halt on B", () => halted(b));

    const out = captureOutput();
    expect(
      await main(["node", "paddock", "token", "revoke", "--config", pathA, "--sub", "cli-bot"], out),
    ).toBe(0);
    expect(out.stdout.join("\n")).toMatch(/revoked tokens of cli-bot issued until/);
    const revokeMs = await within(1000, "the revocation on A and B", async () => {
      const [ra, rb] = await Promise.all([get(a, "/v1/accounts", bot), get(b, "/v1/accounts", bot)]);
      return ra.status === 401 && rb.status === 401;
    });
    console.log(
      `[state-processes] shared_file: halt_to_B_ms=${haltMs} cli_revocation_to_both_ms=${revokeMs}`,
    );

    // usage errors are one line, exit 1
    const bad = captureOutput();
    expect(await main(["node", "paddock", "token", "revoke", "--config", pathA], bad)).toBe(1);
    expect(bad.stderr.join("\n")).toMatch(/exactly one of --jti or --sub/);

    // a crash of both, then a restart: the halt and the revocation are still in force
    await Promise.all([a.kill(), b.kill()]);
    const again = await started(pathB);
    expect(await halted(again)).toBe(true);
    expect((await get(again, "/v1/accounts", bot)).status).toBe(401);
    const list = await get(again, "/v1/admin/revocations", admin);
    expect(list.body.revocations).toEqual([expect.objectContaining({ sub: "cli-bot", revoked_by: "cli" })]);
    await again.stop();
    expect(again.output()).not.toMatch(/ExperimentalWarning/); // node:sqlite loads quietly
  }, 60_000);
});
