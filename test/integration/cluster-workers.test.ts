/**
 * `paddock serve --workers 2` as a real process tree (the built dist/) in front of the
 * simulator, with the defaults: no Redis, the embedded state file. Both workers answer on one
 * port (`X-Paddock-Worker`); they share one budget per account (the simulator never sees more
 * than the limit, the gateway answers its own 429 beyond it on both workers); one upstream
 * trading stream per account and one data stream per feed in total, with clients on both
 * workers receiving; an order retried through the other worker answers the one order; a halt
 * made through one worker holds on the other within a second; /metrics on any worker is the
 * cluster's sum; a worker killed with SIGKILL is restarted; SIGTERM drains both and the
 * primary exits 0; the audit folder then holds one verified chain per worker. With Redis the
 * workers share the Redis budget and stream leases instead, as instances do; a start that
 * cannot listen ends the command with exit 1 and one line.
 *
 * Needs `npm run build` first (the npm test script builds before vitest).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { authOptionsOf } from "../../src/app.js";
import { createTokenIssuer } from "../../src/auth/token-issuer.js";
import { runInit } from "../../src/cli/commands/init.js";
import { main } from "../../src/cli/main.js";
import { loadConfig } from "../../src/config/load.js";
import { captureOutput } from "../helpers/capture.js";
import { type GatewayProcess, ROOT, requireBuild, spawnGateway } from "../helpers/gateway-process.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import { type SimHandle, simFetch, startTestSim } from "../helpers/start-sim.js";
import { within } from "../helpers/wait.js";
import { connectClient, hasFrame, type TestClient } from "../unit/streams/ws-client.js";

requireBuild("cluster-workers.test.ts");
const redisUrl = await getRedisUrl();
const exec = promisify(execFile);

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP call; without an agent it opens a connection of its own (the cluster hands each to the next worker). */
function call(
  base: string,
  path: string,
  o: { method?: string; token?: string; body?: unknown; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = httpRequest(
      `${base}${path}`,
      {
        method: o.method ?? "GET",
        agent: o.agent ?? false,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A keep-alive connection held by worker `id` (connections are opened until one lands there). */
async function pinned(base: string, id: string): Promise<Agent> {
  for (let i = 0; i < 40; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const r = await call(base, "/livez", { agent });
    if (r.headers["x-paddock-worker"] === id) return agent;
    agent.destroy();
  }
  throw new Error(`no connection reached worker ${id}`);
}

/** A WebSocket client served by worker `id`. */
async function wsOn(url: string, id: string, token: string): Promise<TestClient> {
  for (let i = 0; i < 40; i++) {
    const c = await connectClient(url, { token });
    if (c.upgrade["x-paddock-worker"] === id) return c;
    c.close();
  }
  throw new Error(`no WebSocket reached worker ${id}`);
}

/** The pids of a process's children (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) out.push(Number(entry));
  }
  return out;
}

interface Cluster {
  readonly dir: string;
  readonly path: string;
  readonly raw: Record<string, unknown> & { accounts: Array<Record<string, unknown>> };
  readonly token: string;
  readonly key1: string;
  readonly key2: string;
  readonly g: GatewayProcess;
  readonly exit: Promise<number | null>;
  readonly w1: Agent;
  readonly w2: Agent;
}

/** `paddock init` with two accounts in front of `sim` (acct-002 with a budget of 6 a minute), served by 2 workers. */
async function startCluster(sim: SimHandle, extra: Record<string, unknown> = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), "paddock-workers-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await runInit({ dir, accounts: 2, port: 0, upstream: sim.url });
  const path = join(dir, "paddock.yaml");
  const raw = parse(await readFile(path, "utf8")) as Cluster["raw"];
  raw.logging = { level: "warn" };
  raw.state = { dir: join(dir, "state"), pollIntervalMs: 250 };
  raw.audit = { dir: join(dir, "audit") };
  raw.accounts[1]!.rateLimitPerMinute = 6; // acct-002: a small budget to exhaust
  Object.assign(raw, extra);
  await writeFile(path, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
  const config = (await loadConfig(path, { env: {} })).config;
  const issuer = await createTokenIssuer(authOptionsOf(config).signing!);
  const token = await issuer.issue({
    sub: "ops",
    scopes: ["read", "trade", "data", "admin"],
    accounts: "*",
    ttlSeconds: 600,
  });
  const g = await spawnGateway(path, ["--workers", "2"]);
  cleanups.push(() => g.kill());
  const exit = new Promise<number | null>((r) => g.child.once("exit", (code) => r(code)));
  const seen = new Set<string>();
  await within(30_000, "both workers answering", async () => {
    const r = await call(g.url, "/livez");
    seen.add(String(r.headers["x-paddock-worker"]));
    return seen.has("1") && seen.has("2");
  });
  const [w1, w2] = await Promise.all([pinned(g.url, "1"), pinned(g.url, "2")]);
  cleanups.push(async () => {
    w1.destroy();
    w2.destroy();
  });
  return {
    dir,
    path,
    raw,
    token,
    key1: config.accounts[0]!.keyId,
    key2: config.accounts[1]!.keyId,
    g,
    exit,
    w1,
    w2,
  };
}

/** 16 reads of acct-002 (budget 6 a minute) alternating between the workers: one budget for both. */
async function exhaustSharedBudget(sim: SimHandle, c: Cluster): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < 8; i++) {
    for (const agent of [c.w1, c.w2]) {
      replies.push(await call(c.g.url, "/v1/accounts/acct-002/v2/account", { token: c.token, agent }));
    }
  }
  const ok = replies.filter((r) => r.status === 200);
  const refused = replies.filter((r) => r.status === 429);
  expect(ok.length + refused.length).toBe(16);
  expect(ok.length).toBeLessThanOrEqual(6);
  expect(ok.length).toBeGreaterThanOrEqual(4); // the owner's order snapshot for acct-002's stream may go first
  for (const r of refused) {
    expect(r.headers["x-paddock-source"]).toBe("gateway");
    expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
  }
  // both workers refused: neither had a budget of its own
  expect(new Set(refused.map((r) => r.headers["x-paddock-worker"]))).toEqual(new Set(["1", "2"]));
  expect(sim.stats().requests.byKey[c.key2] ?? 0).toBeLessThanOrEqual(6);
  return refused;
}

describe("paddock serve --workers 2 (no Redis)", () => {
  it("rejects a bad --workers with one line and exit 1", async () => {
    for (const bad of ["0", "two", "-1"]) {
      const out = captureOutput();
      expect(await main(["node", "paddock", "serve", "--config", "x.yaml", "--workers", bad], out)).toBe(1);
      expect(out.stderr.join("\n")).toMatch(
        /--workers.*must be a positive integer \(at most 1024\) or "auto"/,
      );
    }
  });

  it("stops with exit 1 and the worker's one-line reason when the workers cannot start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-workers-busy-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await runInit({ dir, accounts: 1, port: 0, upstream: "http://127.0.0.1:9" });
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => busy.close(r)));
    const port = (busy.address() as AddressInfo).port;
    const run = exec(process.execPath, [
      join(ROOT, "bin/paddock.js"),
      "serve",
      "--config",
      join(dir, "paddock.yaml"),
      "--workers",
      "2",
      "--port",
      String(port),
    ]);
    const failed = (await run.then(
      () => undefined,
      (err: unknown) => err,
    )) as { code?: number; stderr?: string } | undefined;
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^paddock: .*EADDRINUSE/m);
  }, 60_000);

  it("two workers on one port share budgets, streams, ledger and halts, restart after a crash, drain on SIGTERM", async () => {
    const sim = await startTestSim({ rateLimitPerMinute: 0 });
    cleanups.push(() => sim.close());
    await simFetch(sim, "POST", "/_sim/clock", { body: { open: true } });
    const cluster = await startCluster(sim);
    const { dir, path, raw, token, key1, key2, g, exit, w1, w2 } = cluster;

    // 1. one budget for both workers: acct-002 may send 6 a minute, whichever worker sends
    const refused = await exhaustSharedBudget(sim, cluster);

    // 2. streams: clients on both workers, one upstream trading stream per account, one data stream
    const wsBase = g.url.replace(/^http/, "ws");
    const [d1, d2] = [
      await wsOn(`${wsBase}/v1/data/stream/v2/iex`, "1", token),
      await wsOn(`${wsBase}/v1/data/stream/v2/iex`, "2", token),
    ];
    d1.send({ action: "subscribe", quotes: ["AAPL"] });
    d2.send({ action: "subscribe", quotes: ["AAPL", "MSFT"] });
    await d1.waitFor(
      hasFrame((f) => f.T === "q" && f.S === "AAPL"),
      20_000,
    );
    await d2.waitFor(
      hasFrame((f) => f.T === "q" && f.S === "MSFT"),
      20_000,
    );
    await d2.waitFor(
      hasFrame((f) => f.T === "q" && f.S === "AAPL"),
      20_000,
    );
    const [t1, t2] = [
      await wsOn(`${wsBase}/v1/stream/trade_updates`, "1", token),
      await wsOn(`${wsBase}/v1/stream/trade_updates`, "2", token),
    ];
    for (const t of [t1, t2]) {
      t.send({ action: "listen", data: { streams: ["trade_updates"], accounts: ["acct-001"] } });
      await t.waitFor((m) => (m as { stream: string }).stream === "listening");
    }
    const streams = () => sim.stats().streams;
    await within(10_000, "the upstream trading streams", async () => streams()[key1]?.trading === 1);
    const iexTotal = Object.values(streams()).reduce((n, s) => n + (s.iex ?? 0), 0);
    expect(iexTotal).toBe(1);
    expect(streams()[key1]?.trading).toBe(1);
    expect(streams()[key2]?.trading).toBe(1); // recorded: every account's updates, one stream each

    // 3. the ledger: an order placed through worker 1, retried through worker 2, is the one order
    const order = {
      symbol: "AAPL",
      qty: "1",
      side: "buy",
      type: "market",
      time_in_force: "day",
      client_order_id: `workers-${Date.now()}`,
    };
    const placed = await call(g.url, "/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      token,
      body: order,
      agent: w1,
    });
    expect(placed.status).toBe(200);
    const again = await call(g.url, "/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      token,
      body: order,
      agent: w2,
    });
    expect(again.status).toBe(200);
    expect(again.headers["x-paddock-replayed"]).toBe("true");
    const id = (JSON.parse(placed.body) as { id: string }).id;
    expect((JSON.parse(again.body) as { id: string }).id).toBe(id);
    expect(sim.stats().orders.byClientOrderId[order.client_order_id]).toBe(1);
    // its trade updates reach the clients on both workers, with one numbering
    const isMine = (m: unknown) =>
      (m as { stream: string; data?: { order?: { id?: string } } }).data?.order?.id === id;
    const u1 = (await t1.waitFor(isMine, 10_000)) as { seq: number };
    const u2 = (await t2.waitFor(isMine, 10_000)) as { seq: number };
    expect(u1.seq).toBe(u2.seq);

    // 4. a halt made through worker 1 holds on worker 2 within a second
    const halt = await call(g.url, "/v1/admin/accounts/acct-001/halt", { method: "POST", token, agent: w1 });
    expect(halt.status).toBe(200);
    const haltMs = await within(1000, "the halt on worker 2", async () => {
      const r = await call(g.url, "/v1/accounts/acct-001/v2/orders", {
        method: "POST",
        token,
        body: { ...order, client_order_id: `after-halt-${Date.now()}` },
        agent: w2,
      });
      return r.status !== 200 && r.headers["x-paddock-worker"] === "2";
    });

    // 5. a reload reaches every worker: an admin reload made on worker 1, and SIGHUP on the primary
    const tagsOn = async (agent: Agent): Promise<string[]> => {
      const r = await call(g.url, "/v1/accounts", { token, agent });
      const accounts = (JSON.parse(r.body) as { accounts: Array<{ id: string; tags: string[] }> }).accounts;
      return accounts.find((a) => a.id === "acct-002")!.tags;
    };
    const retag = async (tags: string[]) => {
      raw.accounts[1]!.tags = tags;
      await writeFile(path, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
    };
    await retag(["demo", "api-reload"]);
    const reloaded = await call(g.url, "/v1/admin/reload", { method: "POST", token, agent: w1 });
    expect(reloaded.status).toBe(200);
    await within(2000, "worker 2 following the reload", async () =>
      (await tagsOn(w2)).includes("api-reload"),
    );
    await retag(["demo", "sighup"]);
    g.child.kill("SIGHUP");
    await within(2000, "both workers reloading on SIGHUP", async () =>
      (await Promise.all([tagsOn(w1), tagsOn(w2)])).every((t) => t.includes("sighup")),
    );
    expect(g.child.exitCode).toBeNull();

    // 6. /metrics on either worker is the sum over both (and the primary's own series)
    for (const agent of [w1, w2]) {
      const m = await call(g.url, "/metrics", { agent });
      expect(m.status).toBe(200);
      expect(m.body).toMatch(/^paddock_workers 2$/m);
      const answered = [
        ...m.body.matchAll(/^paddock_http_requests_total\{[^}]*status_class="4xx"[^}]*\} (\d+)$/gm),
      ];
      expect(answered.reduce((n, x) => n + Number(x[1]), 0)).toBeGreaterThanOrEqual(refused.length);
    }

    // 7. a worker killed with SIGKILL is restarted and serves again
    const before = await childrenOf(g.child.pid!);
    expect(before).toHaveLength(2);
    process.kill(before[0]!, "SIGKILL");
    const restartMs = await within(30_000, "a new worker serving", async () => {
      const now = await childrenOf(g.child.pid!);
      if (now.length !== 2 || now.includes(before[0]!)) return false;
      const answered = new Set<string>();
      for (let i = 0; i < 6; i++)
        answered.add(String((await call(g.url, "/livez")).headers["x-paddock-worker"]));
      return answered.has("1") && answered.has("2");
    });
    // the survivor (or the new worker) holds the account's one trading stream again
    await within(10_000, "one trading stream after the restart", async () => streams()[key1]?.trading === 1);
    for (const c of [d1, d2, t1, t2]) c.close();
    console.log(`[cluster-workers] halt_to_other_worker_ms=${haltMs} restart_ms=${restartMs}`);

    // 8. SIGTERM: both workers drain, the primary exits 0; one verified chain per worker
    w1.destroy();
    w2.destroy();
    g.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(await childrenOf(g.child.pid!)).toEqual([]);
    const chains = (await readdir(join(dir, "audit"))).filter((f) => /^audit-[^.]*\.jsonl$/.test(f));
    expect(chains, (await readdir(join(dir, "audit"))).join(" ")).toHaveLength(2);
    const verified = await exec(process.execPath, [
      join(ROOT, "bin/paddock.js"),
      "audit",
      "verify",
      "--config",
      path,
      join(dir, "audit"),
    ]);
    expect(verified.stdout.match(/^ok: audit-\S+: [1-9]\d* lines verified/gm)).toHaveLength(2);
  }, 120_000);
});

describe.skipIf(!redisUrl)("paddock serve --workers 2 with Redis", () => {
  it("the workers share the Redis budget and stream leases as instances do", async () => {
    const sim = await startTestSim({ rateLimitPerMinute: 0 });
    cleanups.push(() => sim.close());
    const cluster = await startCluster(sim, {
      cache: { redisUrl, redisKeyPrefix: uniquePrefix("workers") },
    });
    await exhaustSharedBudget(sim, cluster);
    // every worker records every account's updates: still one upstream trading stream per account
    await within(15_000, "one trading stream per account", async () => {
      const s = sim.stats().streams;
      return s[cluster.key1]?.trading === 1 && s[cluster.key2]?.trading === 1;
    });
    cluster.w1.destroy();
    cluster.w2.destroy();
    cluster.g.child.kill("SIGTERM");
    expect(await cluster.exit).toBe(0);
  }, 120_000);
});
