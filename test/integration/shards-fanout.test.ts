/**
 * Two shards in front of one simulator, sharing one Redis: any replica answers the fleet-wide
 * routes for both shards (merged in id order, paged with one cursor, filters over the union),
 * proxies a per-account request to the owning shard, splits a block order over both shards'
 * accounts (each child placed once, by the shard that owns it), and says which shard is missing
 * when one stops answering — then places the pending children once it is back.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { buildGateway, type Gateway } from "../../src/app.js";
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import { listenGateway } from "../../src/main.js";
import { createLogger } from "../../src/observability/logger.js";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { memoryStream } from "../helpers/capture.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import type { SimStats } from "../helpers/start-gateway.js";
import { within } from "../helpers/wait.js";

const redisUrl = await getRedisUrl();

interface Replica {
  gateway: Gateway;
  url: string;
}

let sim: SimHandle;
let dir: string;
let configPath: string;
let token: string;
const replicas = new Map<string, Replica>();

async function startReplica(shard: string): Promise<Replica> {
  const env = { PADDOCK_SHARD: shard };
  const loaded = await loadConfig(configPath, { env });
  const gateway = await buildGateway(loaded, {
    logger: createLogger({ level: "warn", destination: memoryStream().stream }),
    loadConfig: () => loadConfig(configPath, { env }),
  });
  const url = await listenGateway(gateway, 0, "127.0.0.1");
  const r = { gateway, url };
  replicas.set(shard, r);
  return r;
}

const call = (shard: string, path: string, init: RequestInit & { token?: string } = {}) => {
  const { token: t, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("authorization", `Bearer ${t ?? token}`);
  if (rest.body !== undefined) headers.set("content-type", "application/json");
  return fetch(`${replicas.get(shard)!.url}${path}`, { ...rest, headers });
};
const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;

const ids = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `acct-${String(from + i).padStart(3, "0")}`);
const EAST = ids(4, 1);
const WEST = ids(4, 5);

beforeAll(async () => {
  if (!redisUrl) return;
  sim = await startSim({ port: 0, seed: 7, rateLimitPerMinute: 0 });
  dir = await mkdtemp(join(tmpdir(), "paddock-shards-"));
  await runInit({ dir, accounts: 8, port: 0, upstream: sim.url });
  configPath = join(dir, "paddock.yaml");
  const raw = parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  (raw.accounts as Array<{ id: string; tags: string[] }>).forEach((a, i) => {
    a.tags = [i < 4 ? "east" : "west", i % 2 === 0 ? "even" : "odd"];
  });
  raw.cache = { redisUrl, redisKeyPrefix: uniquePrefix("shards-fanout") };
  raw.shards = [
    { id: "s1", tags: ["east"] },
    { id: "s2", tags: ["west"] },
  ];
  raw.shard = { heartbeatMs: 100, ttlMs: 1000, fanoutTimeoutMs: 5000 };
  raw.streams = { recordTradeUpdates: false };
  await writeFile(configPath, stringify(raw, { lineWidth: 0 }));
  const s1 = await startReplica("s1");
  await startReplica("s2");
  token = await s1.gateway.issuer!.issue({
    sub: "ops",
    scopes: ["read", "trade", "admin"],
    accounts: "*",
    ttlSeconds: 3600,
  });
  await within(5000, "the replicas see each other", async () => {
    const pages = await Promise.all(["s1", "s2"].map((s) => json<AccountsPage>(call(s, "/v1/accounts"))));
    return pages.every((p) => p.partial === false);
  });
  await fetch(`${sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: true }) });
});

afterAll(async () => {
  for (const r of replicas.values()) await r.gateway.close();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface AccountsPage {
  accounts: Array<{ id: string; tags: string[] }>;
  next_cursor: string | null;
  total: number;
  shard: string;
  partial: boolean;
  missing_shards: Array<{ shard: string; error: string }>;
}

describe.skipIf(redisUrl === undefined)("two shards behind one Redis", () => {
  it("GET /v1/accounts from either shard lists every account in id order, pages and filters over the union", async () => {
    for (const shard of ["s1", "s2"]) {
      const all = await json<AccountsPage>(call(shard, "/v1/accounts"));
      expect(all.accounts.map((a) => a.id)).toEqual([...EAST, ...WEST]);
      expect(all).toMatchObject({ total: 8, next_cursor: null, shard, partial: false, missing_shards: [] });
    }
    // pages of 3 across both shards: one cursor, no account twice, none left out
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page: AccountsPage = await json<AccountsPage>(call("s2", `/v1/accounts?limit=3${q}`));
      expect(page.accounts.length).toBeLessThanOrEqual(3);
      seen.push(...page.accounts.map((a) => a.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([...EAST, ...WEST]);
    expect(pages).toBe(3);
    // a filter applies on every shard
    const odd = await json<AccountsPage>(call("s1", "/v1/accounts?tag=odd"));
    expect(odd.accounts.map((a) => a.id)).toEqual(["acct-002", "acct-004", "acct-006", "acct-008"]);
    expect(odd.total).toBe(4);
    // a hop (what one replica sends another) is answered for the receiving shard only
    const hop = await json<AccountsPage>(
      call("s1", "/v1/accounts", { headers: { "x-paddock-fanout": "1" } }),
    );
    expect(hop.accounts.map((a) => a.id)).toEqual(EAST);
  });

  it("a token's account list holds across shards", async () => {
    const narrow = await replicas.get("s1")!.gateway.issuer!.issue({
      sub: "desk",
      scopes: ["read"],
      accounts: ["acct-002", "acct-007", "tag:nothing"],
      ttlSeconds: 600,
    });
    const page = await json<AccountsPage>(call("s1", "/v1/accounts", { token: narrow }));
    expect(page.accounts.map((a) => a.id)).toEqual(["acct-002", "acct-007"]);
    expect((await call("s2", "/v1/accounts", { token: "not-a-token" })).status).toBe(401);
  });

  it("GET /v1/portfolio sums every shard's accounts", async () => {
    const p = await json<{
      totals: { equity: string; accounts: number; accounts_failed: number };
      accounts: Array<{ id: string; status: string; equity: string }>;
      total_accounts: number;
      partial: boolean;
    }>(call("s2", "/v1/portfolio"));
    expect(p.accounts.map((a) => a.id)).toEqual([...EAST, ...WEST]);
    expect(p.totals).toMatchObject({ accounts: 8, accounts_failed: 0, equity: "800000" });
    expect(p).toMatchObject({ total_accounts: 8, partial: false });
  });

  it("a per-account request to the wrong shard is proxied to its owner; a hop or an upgrade gets 421 naming it", async () => {
    const res = await call("s1", "/v1/accounts/acct-006/v2/account");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-paddock-shard")).toBe("s2");
    expect(((await res.json()) as { status: string }).status).toBe("ACTIVE");
    const own = await call("s1", "/v1/accounts/acct-001/v2/account");
    expect(own.headers.get("x-paddock-shard")).toBe("s1");
    const posted = await call("s1", "/v1/accounts/acct-007/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get("x-paddock-shard")).toBe("s2");
    const loop = await call("s1", "/v1/accounts/acct-006/v2/account", {
      headers: { "x-paddock-fanout": "1" },
    });
    expect(loop.status).toBe(421);
    expect(((await loop.json()) as { message: string }).message).toContain("shard s2");
    expect((await call("s1", "/v1/accounts/acct-999/v2/account")).status).toBe(404);
  });

  it("a block order over both shards places each child once, on its own shard; any replica reads it back", async () => {
    const body = {
      block_id: "blk-shards",
      accounts: [...EAST, ...WEST],
      allocation: { method: "equal", qty: "10" },
      order: { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" },
    };
    type Block = {
      children: Array<{
        account: string;
        qty: string;
        status: number;
        order: { id: string; status: string } | null;
      }>;
      partial?: boolean;
    };
    const placed = await json<Block>(
      call("s1", "/v1/orders:block", { method: "POST", body: JSON.stringify(body) }),
    );
    expect(placed.children.map((c) => [c.account, c.qty, c.status])).toEqual(
      [...EAST, ...WEST].map((id, i) => [id, i < 2 ? "2" : "1", 200]),
    );
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimStats;
    for (const id of [...EAST, ...WEST]) expect(stats.orders.byClientOrderId[`blk-shards-${id}`]).toBe(1);
    const again = await json<Block>(call("s2", "/v1/orders:block/blk-shards"));
    expect(again.children.map((c) => c.order?.id)).toEqual(placed.children.map((c) => c.order?.id));
    expect(again.children.every((c) => c.order?.status === "filled")).toBe(true);
    // tag targets resolve over the whole fleet, in the list's order
    const preview = await json<{ children: Array<{ account: string; qty: string }> }>(
      call("s2", "/v1/orders:block:preview", {
        method: "POST",
        body: JSON.stringify({ ...body, accounts: "tag:even", block_id: undefined }),
      }),
    );
    expect(preview.children.map((c) => c.account)).toEqual(["acct-001", "acct-003", "acct-005", "acct-007"]);
  });

  it("a halt by tag reaches the tagged accounts of every shard", async () => {
    const halted = await json<{ accounts: string[] }>(
      call("s1", "/v1/admin/tags/odd/halt", { method: "POST" }),
    );
    expect(halted.accounts).toEqual(["acct-002", "acct-004", "acct-006", "acct-008"]);
    const order = () =>
      call("s2", "/v1/accounts/acct-006/v2/orders", {
        method: "POST",
        body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
      });
    await within(3000, "s2 refuses orders on acct-006", async () => (await order()).status === 403);
    await call("s2", "/v1/admin/tags/odd/resume", { method: "POST" });
    await within(3000, "s2 takes orders on acct-006 again", async () => (await order()).status === 200);
  });

  it("a shard that stops answering is named, never silently dropped; its block children wait and go once it is back", async () => {
    await replicas.get("s2")!.gateway.close(); // drains: deregisters
    replicas.delete("s2");
    const page = await json<AccountsPage>(call("s1", "/v1/accounts"));
    expect(page.accounts.map((a) => a.id)).toEqual(EAST);
    expect(page.partial).toBe(true);
    expect(page.missing_shards.map((m) => m.shard)).toEqual(["s2"]);
    expect(page.missing_shards[0]!.error).toMatch(/shard s2/);
    const p = await json<{ partial: boolean; missing_shards: Array<{ shard: string }> }>(
      call("s1", "/v1/portfolio"),
    );
    expect(p).toMatchObject({ partial: true, missing_shards: [{ shard: "s2" }] });

    const body = JSON.stringify({
      block_id: "blk-missing",
      accounts: ["acct-001", "acct-005"],
      allocation: { method: "equal", qty: "2" },
      order: { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" },
    });
    type Block = {
      children: Array<{ status: number; error: { message: string } | null }>;
      missing_shards?: string[];
    };
    const first = await json<Block>(call("s1", "/v1/orders:block", { method: "POST", body }));
    expect(first.children.map((c) => c.status)).toEqual([200, 0]);
    expect(first.children[1]!.error?.message).toMatch(/shard s2/);
    expect(first.missing_shards).toEqual(["s2"]);

    await startReplica("s2");
    await within(5000, "s1 sees s2 again", async () => {
      const r = await json<AccountsPage>(call("s1", "/v1/accounts"));
      return r.partial === false && r.total === 8;
    });
    const second = await json<Block>(call("s1", "/v1/orders:block", { method: "POST", body }));
    expect(second.children.map((c) => c.status)).toEqual([200, 200]);
    expect(second.missing_shards).toBeUndefined();
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimStats;
    expect(stats.orders.byClientOrderId["blk-missing-acct-001"]).toBe(1);
    expect(stats.orders.byClientOrderId["blk-missing-acct-005"]).toBe(1);
  });
});
