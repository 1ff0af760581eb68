/**
 * A small file-backed AsyncKv (one JSON object, mode 0600) for the subject keys
 * when no state store is at hand (the CLI, a gateway without one). Every read
 * re-loads the file when it changed, and every change is read-modify-write under
 * a lock file, then written atomically (temp file, fsync, rename): a `gdpr erase`
 * from the CLI while the gateway runs is neither lost nor undone.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { PaddockError } from "../errors.js";
import type { AsyncKv } from "./subject-keys.js";

export interface FileKvDeps {
  /** How long to wait for another process's lock before failing; default 5,000 ms. */
  readonly lockTimeoutMs?: number;
  /** A lock older than this is taken as left by a crash; default 30,000 ms. */
  readonly staleLockMs?: number;
}

type Entries = Record<string, string>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createFileKv(path: string, deps: FileKvDeps = {}): AsyncKv {
  const lockPath = `${path}.lock`;
  const lockTimeoutMs = deps.lockTimeoutMs ?? 5000;
  const staleLockMs = deps.staleLockMs ?? 30_000;
  let cache: { entries: Entries; stamp: string } | undefined;
  let local: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Entries> {
    let stamp: string;
    try {
      const s = await stat(path);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
    if (cache?.stamp === stamp) return cache.entries;
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    const entries = (parsed as { entries?: Entries } | null)?.entries;
    if (typeof entries !== "object" || entries === null) {
      throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: `${path}: not a subject key file` });
    }
    cache = { entries, stamp };
    return entries;
  }

  async function lock(): Promise<void> {
    const started = Date.now();
    for (;;) {
      try {
        const fh = await open(lockPath, "wx", 0o600);
        await fh.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleLockMs) await rm(lockPath, { force: true });
      else if (Date.now() - started > lockTimeoutMs) {
        throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: `${lockPath} is held by another process` });
      } else await sleep(20);
    }
  }

  async function mutate(change: (entries: Entries) => void): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await lock();
    try {
      cache = undefined;
      const entries = { ...(await load()) };
      change(entries);
      const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(`${JSON.stringify({ v: 1, entries })}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      cache = undefined;
    } finally {
      await rm(lockPath, { force: true });
    }
  }

  /** Changes in this process run one at a time (the lock file is not re-entrant). */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = local.then(task, task);
    local = run.catch(() => {});
    return run;
  }

  return {
    get: (key) => serial(async () => (await load())[key]),
    put: (key, value) =>
      serial(() =>
        mutate((e) => {
          e[key] = value;
        }),
      ),
    delete: (key) =>
      serial(() =>
        mutate((e) => {
          delete e[key];
        }),
      ),
    update: (key, change) =>
      serial(async () => {
        let after: string | undefined;
        await mutate((e) => {
          const next = change(e[key]);
          if (next !== undefined) e[key] = next;
          after = e[key];
        });
        return after;
      }),
  };
}
