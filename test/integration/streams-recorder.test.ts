/**
 * Trade updates are recorded with nobody listening: two gateway instances share one
 * Redis and one fleet, no WebSocket client connects, orders are placed and filled or
 * canceled in the simulator directly, and each event is in the audit trail (the union
 * of both instances' trails) exactly once, from the one upstream stream per account.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { buildGateway, type Gateway } from "../../src/app.js";
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import { listenGateway } from "../../src/main.js";
import { silentLogger } from "../../src/observability/logger.js";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import type { SimStats } from "../helpers/start-gateway.js";

const redisUrl = await getRedisUrl();

interface TradeRecord {
  action: string;
  account?: string;
  orderId?: string;
  request?: { event?: string; seq?: number; filled_qty?: string };
}

let sim: SimHandle;
let dir: string;
const gateways: Gateway[] = [];
const auditDirs: string[] = [];

/** Every `trade_update` record in every file of both instances' audit folders. */
async function tradeRecords(): Promise<TradeRecord[]> {
  const out: TradeRecord[] = [];
  for (const d of auditDirs) {
    const files = await readdir(d, { recursive: true }).catch(() => [] as string[]);
    for (const f of files) {
      const text = await readFile(join(d, f), "utf8").catch(() => "");
      for (const line of text.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const r = JSON.parse(line) as TradeRecord;
          if (r.action === "trade_update") out.push(r);
        } catch {
          // a line being written, or a file that is not a trail
        }
      }
    }
  }
  return out;
}

/** Polls an asynchronous condition until it holds or `timeoutMs` passes; returns its last answer. */
async function eventually(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const simStats = async (): Promise<SimStats> =>
  (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimStats;

/** Places an order in the simulator with the account's own keys (not through the gateway). */
async function simOrder(keys: { keyId: string; secretKey: string }, body: object): Promise<string> {
  const res = await fetch(`${sim.url}/v2/orders`, {
    method: "POST",
    headers: {
      "apca-api-key-id": keys.keyId,
      "apca-api-secret-key": keys.secretKey,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

type Placed = { account: string; id: string };

/** One market buy per account, placed in the simulator; the orders fill at once while the clock is open. */
async function marketBuyEach(
  accounts: readonly { id: string; credentials(): { keyId: string; secretKey: string } }[],
  symbol: string,
): Promise<Placed[]> {
  const out: Placed[] = [];
  for (const a of accounts) {
    const body = { symbol, qty: "1", side: "buy", type: "market", time_in_force: "day" };
    out.push({ account: a.id, id: await simOrder(a.credentials(), body) });
  }
  return out;
}

/** The records last read by `recordedAll`. */
let records: TradeRecord[] = [];
const count = (o: Placed, event: string): number =>
  records.filter((r) => r.account === o.account && r.orderId === o.id && r.request?.event === event).length;
/** A condition: every order of `list` has its `event` in the trails (re-reads them). */
const recordedAll = (list: readonly Placed[], event: string) => async (): Promise<boolean> => {
  records = await tradeRecords();
  return list.every((o) => count(o, event) >= 1);
};

describe.skipIf(!redisUrl)("trade updates recorded with no client connected (two instances, Redis)", () => {
  beforeAll(async () => {
    sim = await startSim({ port: 0, seed: 11, rateLimitPerMinute: 200 });
    dir = await mkdtemp(join(tmpdir(), "paddock-recorder-"));
    await runInit({ dir, accounts: 3, port: 0, upstream: sim.url });
    const raw = parse(await readFile(join(dir, "paddock.yaml"), "utf8")) as Record<string, unknown>;
    const prefix = uniquePrefix("streams-recorder");
    for (const name of ["a", "b"]) {
      const auditDir = join(dir, `audit-${name}`);
      auditDirs.push(auditDir);
      const cfg = {
        ...raw,
        audit: { ...(raw.audit as object), dir: auditDir, durability: "fsync" },
        cache: { ...(raw.cache as object), redisUrl, redisKeyPrefix: prefix },
      };
      const path = join(dir, `paddock-${name}.yaml`);
      await writeFile(path, stringify(cfg, { lineWidth: 0 }));
      const gw = await buildGateway(await loadConfig(path, { env: {} }), { logger: silentLogger() });
      gateways.push(gw);
      await listenGateway(gw, 0, "127.0.0.1");
    }
  }, 30_000);
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("holds exactly one upstream trading stream per account across the two instances", async () => {
    const keys = gateways[0]!.fleet.list().map((a) => a.credentials().keyId);
    expect(keys).toHaveLength(3);
    const tradingOf = (s: SimStats, k: string) => s.streams[k]?.trading ?? 0;
    let stats = await simStats();
    await eventually(async () => {
      stats = await simStats();
      return keys.every((k) => tradingOf(stats, k) === 1);
    }, 15_000);
    for (const k of keys) expect(tradingOf(stats, k)).toBe(1);
    expect(stats.rateLimited.total).toBe(0);
  });

  it("records every fill and cancel exactly once in the union of the two trails", async () => {
    await fetch(`${sim.url}/_sim/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ open: true }),
    });
    const accounts = gateways[0]!.fleet.list();
    // every stream listening before the first order (the simulator counts a socket once it authenticates)
    const isListening = async () => {
      const up = new Set<string>();
      for (const g of gateways) {
        const metric = await g.metrics.registry.getSingleMetric("paddock_stream_upstream_connected")?.get();
        for (const v of metric?.values ?? []) if (v.value === 1) up.add(String(v.labels.upstream));
      }
      return accounts.every((a) => up.has(`trading:${a.id}`));
    };
    expect(await eventually(isListening, 15_000)).toBe(true);

    const fills = await marketBuyEach(accounts, "AAPL");
    const cancels: Placed[] = [];
    for (const a of accounts) {
      const keys = a.credentials();
      const body = {
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "day",
      };
      const resting = await simOrder(keys, body);
      const del = await fetch(`${sim.url}/v2/orders/${resting}`, {
        method: "DELETE",
        headers: { "apca-api-key-id": keys.keyId, "apca-api-secret-key": keys.secretKey },
      });
      expect(del.status).toBe(204);
      cancels.push({ account: a.id, id: resting });
    }
    expect(await eventually(recordedAll(fills, "fill"), 15_000)).toBe(true);
    expect(await eventually(recordedAll(cancels, "canceled"), 15_000)).toBe(true);
    // a last event per account, recorded after every earlier one: a duplicate would be in by now
    const markers = await marketBuyEach(accounts, "MSFT");
    expect(await eventually(recordedAll(markers, "fill"), 15_000)).toBe(true);
    for (const f of [...fills, ...markers]) expect(count(f, "fill"), `fill of ${f.id}`).toBe(1);
    for (const c of cancels) expect(count(c, "canceled"), `cancel of ${c.id}`).toBe(1);
    // one sequence per account, no number used twice
    for (const a of accounts) {
      const seqs = records.filter((r) => r.account === a.id).map((r) => r.request?.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  }, 60_000);

  it("records a fill made while the streams change owner exactly once (the new owner resumes)", async () => {
    const [a, b] = gateways as [Gateway, Gateway];
    const accounts = b.fleet.list();
    const before = await tradeRecords();
    expect(before.length).toBeGreaterThan(0);
    // the first instance goes away (its leases are released); orders fill before the other takes over
    await a.close();
    const fills = await marketBuyEach(accounts, "AAPL");
    expect(await eventually(recordedAll(fills, "fill"), 20_000)).toBe(true);
    // the second instance now holds every stream; a later fill per account closes the window for duplicates
    const markers = await marketBuyEach(accounts, "MSFT");
    expect(await eventually(recordedAll(markers, "fill"), 20_000)).toBe(true);
    for (const f of [...fills, ...markers]) expect(count(f, "fill"), `fill of ${f.id}`).toBe(1);
    // nothing recorded before the takeover was recorded again by the new owner: every order state once
    const states = records.map((r) => `${r.orderId} ${r.request?.event} ${r.request?.filled_qty}`);
    expect(states.filter((k, n) => states.indexOf(k) !== n)).toEqual([]);
    expect(records.length).toBeGreaterThan(before.length);
    const keys = b.fleet.list().map((x) => x.credentials().keyId);
    const stats = await simStats();
    for (const k of keys) expect(stats.streams[k]?.trading).toBe(1);
  }, 60_000);
});
