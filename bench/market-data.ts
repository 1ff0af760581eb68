/**
 * Market-data benchmark (standalone until bench/ has a shared harness).
 *
 *   1. cached 100-symbol snapshot: latency of `GET /v1/data/v2/stocks/snapshots?symbols=<100>`
 *      through the gateway (default TTLs, so the cache refreshes once a second), with 10
 *      connections as fast as possible and with one connection, beside `/livez` as a floor;
 *   2. 1,000 pollers: 1,000 connections, each polling a snapshot of 20 symbols drawn from a
 *      100-symbol universe once a second; counts the upstream data calls that cost.
 *
 * Gateway and simulator run in a child process on 127.0.0.1, autocannon in this one. Run:
 *   npx tsc --outDir bench/out --rootDir . --module nodenext --moduleResolution nodenext \
 *     --target es2023 --strict --skipLibCheck --resolveJsonModule bench/market-data.ts
 *   node bench/out/bench/market-data.js [--duration 10] [--pollers 1000] [--out bench/market-data.results.md]
 */
import { fork } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { buildGateway, type Gateway } from "../src/app.js";
import { runInit } from "../src/cli/commands/init.js";
import { loadConfig } from "../src/config/load.js";
import { MARKET_DATA_PREFIX } from "../src/http/routes/market-data.js";
import { listenGateway } from "../src/main.js";
import { createLogger } from "../src/observability/logger.js";
import { startSim } from "../src/sim/index.js";

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonResult {
  readonly requests: { readonly total: number; readonly average: number };
  readonly latency: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly average: number;
  };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly overallRate?: number;
  readonly headers?: Record<string, string>;
  readonly requests?: ReadonlyArray<{ readonly setupRequest?: (req: { path: string }) => { path: string } }>;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  o: AutocannonOptions,
) => Promise<AutocannonResult>;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

/** A seeded generator (mulberry32) so every run polls the same symbol sets. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The gateway's data routes (app.ts registers them with the market-data service it builds). */
async function dataBase(
  gateway: Gateway,
  gatewayUrl: string,
): Promise<{ url: string; close(): Promise<void> }> {
  if (!gateway.app.hasRoute({ method: "GET", url: `${MARKET_DATA_PREFIX}/v2/stocks/*` })) {
    throw new Error("the gateway serves no market-data routes");
  }
  return { url: `${gatewayUrl}${MARKET_DATA_PREFIX}`, close: async () => {} };
}

interface Served {
  readonly gatewayUrl: string;
  readonly dataUrl: string;
  readonly simUrl: string;
  readonly token: string;
  readonly universe: string[];
}

/** Child process: simulator + gateway; reports its URLs over IPC and runs until killed. */
async function serve(): Promise<void> {
  const redisUrl = process.argv.includes("--redis") ? arg("redis", "redis://127.0.0.1:6379") : undefined;
  const sim = await startSim({ port: 0, seed: 1, rateLimitPerMinute: 0 });
  // A closed session: the simulator does not tick, so its CPU use does not skew the gateway's latency.
  await fetch(`${sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: false }) });
  const dir = await mkdtemp(join(tmpdir(), "paddock-bench-md-"));
  await runInit({ dir, accounts: 3, port: 0, upstream: sim.url });
  const configPath = join(dir, "paddock.yaml");
  const raw = parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  raw.logging = { level: "silent" };
  if (redisUrl) raw.cache = { ...(raw.cache as object), redisUrl, redisKeyPrefix: `bench-${Date.now()}:` };
  await writeFile(configPath, stringify(raw));
  const gateway = await buildGateway(await loadConfig(configPath, { env: {} }), {
    logger: createLogger({ level: "silent" }),
  });
  const gatewayUrl = await listenGateway(gateway, 0, "127.0.0.1");
  const data = await dataBase(gateway, gatewayUrl);
  const token = await gateway.issuer!.issue({
    sub: "bench",
    scopes: ["data"],
    accounts: [],
    ttlSeconds: 3600,
  });
  const assets = (await (
    await fetch(`${sim.url}/v2/assets?status=active`, {
      headers: { "APCA-API-KEY-ID": "bench", "APCA-API-SECRET-KEY": "bench" },
    })
  ).json()) as Array<{ symbol: string; class: string }>;
  const universe = assets
    .filter((a) => a.class === "us_equity" && /^[A-Z]+$/.test(a.symbol))
    .map((a) => a.symbol)
    .slice(0, 100);
  const served: Served = { gatewayUrl, dataUrl: data.url, simUrl: sim.url, token, universe };
  process.send?.(served);
  process.once("SIGTERM", () => {
    void (async () => {
      await data.close();
      await gateway.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

/** Parent process: drives the load and writes the results. */
async function drive(): Promise<void> {
  const duration = Number(arg("duration", "10"));
  const pollers = Number(arg("pollers", "1000"));
  const out = arg("out", "bench/market-data.results.md");
  const passRedis = process.argv.includes("--redis")
    ? ["--redis", arg("redis", "redis://127.0.0.1:6379")]
    : [];
  const child = fork(process.argv[1]!, ["--serve", ...passRedis], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const served = await new Promise<Served>((resolve, reject) => {
    child.once("message", (m) => resolve(m as Served));
    child.once("exit", (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  try {
    await runScenarios(served, { duration, pollers, out, redis: passRedis.length > 0 });
  } finally {
    child.kill("SIGTERM");
  }
}

async function runScenarios(
  served: Served,
  opts: { duration: number; pollers: number; out: string; redis: boolean },
): Promise<void> {
  const { gatewayUrl, dataUrl, simUrl, token, universe } = served;
  const { duration, pollers, out } = opts;
  const headers = { authorization: `Bearer ${token}` };
  if (universe.length < 100) throw new Error(`the simulator lists only ${universe.length} symbols`);
  const snapshots = async (): Promise<number> => {
    const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as {
      requests: { byPath: Record<string, number> };
    };
    return stats.requests.byPath["GET /v2/stocks/snapshots"] ?? 0;
  };

  // 1. cached 100-symbol snapshot
  const path100 = `/v2/stocks/snapshots?symbols=${universe.join(",")}`;
  const warm = await fetch(`${dataUrl}${path100}`, { headers });
  if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}: ${await warm.text()}`);
  const before1 = await snapshots();
  const cached = await autocannon({ url: `${dataUrl}${path100}`, connections: 10, duration, headers });
  const upstream1 = (await snapshots()) - before1;
  // one connection, one request at a time; /livez (a trivial route) is the floor this machine allows
  const sequential = await autocannon({ url: `${dataUrl}${path100}`, connections: 1, duration, headers });
  const floor = await autocannon({ url: `${gatewayUrl}/livez`, connections: 1, duration });

  // 2. pollers at one request a second each
  const next = rng(42);
  const pick = (): string => {
    const set = new Set<string>();
    while (set.size < 20) set.add(universe[Math.floor(next() * universe.length)]!);
    return [...set].join(",");
  };
  const base = new URL(dataUrl).pathname;
  const before2 = await snapshots();
  const polled = await autocannon({
    url: dataUrl,
    connections: pollers,
    overallRate: pollers,
    duration: duration * 2,
    headers,
    requests: [
      { setupRequest: (req) => ({ ...req, path: `${base}/v2/stocks/snapshots?symbols=${pick()}` }) },
    ],
  });
  const upstream2 = (await snapshots()) - before2;

  const lines = [
    "# Market-data benchmark",
    "",
    `Generated by \`bench/market-data.ts\` on ${new Date().toISOString()} (Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} when written).`,
    `Gateway + simulator (session closed: no ticks) in one child process, autocannon in another, on 127.0.0.1; cache defaults (latest TTL 1 s); Redis level: ${opts.redis ? "on" : "off"}.`,
    "",
    "## Cached 100-symbol snapshot",
    "",
    "| requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | upstream calls |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${cached.requests.total} (as fast as possible) | ${cached.requests.average} | ${cached.latency.p50} | ${cached.latency.p90} | ${cached.latency.p99} | ${cached.latency.max} | ${cached.non2xx} | ${cached.errors} | ${upstream1} |`,
    `| ${sequential.requests.total} (1 connection, sequential) | ${sequential.requests.average} | ${sequential.latency.p50} | ${sequential.latency.p90} | ${sequential.latency.p99} | ${sequential.latency.max} | ${sequential.non2xx} | ${sequential.errors} | n/a |`,
    `| ${floor.requests.total} (baseline: \`/livez\`, 1 connection) | ${floor.requests.average} | ${floor.latency.p50} | ${floor.latency.p90} | ${floor.latency.p99} | ${floor.latency.max} | ${floor.non2xx} | ${floor.errors} | n/a |`,
    "",
    `## ${pollers} pollers, one 20-of-100-symbol snapshot a second each, ${duration * 2} s`,
    "",
    "autocannon releases each second's requests together, so latency here includes queueing behind up to",
    `${pollers} simultaneous arrivals; the point of this run is the upstream call count.`,
    "",
    "| client requests | upstream calls | requests per upstream call | p50 ms | p99 ms | non-2xx | errors | timeouts |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${polled.requests.total} | ${upstream2} | ${upstream2 > 0 ? (polled.requests.total / upstream2).toFixed(1) : "∞"} | ${polled.latency.p50} | ${polled.latency.p99} | ${polled.non2xx} | ${polled.errors} | ${polled.timeouts} |`,
    "",
  ];
  await writeFile(out, lines.join("\n"));
  process.stdout.write(`${lines.join("\n")}\n`);
}

const main = (): Promise<void> => (process.argv.includes("--serve") ? serve() : drive());

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
