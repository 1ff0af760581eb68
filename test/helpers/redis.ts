/**
 * The Redis fixture for tests that need a real Redis: REDIS_URL, else
 * redis://127.0.0.1:6379, else (outside CI) a `redis-server` started here on a free
 * port. With CI=true a missing Redis is an error; elsewhere the suite skips with a
 * printed notice. `startRedisServer` also gives a private server a test may kill and
 * restart (outage tests).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: an abrupt outage) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing answers — a hung Redis. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

/** True when something answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Starts a throwaway `redis-server` (no persistence) on a free port. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const version = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  if (version.error) throw version.error;
  const p = port ?? (await freePort());
  const url = `redis://127.0.0.1:${p}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    // a watchdog shell owns the server and kills it when this test process dies, however it dies
    // (vitest may end a worker without running exit handlers)
    const script = [
      `redis-server --port ${p} --bind 127.0.0.1 --save '' --appendonly no & r=$!`,
      // the shell reaps its server itself (a container's PID 1 may not reap orphans)
      "trap 'kill -9 $r 2>/dev/null; wait $r; exit 0' TERM",
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 0.2; done`,
      "kill -9 $r 2>/dev/null; wait $r",
    ].join("; ");
    const c = spawn("sh", ["-c", script], { stdio: "ignore", detached: true });
    c.unref();
    child = c;
    await waitFor(() => redisAnswers(url, 200), 5000, `redis-server on ${p}`);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c?.pid || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGTERM"); // the shell kills its redis-server (SIGKILL: abrupt) and reaps it
    await exited;
    await waitFor(async () => !(await redisAnswers(url, 100)), 5000, `redis-server on ${p} to stop`);
  };
  const signal = (sig: NodeJS.Signals): void => {
    if (child?.pid) process.kill(-child.pid, sig);
  };
  await start();
  return { url, port: p, stop, start, pause: () => signal("SIGSTOP"), resume: () => signal("SIGCONT") };
}

let resolved: Promise<string | undefined> | undefined;

/**
 * A Redis URL for tests, or undefined (after printing why) when none can be had
 * outside CI. Memoized per test file (each vitest fork).
 */
export function getRedisUrl(): Promise<string | undefined> {
  resolved ??= (async () => {
    const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    if (await redisAnswers(url)) return url;
    if (process.env.CI === "true") throw new Error(`Redis is required in CI but nothing answers at ${url}`);
    try {
      return (await startRedisServer()).url;
    } catch (err) {
      console.warn(
        `[redis fixture] no Redis at ${url} and redis-server could not be started (${(err as Error).message}): skipping Redis tests`,
      );
      return undefined;
    }
  })();
  return resolved;
}

/** A key prefix no other test run shares. */
export const uniquePrefix = (name: string): string => `paddock-test:${name}:${randomUUID()}:`;
