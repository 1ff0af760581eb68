/**
 * One chain per instance: the live file is `audit-<instanceId>.jsonl`, held by a
 * lock file `audit-<instanceId>.lock` (pid, host; its mtime is a heartbeat), so two
 * processes never write the same chain even when they share the audit folder.
 *
 * The id comes from `audit.instanceId`, or is generated once per host and kept in
 * `instance-ids.<host>` in the audit folder: a restarted process takes back the
 * first of its host's ids that no live process holds (so its chain continues), and
 * a second process on the same host (`serve --workers`) gets its own.
 */
import { randomBytes } from "node:crypto";
import { appendFile, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { PaddockError } from "../errors.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** What a rotated file name ends with; an id ending like this would be mistaken for one. */
const LOOKS_ROTATED = /-\d{12,}-\d{4}-\d{2}-\d{2}$/;

export function instanceIdProblem(id: string): string | undefined {
  if (!ID.test(id)) return "must be 1-64 letters, digits, _ or -, starting with a letter or digit";
  if (LOOKS_ROTATED.test(`audit-${id}`)) return "must not end like a rotated file name (-<12 digits>-<date>)";
  return undefined;
}

export interface InstanceLockDeps {
  readonly host?: string;
  readonly pid?: number;
  /** A lock from another host whose heartbeat is older than this is stale; default 60,000 ms. */
  readonly staleMs?: number;
  readonly heartbeatMs?: number;
}

export interface InstanceLock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockBody {
  readonly pid: number;
  readonly host: string;
  readonly time: string;
}

export const lockFileName = (instanceId: string) => `audit-${instanceId}.lock`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder of a lock file, when a live process holds it. */
async function liveHolder(path: string, deps: InstanceLockDeps): Promise<LockBody | undefined> {
  let body: LockBody;
  let mtimeMs: number;
  try {
    [body, mtimeMs] = await Promise.all([
      readFile(path, "utf8").then((t) => JSON.parse(t) as LockBody),
      stat(path).then((s) => s.mtimeMs),
    ]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { pid: 0, host: "?", time: "?" }; // being written, or unreadable: treat as held
  }
  const host = deps.host ?? osHostname();
  const pid = deps.pid ?? process.pid;
  if (body.host === host) return body.pid !== pid && pidAlive(body.pid) ? body : undefined;
  return Date.now() - mtimeMs < (deps.staleMs ?? 60_000) ? body : undefined;
}

/** Claims the chain of `instanceId` in `dir`; fails naming the holder when a live process has it. */
export async function lockInstance(
  dir: string,
  instanceId: string,
  deps: InstanceLockDeps = {},
): Promise<InstanceLock> {
  const path = join(dir, lockFileName(instanceId));
  const body: LockBody = {
    pid: deps.pid ?? process.pid,
    host: deps.host ?? osHostname(),
    time: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx", 0o640);
      await fh.writeFile(JSON.stringify(body));
      await fh.close();
      const timer = setInterval(() => {
        const t = new Date();
        void utimes(path, t, t).catch(() => {});
      }, deps.heartbeatMs ?? 10_000);
      timer.unref();
      return {
        path,
        async release() {
          clearInterval(timer);
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = await liveHolder(path, deps);
    if (holder) {
      throw new PaddockError("PADDOCK_UNAVAILABLE", {
        detail: `audit chain ${instanceId} is in use by pid ${holder.pid} on host ${holder.host} (${path}; remove it only if that process is gone)`,
      });
    }
    await rm(path, { force: true });
  }
  throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: `cannot lock ${path}` });
}

function safeHost(host: string): string {
  const s = host.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
  return /^[A-Za-z0-9]/.test(s) ? s : `h${s}`;
}

/**
 * The configured id, else the first id kept for this host that no live process
 * holds, else a new one (kept for next time). `claim` is called with each
 * candidate until one succeeds.
 */
export async function claimInstance(
  dir: string,
  configured: string | undefined,
  deps: InstanceLockDeps = {},
): Promise<{ instanceId: string; lock: InstanceLock }> {
  if (configured !== undefined)
    return { instanceId: configured, lock: await lockInstance(dir, configured, deps) };
  const host = safeHost(deps.host ?? osHostname());
  const listPath = join(dir, `instance-ids.${host}`);
  const known = await readFile(listPath, "utf8").then(
    (t) => t.split("\n").filter((id) => id.length > 0 && instanceIdProblem(id) === undefined),
    () => [] as string[],
  );
  for (const id of known) {
    try {
      return { instanceId: id, lock: await lockInstance(dir, id, deps) };
    } catch (err) {
      if (!(err instanceof PaddockError)) throw err;
    }
  }
  const id = `${host}-${randomBytes(3).toString("hex")}`;
  await appendFile(listPath, `${id}\n`, { mode: 0o640 });
  return { instanceId: id, lock: await lockInstance(dir, id, deps) };
}
