/**
 * Real gateway processes for tests: `node bin/paddock.js serve` (the built dist/) on a free
 * port, with their output kept for failure messages, stopped gracefully or killed with SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "./redis.js";

export const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "bin/paddock.js");
export const BUILT = join(ROOT, "dist/cli/main.js");

/**
 * Throws with the fix when dist/ is missing (these tests run the build, not src/), and warns
 * loudly when it is older than src/ (not fatal: editing any file makes it "stale").
 */
export function requireBuild(testName: string): void {
  if (!existsSync(BUILT)) {
    throw new Error(
      `${BUILT} is missing: run \`npm run build\` before ${testName} (npm test does it for you)`,
    );
  }
  const builtAt = statSync(BUILT).mtimeMs;
  const newer = (readdirSync(join(ROOT, "src"), { recursive: true }) as string[]).filter(
    (f) => f.endsWith(".ts") && statSync(join(ROOT, "src", f)).mtimeMs > builtAt,
  );
  if (newer.length > 0) {
    console.warn(
      `[${testName}] dist/ is older than ${newer.length} file(s) in src/ (e.g. src/${newer[0]}): ` +
        "the gateway processes run the last build; run `npm run build` if a failure looks odd",
    );
  }
}

export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The last lines it printed. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
  /** SIGKILL: no drain, no flush, the way a crash ends it. */
  kill(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once("exit", () => r()));

/** Starts `paddock serve --config configPath [...args]` and waits until /livez answers. */
export async function spawnGateway(
  configPath: string,
  args: readonly string[] = [],
): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--config", configPath, "--port", String(port), "--host", "127.0.0.1", ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000; // a loaded 2-core machine starts several processes slowly
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${lines.join("\n")}`);
    const ok = await fetch(`${url}/livez`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`gateway did not start:\n${lines.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    output: () => lines.join("\n"),
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited(child);
      clearTimeout(t);
    },
  };
}
