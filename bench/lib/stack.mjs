/**
 * The pieces a scenario starts: the simulator, a gateway configuration, the gateway, the bare
 * proxy, the DIY Fastify gateway, and a JWT. All of them through the `paddock` CLI (bin/paddock.js), like a user would.
 * Every process is registered on `ctx.processes` so the runner stops it after the scenario.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { answers, startNode } from "./processes.mjs";

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PADDOCK = join(ROOT, "bin/paddock.js");
const BARE_PROXY = join(ROOT, "bench/bare-proxy.mjs");
const DIY_GATEWAY = join(ROOT, "bench/diy-gateway.mjs");

/** A port free right now on 127.0.0.1 (the kernel's pick). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `paddock sim --rate-limit 0` (its per-key limit off) in its own process. */
export async function startSim(ctx, { name = "sim", seed = 1 } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startNode({
    name,
    args: [PADDOCK, "sim", "--port", String(port), "--rate-limit", "0", "--seed", String(seed)],
    logFile: join(ctx.outDir, `${name}.log`),
    ready: () => answers(`${url}/v2/clock`),
  });
  ctx.processes.push(proc);
  return { url, proc };
}

/** Account ids as `paddock init` names them. */
export const accountIds = (n) =>
  Array.from({ length: n }, (_, i) => `acct-${String(i + 1).padStart(3, "0")}`);

/** Alpaca key pairs for the direct, bare-proxy and DIY-gateway baselines (the simulator accepts any pair). */
export function benchKeys(ids) {
  return Object.fromEntries(
    ids.map((id) => [id, { keyId: `PKBENCH${id.replace(/\D/g, "")}`, secretKey: `bench-secret-${id}` }]),
  );
}

/**
 * `paddock init` and then the benchmark's edits to paddock.yaml: the gateway's per-account budget
 * raised (still enforced, never reached), info logs, the audit durability, pools preconnected.
 */
export async function gatewayConfig(
  ctx,
  { name, accounts, upstream, durability = "batched", rateLimitPerMinute = 1_000_000_000, preconnect = true },
) {
  const dir = join(ctx.outDir, name);
  await run(process.execPath, [
    PADDOCK,
    "init",
    "--dir",
    dir,
    "--accounts",
    String(accounts),
    "--upstream",
    upstream,
  ]);
  const configPath = join(dir, "paddock.yaml");
  const doc = parse(await readFile(configPath, "utf8"));
  doc.upstream = { ...doc.upstream, rateLimitPerMinute, preconnect };
  doc.logging = { level: "info" };
  doc.audit = { ...doc.audit, durability };
  await writeFile(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  return { dir, configPath, ids: accountIds(accounts) };
}

/** `paddock token issue` for every account with read, trade and data scopes. */
export async function issueToken(configPath) {
  const { stdout } = await run(process.execPath, [
    PADDOCK,
    "token",
    "issue",
    "--config",
    configPath,
    "--sub",
    "bench",
    "--accounts",
    "*",
    "--scopes",
    "read trade data",
    "--ttl",
    "2h",
  ]);
  return stdout.trim();
}

/** `paddock serve` in its own process (logs to a file); ready when /readyz says 200. */
export async function startGateway(
  ctx,
  { name = "gateway", configPath, nodeArgs = [], args = [], timeoutMs, onPoll },
) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startNode({
    name,
    nodeArgs,
    args: [PADDOCK, "serve", "--config", configPath, "--port", String(port), ...args],
    logFile: join(ctx.outDir, `${name}.log`),
    ready: () => answers(`${url}/readyz`, { exact: true }),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(onPoll ? { onPoll } : {}),
  });
  ctx.processes.push(proc);
  const workers = Number(args[args.indexOf("--workers") + 1] ?? 1);
  if (args.includes("--workers") && workers > 1) await everyWorkerUp(url, workers);
  return { url, proc };
}

/** Until every worker of `serve --workers N` has answered /readyz (each names itself in X-Paddock-Worker). */
async function everyWorkerUp(url, workers, timeoutMs = 60_000) {
  const seen = new Set();
  const until = Date.now() + timeoutMs;
  while (seen.size < workers) {
    if (Date.now() > until) throw new Error(`only ${seen.size} of ${workers} workers answered at ${url}`);
    // a new connection each time, so the cluster's round robin reaches every worker
    const res = await fetch(`${url}/readyz`, { headers: { connection: "close" } }).catch(() => undefined);
    const worker = res?.headers.get("x-paddock-worker");
    if (res?.status === 200 && worker) seen.add(worker);
    await res?.body?.cancel();
    if (seen.size < workers) await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A baseline script (bench/bare-proxy.mjs, bench/diy-gateway.mjs) in its own process, given the
 * baseline key pairs of `ids` and a free port; ready when its /livez answers.
 */
async function startBaseline(ctx, { script, name, ids, args }) {
  const keysFile = join(ctx.outDir, `${name}-keys.json`);
  await writeFile(keysFile, JSON.stringify(benchKeys(ids)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startNode({
    name,
    args: [script, "--keys", keysFile, "--port", String(port), ...args],
    logFile: join(ctx.outDir, `${name}.log`),
    ready: () => answers(`${url}/livez`),
  });
  ctx.processes.push(proc);
  return { url, proc };
}

/** bench/bare-proxy.mjs in its own process, with the baseline key pairs of `ids`. */
export function startBareProxy(ctx, { upstream, ids, connections = 200, name = "bare-proxy" }) {
  return startBaseline(ctx, {
    script: BARE_PROXY,
    name,
    ids,
    args: ["--upstream", upstream, "--connections", String(connections)],
  });
}

/**
 * bench/diy-gateway.mjs in its own process, with the baseline key pairs of `ids`, verifying tokens
 * against `publicKeyFile` (the `jwt-public.pem` that `paddock init` wrote next to paddock.yaml, so
 * Paddock's bench token works on both) and logging its requests to `<name>-requests.log`.
 */
export function startDiyGateway(
  ctx,
  { upstream, ids, publicKeyFile, issuer = "paddock", max = 1_000_000_000, name = "diy-gateway" },
) {
  return startBaseline(ctx, {
    script: DIY_GATEWAY,
    name,
    ids,
    args: [
      "--upstream",
      upstream,
      "--public-key",
      publicKeyFile,
      "--issuer",
      issuer,
      "--max",
      String(max),
      "--log",
      join(ctx.outDir, `${name}-requests.log`),
    ],
  });
}

export async function ensureDir(dir) {
  await mkdir(dir, { recursive: true });
  return dir;
}
