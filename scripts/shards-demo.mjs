#!/usr/bin/env node
/**
 * Shards end to end on one machine, with real processes: a simulator, S shards × R gateway
 * processes sharing one Redis, a routing proxy built from the map `paddock shards map` generates,
 * and a fleet of N accounts across them. It shows a per-account read routed to its shard,
 * `/v1/accounts` and `/v1/portfolio` through the proxy listing every account, and a block order
 * across every shard; it measures start-up, each call, and each process's resident memory.
 *
 *   npm run build
 *   node scripts/shards-demo.mjs                                   # 2 shards × 2 processes, 2,000 accounts
 *   node scripts/shards-demo.mjs --accounts 5000 --shards 5 --replicas 1
 *   node scripts/shards-demo.mjs --json                            # the report as JSON (the tests read it)
 *
 * Needs Redis: REDIS_URL, default redis://127.0.0.1:6379. Everything binds to 127.0.0.1 and is
 * stopped (SIGTERM) at the end; the temporary directory is removed.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "bin/paddock.js");

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "2000" },
    shards: { type: "string", default: "2" },
    replicas: { type: "string", default: "2" },
    redis: { type: "string", default: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    json: { type: "boolean", default: false },
    "block-accounts": { type: "string", default: "10" },
  },
});
const N = Number(args.accounts);
const S = Number(args.shards);
const R = Number(args.replicas);
const say = args.json ? () => {} : (line) => console.log(line);

const freePort = () =>
  new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });

const children = [];
function start(name, argv, env = {}) {
  const child = spawn(process.execPath, [CLI, ...argv], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  const keep = (b) => {
    lines.push(...b.toString().split("\n").filter(Boolean));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const proc = { name, child, output: () => lines.join("\n") };
  children.push(proc);
  return proc;
}

async function run(argv) {
  const p = start(`paddock ${argv[0]}`, argv);
  const out = [];
  p.child.stdout.on("data", (b) => out.push(b));
  const code = await new Promise((ok) => p.child.once("exit", ok));
  children.splice(children.indexOf(p), 1);
  if (code !== 0) throw new Error(`paddock ${argv.join(" ")} failed:\n${p.output()}`);
  return Buffer.concat(out).toString();
}

async function waitFor(what, check, limitMs = 120_000) {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      /* not yet */
    }
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rssMiB = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t), value };
}

const report = { accounts: N, shards: S, replicasPerShard: R };
let dir;
try {
  dir = await mkdtemp(join(tmpdir(), "paddock-shards-demo-"));
  const simPort = await freePort();
  const sim = start("sim", ["sim", "--port", String(simPort), "--rate-limit", "0", "--seed", "7"]);
  const simUrl = `http://127.0.0.1:${simPort}`;
  await waitFor("simulator", async () => (await fetch(`${simUrl}/_sim/stats`)).ok);

  await run([
    "init",
    "--dir",
    dir,
    "--accounts",
    String(N),
    "--shards",
    String(S),
    "--upstream",
    simUrl,
    "--port",
    "0",
  ]);
  const configPath = join(dir, "paddock.yaml");
  const raw = parse(await readFile(configPath, "utf8"));
  const ports = [];
  for (let s = 0; s < S; s++) ports.push(await Promise.all(Array.from({ length: R }, freePort)));
  raw.shards.forEach((shard, s) => {
    shard.urls = ports[s].map((p) => `http://127.0.0.1:${p}`);
  });
  raw.cache = { redisUrl: args.redis, redisKeyPrefix: `paddock-demo:${process.pid}:${Date.now()}:` };
  raw.logging = { level: "warn", format: "json" };
  // the demo measures the request path; trade-update recording would open N upstream streams
  raw.streams = { recordTradeUpdates: false };
  raw.upstream = { ...raw.upstream, preconnect: false };
  await writeFile(configPath, stringify(raw, { lineWidth: 0 }));
  say(`config: ${configPath} (${N} accounts in ${S} shards of at most ${Math.ceil(N / S)})`);

  const started = performance.now();
  const replicas = [];
  for (let s = 0; s < S; s++) {
    for (let r = 0; r < R; r++) {
      const port = ports[s][r];
      const p = start(
        `s${s + 1}.${r + 1}`,
        ["serve", "--config", configPath, "--port", String(port), "--host", "127.0.0.1"],
        {
          PADDOCK_SHARD: `s${s + 1}`,
        },
      );
      replicas.push({ ...p, shard: `s${s + 1}`, url: `http://127.0.0.1:${port}` });
    }
  }
  for (const r of replicas) {
    await waitFor(`${r.name} /livez`, async () => {
      if (r.child.exitCode !== null) throw new Error(`${r.name} exited:\n${r.output()}`);
      return (await fetch(`${r.url}/livez`)).ok;
    });
  }
  report.startMs = Math.round(performance.now() - started);
  say(`${replicas.length} gateway processes up in ${report.startMs} ms`);

  const mapFile = join(dir, "routing.nginx.conf");
  const proxyPort = await freePort();
  await writeFile(
    mapFile,
    await run(["shards", "map", "--config", configPath, "--format", "nginx", "--listen", String(proxyPort)]),
  );
  const proxy = start("proxy", ["shards", "proxy", "--map", mapFile, "--port", String(proxyPort)]);
  const via = `http://127.0.0.1:${proxyPort}`;
  await waitFor("routing proxy", async () => (await fetch(`${via}/livez`)).ok);
  say(`routing proxy ${via} from ${mapFile}`);

  const token = (
    await run([
      "token",
      "issue",
      "--config",
      configPath,
      "--sub",
      "demo",
      "--accounts",
      "*",
      "--scopes",
      "read trade",
    ])
  ).trim();
  const get = (path) => fetch(`${via}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const getJson = async (path) => {
    const res = await get(path);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  report.registryMs = await waitFor("every replica sees every shard", async () => {
    const pages = await Promise.all(
      replicas.map(async (r) => {
        const res = await fetch(`${r.url}/v1/accounts?limit=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return res.json();
      }),
    );
    return pages.every((p) => p.partial === false && p.total === N);
  });

  // a per-account read of one account of each shard, through the proxy
  const layout = JSON.parse(await run(["shards", "map", "--config", configPath, "--format", "json"]));
  report.perAccount = [];
  for (const shard of layout.shards) {
    const id = shard.accounts[Math.floor(shard.accounts.length / 2)];
    const { ms, value: res } = await timed(() => get(`/v1/accounts/${id}/v2/account`));
    const body = await res.json();
    report.perAccount.push({
      account: id,
      status: res.status,
      servedBy: res.headers.get("x-paddock-shard"),
      expected: shard.id,
      ms,
      cash: body.cash,
    });
    say(
      `GET /v1/accounts/${id}/v2/account -> ${res.status} from shard ${res.headers.get("x-paddock-shard")} (owner ${shard.id}) in ${ms} ms`,
    );
  }

  const list = await timed(() => getJson("/v1/accounts"));
  report.accountsList = {
    ms: list.ms,
    count: list.value.accounts.length,
    total: list.value.total,
    partial: list.value.partial,
    inIdOrder: list.value.accounts.every((a, i, all) => i === 0 || all[i - 1].id < a.id),
  };
  say(
    `GET /v1/accounts -> ${list.value.accounts.length} of ${list.value.total} accounts, partial ${list.value.partial}, ${list.ms} ms`,
  );

  let cursor = null;
  const paged = [];
  const pagedTime = await timed(async () => {
    do {
      const page = await getJson(`/v1/accounts?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.accounts.map((a) => a.id));
      cursor = page.next_cursor;
    } while (cursor);
  });
  report.accountsPaged = {
    pageSize: 500,
    ms: pagedTime.ms,
    count: paged.length,
    distinct: new Set(paged).size,
  };
  say(
    `GET /v1/accounts?limit=500, every page -> ${paged.length} accounts (${new Set(paged).size} distinct) in ${pagedTime.ms} ms`,
  );

  // the first call fills the snapshots (two upstream reads per account); each replica keeps its own,
  // so the proxy's turns reach a warm one only after every replica has answered once
  const cold = await timed(() => getJson("/v1/portfolio"));
  for (let i = 0; i < replicas.length; i++) await getJson("/v1/portfolio");
  const warm = await timed(() => getJson("/v1/portfolio"));
  report.portfolio = {
    coldMs: cold.ms,
    warmMs: warm.ms,
    accounts: cold.value.totals.accounts,
    failed: cold.value.totals.accounts_failed,
    equity: cold.value.totals.equity,
    partial: cold.value.partial,
  };
  say(
    `GET /v1/portfolio -> ${cold.value.totals.accounts} accounts, equity ${cold.value.totals.equity}, ${cold.value.totals.accounts_failed} failed: ${cold.ms} ms cold, ${warm.ms} ms warm`,
  );

  await fetch(`${simUrl}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: true }) });
  const perShard = Number(args["block-accounts"]);
  const targets = layout.shards.flatMap((s) => s.accounts.slice(0, perShard));
  const block = await timed(async () => {
    const res = await fetch(`${via}/v1/orders:block`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        block_id: `demo-${Date.now()}`,
        accounts: targets,
        allocation: { method: "equal", qty: String(targets.length * 2 + 1) },
        order: { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" },
      }),
    });
    return res.json();
  });
  const stats = await (await fetch(`${simUrl}/_sim/stats`)).json();
  const placedOnce = block.value.children.every((c) => stats.orders.byClientOrderId[c.client_order_id] === 1);
  const shardOf = new Map(layout.shards.flatMap((s) => s.accounts.map((id) => [id, s.id])));
  report.block = {
    ms: block.ms,
    children: block.value.children.length,
    ok: block.value.children.filter((c) => c.status === 200).length,
    shards: [...new Set(block.value.children.map((c) => shardOf.get(c.account)))],
    placedOnce,
  };
  say(
    `POST /v1/orders:block over ${targets.length} accounts of ${report.block.shards.length} shards -> ${report.block.ok} children 200, each placed once: ${placedOnce}, ${block.ms} ms`,
  );

  report.proxyCounts = await (await fetch(`${via}/_routing/counts`)).json();
  report.rssMiB = {};
  for (const r of replicas) report.rssMiB[r.name] = await rssMiB(r.child.pid);
  report.rssMiB.sim = await rssMiB(sim.child.pid);
  report.rssMiB.proxy = await rssMiB(proxy.child.pid);
  const gw = replicas.map((r) => report.rssMiB[r.name]);
  report.gatewayRssMiB = { total: gw.reduce((a, b) => a + b, 0), max: Math.max(...gw), min: Math.min(...gw) };
  say(`resident memory (MiB): ${JSON.stringify(report.rssMiB)}`);
  if (args.json) console.log(JSON.stringify(report));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((ok) => {
          if (c.child.exitCode !== null || c.child.signalCode !== null) return ok();
          c.child.once("exit", ok);
          c.child.kill("SIGTERM");
          setTimeout(() => c.child.kill("SIGKILL"), 10_000).unref();
        }),
    ),
  );
  if (dir) await rm(dir, { recursive: true, force: true });
}
