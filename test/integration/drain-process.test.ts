/**
 * Shutdown in the order a load balancer needs: on SIGTERM a real `paddock serve` process makes
 * /readyz answer 503 at once, keeps serving requests already routed to it for
 * `server.drainDelayMs`, then stops accepting and exits 0.
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
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import { requireBuild, spawnGateway } from "../helpers/gateway-process.js";
import { startTestSim } from "../helpers/start-sim.js";
import { within } from "../helpers/wait.js";

requireBuild("drain-process.test.ts");

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe("SIGTERM", () => {
  it("fails readiness first, serves through the drain delay, then exits cleanly", async () => {
    const sim = await startTestSim({ rateLimitPerMinute: 0 });
    cleanups.push(() => sim.close());
    const dir = await mkdtemp(join(tmpdir(), "paddock-drain-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await runInit({ dir, accounts: 1, port: 0, upstream: sim.url });
    const path = join(dir, "paddock.yaml");
    const raw = parse(await readFile(path, "utf8")) as Record<string, Record<string, unknown>>;
    raw.server = { ...raw.server, drainDelayMs: 1500 };
    raw.logging = { level: "warn" };
    raw.streams = { recordTradeUpdates: false };
    await writeFile(path, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
    const issuer = await createTokenIssuer(
      authOptionsOf((await loadConfig(path, { env: {} })).config).signing!,
    );
    const token = await issuer.issue({ sub: "drain", scopes: ["read"], accounts: "*", ttlSeconds: 600 });

    const g = await spawnGateway(path);
    cleanups.push(() => g.kill());
    expect((await fetch(`${g.url}/readyz`)).status).toBe(200);
    const exit = new Promise<number | null>((r) => g.child.once("exit", (code) => r(code)));

    g.child.kill("SIGTERM");
    await within(1000, "/readyz to answer 503", async () => (await fetch(`${g.url}/readyz`)).status === 503);
    const report = (await (await fetch(`${g.url}/readyz`)).json()) as { status: string; draining: boolean };
    expect(report).toMatchObject({ status: "down", draining: true });
    // still serving what is routed here while load balancers notice
    const read = await fetch(`${g.url}/v1/accounts/acct-001/v2/account`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    expect(await exit).toBe(0);
  }, 60_000);
});
