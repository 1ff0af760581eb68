/**
 * The primary of `serve --workers` in this process, with stand-in workers (test/fixtures/cluster,
 * on the built dist/): it starts N workers on one port, restarts one killed with SIGKILL (and
 * counts it), sends SIGHUP's reload to one worker that the others then follow, drains every
 * worker and resolves 0; a worker that cannot start the first time ends it with 1.
 *
 * Needs `npm run build` first (the npm test script builds before vitest).
 */
import cluster from "node:cluster";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInit } from "../../src/cli/commands/init.js";
import { startPrimary } from "../../src/cluster/primary.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { silentLogger } from "../../src/observability/logger.js";
import { ROOT, requireBuild } from "../helpers/gateway-process.js";
import { freePort } from "../helpers/redis.js";
import { within } from "../helpers/wait.js";

requireBuild("cluster-primary.test.ts");

let config: Config;
let dir: string;
const env = { ...process.env };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-primary-"));
  await runInit({ dir, accounts: 1, port: 0, upstream: "http://127.0.0.1:9" });
  config = (await loadConfig(join(dir, "paddock.yaml"), { env: {} })).config;
  cluster.setupPrimary({ exec: join(ROOT, "test/fixtures/cluster/worker.mjs"), args: [], execArgv: [] });
});
afterAll(async () => {
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

const fetchId = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: "close" } });
  return res.text();
};

describe("the primary", () => {
  it("runs N workers on one port, restarts a killed one, fans a reload out, drains and resolves 0", async () => {
    const port = await freePort();
    process.env.FIXTURE_PORT = String(port);
    delete process.env.FIXTURE_FAIL;
    const reloads: Array<{ id: number; lead: boolean }> = [];
    const onMessage = (_w: unknown, m: { fixture?: string; id: number; lead: boolean }) => {
      if (m.fixture === "reload") reloads.push({ id: m.id, lead: m.lead });
    };
    cluster.on("message", onMessage);
    const p = startPrimary({
      workers: 2,
      config,
      logger: silentLogger(),
      backoff: { baseMs: 20, maxMs: 100 },
    });
    try {
      const seen = new Set<string>();
      await within(20_000, "both workers serving", async () => {
        seen.add(await fetchId(port).catch(() => ""));
        return seen.has("1") && seen.has("2");
      });
      expect(p.pids().size).toBe(2);

      const victim = p.pids().get(1)!;
      process.kill(victim, "SIGKILL");
      await within(20_000, "worker 1 back with a new pid", async () => {
        const pid = p.pids().get(1);
        return pid !== undefined && pid !== victim && (await fetchId(port).catch(() => "")) !== "";
      });
      const restarts = await p.hub.metrics.restarts.get();
      expect(restarts.values).toEqual([expect.objectContaining({ labels: { reason: "SIGKILL" }, value: 1 })]);

      expect(p.hub.reload()).toBe(true);
      await within(5000, "both workers reloading", async () => reloads.length === 2);
      expect(reloads).toEqual([
        { id: 1, lead: true },
        { id: 2, lead: false },
      ]);

      expect(await p.stop()).toBe(0);
      expect(p.pids().size).toBe(0);
      await expect(fetchId(port)).rejects.toThrow();
    } finally {
      cluster.off("message", onMessage);
      await p.stop();
    }
  }, 60_000);

  it("resolves 1 when a worker cannot start the first time, and stops the others", async () => {
    process.env.FIXTURE_PORT = String(await freePort());
    process.env.FIXTURE_FAIL = "1";
    const p = startPrimary({ workers: 2, config, logger: silentLogger() });
    expect(await p.done).toBe(1);
    expect(p.pids().size).toBe(0);
  }, 60_000);
});
