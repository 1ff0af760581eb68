/** How many workers `--workers` / `server.workers` asks for, and what each worker makes of the configuration. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { runInit } from "../../../src/cli/commands/init.js";
import { parseWorkersOption } from "../../../src/cli/options.js";
import { resolveWorkers } from "../../../src/cluster/primary.js";
import { workerIdentity } from "../../../src/cluster/worker.js";
import { loadConfig } from "../../../src/config/load.js";
import { forWorker } from "../../../src/main.js";

describe("--workers and server.workers", () => {
  it("parses a positive whole number or auto, and refuses anything else", () => {
    expect(parseWorkersOption("1")).toBe(1);
    expect(parseWorkersOption("16")).toBe(16);
    expect(parseWorkersOption("auto")).toBe("auto");
    for (const bad of ["0", "-2", "1.5", "two", "", "AUTO", "2000"]) {
      expect(() => parseWorkersOption(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('"auto" is one per available core (at least one)', () => {
    expect(resolveWorkers("auto", () => 6)).toBe(6);
    expect(resolveWorkers("auto", () => 0)).toBe(1);
    expect(resolveWorkers(3, () => 6)).toBe(3);
  });

  it("a worker knows its id and the count from the environment the primary forked it with", () => {
    expect(workerIdentity({ PADDOCK_WORKER_ID: "2", PADDOCK_WORKERS: "4" })).toEqual({ id: 2, count: 4 });
    expect(workerIdentity({})).toBeUndefined();
    expect(workerIdentity({ PADDOCK_WORKER_ID: "0", PADDOCK_WORKERS: "4" })).toBeUndefined();
  });

  it("a configured audit.instanceId gets the worker's suffix, so each worker keeps a chain of its own", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-workers-cfg-"));
    await runInit({ dir, accounts: 1, port: 0, upstream: "http://127.0.0.1:5999" });
    const loaded = await loadConfig(join(dir, "paddock.yaml"), { env: {} });
    expect(forWorker(loaded, { id: 2 })).toBe(loaded); // no id configured: one is claimed per process
    const named = {
      ...loaded,
      config: { ...loaded.config, audit: { ...loaded.config.audit, instanceId: "gw-a" } },
    };
    const mine = forWorker(named, { id: 2 });
    expect(mine.config.audit.instanceId).toBe("gw-a-w2");
    expect(Object.isFrozen(mine.config.audit)).toBe(true);
    expect(forWorker(named, undefined)).toBe(named);
  });
});
