import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { runInit } from "../../../src/cli/commands/init.js";
import { loadConfig } from "../../../src/config/load.js";
import { openStateStore, STATE_FILE } from "../../../src/state/index.js";
import { getRedisUrl, uniquePrefix } from "../../helpers/redis.js";

const redisUrl = await getRedisUrl();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function configWith(edit: (raw: Record<string, unknown>) => void = () => undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "paddock-open-state-"));
  dirs.push(dir);
  await runInit({ dir, accounts: 1, port: 0, upstream: "http://127.0.0.1:1" });
  const path = join(dir, "paddock.yaml");
  const raw = parse(await readFile(path, "utf8")) as Record<string, unknown>;
  edit(raw);
  await writeFile(path, stringify(raw));
  return path;
}

describe("openStateStore", () => {
  it("without Redis opens the SQLite file in state/ next to the config", async () => {
    const path = await configWith();
    const { config } = await loadConfig(path, { env: {} });
    expect(config.state).toEqual({ dir: join(path, "..", "state"), pollIntervalMs: 250 });
    const store = await openStateStore(config);
    expect(store.kind).toBe("sqlite");
    await store.put("halts", "*", "x");
    expect(existsSync(join(path, "..", "state", STATE_FILE))).toBe(true);
    await store.close();
  });

  it("PADDOCK_STATE_DIR moves it (a read-only config mount)", async () => {
    const path = await configWith();
    const elsewhere = join(tmpdir(), `paddock-state-env-${Date.now()}`);
    dirs.push(elsewhere);
    const { config } = await loadConfig(path, { env: { PADDOCK_STATE_DIR: elsewhere } });
    expect(config.state.dir).toBe(elsewhere);
  });

  it("refuses an unknown state key and a poll interval out of range, by path", async () => {
    const path = await configWith((raw) => {
      raw.state = { dir: "s", pollIntervalMs: 5, extra: 1 };
    });
    const err = await loadConfig(path, { env: {} }).then(
      () => new Error("loaded"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/state\.extra/);
    expect(err.message).toMatch(/state\.pollIntervalMs/);
  });

  it.skipIf(redisUrl === undefined)(
    "with cache.redisUrl keeps the state in Redis under <prefix>state:",
    async () => {
      const prefix = uniquePrefix("open-state");
      const path = await configWith((raw) => {
        raw.cache = { redisUrl, redisKeyPrefix: prefix };
      });
      const { config } = await loadConfig(path, { env: {} });
      const store = await openStateStore(config);
      expect(store.kind).toBe("redis");
      expect(store.location).toBe(`redis ${prefix}state:`);
      await store.put("halts", "*", "x");
      expect(await store.get("halts", "*")).toBe("x");
      await store.close();
    },
  );
});

describe("openStateStore failures", () => {
  it("a state.dir that cannot be written is one clear configuration error", async () => {
    const path = await configWith();
    const blocker = join(path, "..", "not-a-dir");
    await writeFile(blocker, "a file where the state folder should be");
    const { config } = await loadConfig(path, { env: { PADDOCK_STATE_DIR: blocker } });
    await expect(openStateStore(config)).rejects.toThrow(
      /state\.dir .*not-a-dir: cannot open paddock-state\.db/,
    );
  });
});
