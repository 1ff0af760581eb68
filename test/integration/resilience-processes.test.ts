/**
 * Issue 6 across real gateway processes (`node bin/paddock.js serve`, built dist/) sharing a
 * real Redis, in front of an in-process simulator that enforces 200 requests/min per key:
 *
 * - three processes sharing one account never make the simulator answer 429 and stay within
 *   200 requests per rolling minute; killing their Redis mid-run keeps requests flowing (each
 *   on its fallback share) and /readyz says degraded (a budget spent as one burst waits a
 *   minute whatever Redis does, so the clients pace themselves to keep flowing for the run;
 *   hammering one shared budget is proven in budget-redis.test.ts and resilience-budget.test.ts);
 * - a process killed with SIGKILL while an order it sent is unanswered (performed upstream,
 *   answer lost), then restarted on the same store — Redis, or with no Redis the embedded
 *   state file: the client's retry with the same client_order_id gets the one order (looked
 *   up, never resent), and the simulator holds exactly one.
 *
 * Needs `npm run build` first (the npm test script builds before vitest).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { authOptionsOf } from "../../src/app.js";
import { createTokenIssuer } from "../../src/auth/token-issuer.js";
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import {
  createRedisStateStore,
  openSqliteStateStore,
  STATE_FILE,
  type StateStore,
} from "../../src/state/index.js";
import { createOrderLedger } from "../../src/trading/order-ledger.js";
import {
  type GatewayProcess,
  requireBuild,
  spawnGateway as spawnProcess,
} from "../helpers/gateway-process.js";
import { getRedisUrl, type RedisServer, startRedisServer, uniquePrefix } from "../helpers/redis.js";
import { type SimHandle, startTestSim } from "../helpers/start-sim.js";

requireBuild("resilience-processes");

const SIM_LIMIT = 200;
const RUN_MS = 10_000;
const REDIS_STOP_AT_MS = 5_000;
const LOOPS_PER_PROCESS = 2;
/** Pause between a loop's requests: 3 processes × 2 loops ≈ 20 requests/s, under the budget for the run. */
const PACE_MS = 250;

interface SimStats {
  requests: { total: number; byKey: Record<string, number>; byPath: Record<string, number> };
  rateLimited: { total: number; byKey: Record<string, number> };
  orders: { byClientOrderId: Record<string, number> };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function spawnGateway(configPath: string): Promise<GatewayProcess> {
  const g = await spawnProcess(configPath);
  cleanups.push(() => g.kill());
  return g;
}

/** A `paddock init` directory with one account in front of `sim`, edited per test. */
async function makeConfig(
  sim: SimHandle,
  edit: (raw: Record<string, unknown>) => void,
): Promise<{
  dir: string;
  write: (name: string, patch?: (raw: Record<string, unknown>) => void) => Promise<string>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "paddock-res-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await runInit({ dir, accounts: 1, port: 0, upstream: sim.url });
  const base = parse(await readFile(join(dir, "paddock.yaml"), "utf8")) as Record<string, unknown>;
  edit(base);
  return {
    dir,
    async write(name, patch) {
      const raw = structuredClone(base);
      patch?.(raw);
      const path = join(dir, name);
      await writeFile(path, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
      return path;
    },
  };
}

async function tokenFor(configPath: string): Promise<{ token: string; keyId: string }> {
  const loaded = await loadConfig(configPath, { env: {} });
  const issuer = await createTokenIssuer(authOptionsOf(loaded.config).signing!, {});
  const token = await issuer.issue({
    sub: "resilience-test",
    scopes: ["read", "trade"],
    accounts: "*",
    ttlSeconds: 600,
  });
  return { token, keyId: loaded.config.accounts[0]!.keyId };
}

const simStats = async (sim: SimHandle): Promise<SimStats> =>
  (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimStats;
const simPost = (sim: SimHandle, path: string, body: unknown): Promise<Response> =>
  fetch(`${sim.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

describe("three gateway processes sharing one Redis", () => {
  it("never cause an upstream 429, stay within the limit, and keep flowing when Redis dies", async () => {
    let redis: RedisServer;
    try {
      redis = await startRedisServer();
    } catch (err) {
      if (process.env.CI === "true") throw err;
      console.warn(`[resilience-processes] cannot start redis-server (${(err as Error).message}): skipped`);
      return;
    }
    cleanups.push(() => redis.stop());
    const sim = await startTestSim({ rateLimitPerMinute: SIM_LIMIT });
    cleanups.push(() => sim.close());
    const cfg = await makeConfig(sim, (raw) => {
      raw.upstream = {
        ...(raw.upstream as object),
        rateLimitPerMinute: SIM_LIMIT,
        queueMaxWaitMs: 2000,
        requestTimeoutMs: 2000,
      };
      raw.cache = { redisUrl: redis.url, redisKeyPrefix: uniquePrefix("procs"), redisFallbackShare: 0.33 };
      raw.health = { intervalMs: 1000 };
      raw.logging = { level: "warn" };
    });
    const paths = await Promise.all(
      [0, 1, 2].map((i) =>
        cfg.write(`paddock-${i}.yaml`, (raw) => {
          raw.audit = { dir: `audit-${i}` };
        }),
      ),
    );
    const gateways = await Promise.all(paths.map((p) => spawnGateway(p)));
    const { token, keyId } = await tokenFor(paths[0]!);

    const started = Date.now();
    let redisStoppedAt = Number.POSITIVE_INFINITY;
    let loopsDone = false;
    const outcomes = gateways.map(() => ({
      ok: 0,
      okAfterRedisStop: 0,
      gateway429: 0,
      other: [] as number[],
    }));
    const samples: Array<{ at: number; count: number }> = [];
    const loop = async (g: number): Promise<void> => {
      const o = outcomes[g]!;
      while (Date.now() - started < RUN_MS) {
        const res = await fetch(`${gateways[g]!.url}/v1/accounts/acct-001/v2/account`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          o.ok++;
          if (Date.now() > redisStoppedAt) o.okAfterRedisStop++;
          await new Promise((r) => setTimeout(r, PACE_MS));
        } else if (res.status === 429 && res.headers.get("x-paddock-source") === "gateway") {
          o.gateway429++;
          await new Promise((r) => setTimeout(r, 20)); // do not spin on refusals
        } else o.other.push(res.status);
      }
    };
    const sampler = (async () => {
      while (!loopsDone) {
        samples.push({ at: Date.now(), count: (await simStats(sim)).requests.byKey[keyId] ?? 0 });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, REDIS_STOP_AT_MS));
      await redis.stop();
      redisStoppedAt = Date.now();
      // every instance notices and says so in /readyz (health checks run every second)
      const degradedAfter: number[] = [];
      for (const g of gateways) {
        for (;;) {
          const report = (await (await fetch(`${g.url}/readyz`)).json()) as {
            status: string;
            components: Array<{ name: string; status: string }>;
          };
          if (
            report.status === "degraded" &&
            report.components.some((c) => c.name === "budget-store" && c.status === "degraded")
          ) {
            degradedAfter.push(Date.now() - redisStoppedAt);
            break;
          }
          expect(report.status).not.toBe("down");
          if (Date.now() - redisStoppedAt > 5000)
            throw new Error(`readyz never said degraded: ${JSON.stringify(report)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return degradedAfter;
    })();
    const loops = gateways.flatMap((_, g) => Array.from({ length: LOOPS_PER_PROCESS }, () => loop(g)));
    const [degradedAfter] = await Promise.all([outage, ...loops]);
    loopsDone = true;
    await sampler;

    const stats = await simStats(sim);
    const upstream = stats.requests.byKey[keyId] ?? 0;
    samples.push({ at: Date.now(), count: upstream });
    // the rolling-minute count from the samples (the whole run fits in one minute, so it is the total)
    let worstMinute = 0;
    for (let i = 0, j = 0; i < samples.length; i++) {
      while (samples[i]!.at - samples[j]!.at > 60_000) j++;
      worstMinute = Math.max(worstMinute, samples[i]!.count - (j > 0 ? samples[j - 1]!.count : 0));
    }
    const logs = gateways.map((g) => g.output()).join("\n");
    console.log(
      `[resilience-processes] processes=3 run_ms=${RUN_MS} upstream_requests=${upstream} worst_rolling_minute=${worstMinute} ` +
        `upstream_429s=${stats.rateLimited.byKey[keyId] ?? 0} ok=${outcomes.map((o) => o.ok).join("/")} ` +
        `ok_after_redis_stop=${outcomes.map((o) => o.okAfterRedisStop).join("/")} ` +
        `gateway_429s=${outcomes.map((o) => o.gateway429).join("/")} readyz_degraded_after_ms=${degradedAfter.join("/")}`,
    );
    expect(stats.rateLimited.total).toBe(0);
    expect(upstream).toBeLessThanOrEqual(SIM_LIMIT);
    expect(worstMinute).toBeLessThanOrEqual(SIM_LIMIT);
    for (const o of outcomes) {
      expect(o.other).toEqual([]); // only successes and the gateway's own budget refusals
      expect(o.ok).toBeGreaterThan(0);
      expect(o.okAfterRedisStop).toBeGreaterThan(0); // requests keep flowing without Redis
    }
    expect(logs).toMatch(/budget store \(Redis\) unreachable/);
    // orders fail closed while the ledger (Redis) is gone: refused, never sent
    const postsBefore = stats.requests.byPath["POST /v2/orders"] ?? 0;
    const order = await fetch(`${gateways[0]!.url}/v1/accounts/acct-001/v2/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "gtc",
      }),
    });
    expect(order.status).toBe(503);
    expect(order.headers.get("x-paddock-source")).toBe("gateway");
    expect(((await order.json()) as { message: string }).message).toMatch(/ledger unavailable/);
    expect((await simStats(sim)).requests.byPath["POST /v2/orders"] ?? 0).toBe(postsBefore);
    expect(logs).not.toMatch(/secretKey|APCA-API-SECRET/i);
    await Promise.all(gateways.map((g) => g.kill())); // graceful drain is not under test here
  }, 120_000);
});

const sigkillRedisUrl = await getRedisUrl();
/** Where the ledger lives: the config edit that puts it there, and a handle for the test to read it. */
const LEDGER_HOMES = [
  {
    name: "Redis",
    skip: sigkillRedisUrl === undefined,
    place(raw: Record<string, unknown>): (configDir: string) => StateStore {
      const prefix = uniquePrefix("sigkill");
      raw.cache = { redisUrl: sigkillRedisUrl, redisKeyPrefix: prefix };
      return () => {
        const redis = new Redis(sigkillRedisUrl!);
        cleanups.push(async () => void redis.disconnect());
        return createRedisStateStore({ redis, keyPrefix: `${prefix}state:` });
      };
    },
  },
  {
    name: "the embedded state file (no Redis)",
    skip: false,
    place(raw: Record<string, unknown>): (configDir: string) => StateStore {
      raw.state = { dir: "state" }; // relative: next to the config file
      return (configDir) => {
        const store = openSqliteStateStore({ file: join(configDir, "state", STATE_FILE) });
        cleanups.push(() => store.close());
        return store;
      };
    },
  },
] as const;

describe.each(LEDGER_HOMES)("a gateway process killed mid-order, ledger in $name", (home) => {
  it.skipIf(home.skip)(
    "after SIGKILL and a restart, the client's retry returns the one order",
    async () => {
      const sim = await startTestSim({ rateLimitPerMinute: 0 });
      cleanups.push(() => sim.close());
      await simPost(sim, "/_sim/clock", { open: true });
      let openLedgerStore: ((configDir: string) => StateStore) | undefined;
      const cfg = await makeConfig(sim, (raw) => {
        raw.upstream = {
          ...(raw.upstream as object),
          requestTimeoutMs: 400,
          retryBaseDelayMs: 50,
          retryMaxDelayMs: 200,
        };
        raw.logging = { level: "warn" };
        openLedgerStore = home.place(raw);
      });
      const configPath = await cfg.write("paddock.yaml");
      const { token } = await tokenFor(configPath);
      const coid = `res-sigkill-${Date.now()}`;
      const body = JSON.stringify({
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "gtc",
        client_order_id: coid,
      });
      const submit = (url: string): Promise<Response> =>
        fetch(`${url}/v1/accounts/acct-001/v2/orders`, {
          method: "POST",
          body,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        });

      // every order request (submit and lookup) is performed but never answered
      await simPost(sim, "/_sim/faults", { timeoutRate: 1, paths: ["/v2/orders*"] });
      const first = await spawnGateway(configPath);
      const pending = submit(first.url).then(
        (r) => ({ status: r.status }),
        (err: unknown) => ({ error: err }),
      );
      // wait until the submission timed out and the ledger (read through a handle of our own) says so
      const ledger = createOrderLedger({ store: openLedgerStore!(cfg.dir) });
      for (let i = 0; ; i++) {
        const entry = await ledger.get("acct-001", coid);
        if (entry?.state === "ambiguous") break;
        if (i > 400)
          throw new Error(`the ledger never recorded the timeout: ${entry?.state}\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect((await simStats(sim)).orders.byClientOrderId[coid]).toBe(1);
      await first.kill();
      const lost = await pending;
      expect("error" in lost).toBe(true); // the client never got an answer

      // restart on the same store, upstream healthy again; the client retries the same order
      await fetch(`${sim.url}/_sim/faults`, { method: "DELETE" });
      const second = await spawnGateway(configPath);
      const retry = await submit(second.url);
      expect(retry.status).toBe(200);
      expect(retry.headers.get("x-paddock-resolved-by")).toBe("lookup");
      const order = (await retry.json()) as { id: string; client_order_id: string };
      expect(order.client_order_id).toBe(coid);
      // and once more: now settled, the original answer is replayed without asking upstream
      const postsBefore = (await simStats(sim)).requests.byPath["POST /v2/orders"] ?? 0;
      const again = await submit(second.url);
      expect(again.status).toBe(200);
      expect(again.headers.get("x-paddock-replayed")).toBe("true");
      expect(((await again.json()) as { id: string }).id).toBe(order.id);

      const stats = await simStats(sim);
      expect(stats.orders.byClientOrderId[coid]).toBe(1);
      expect(stats.requests.byPath["POST /v2/orders"]).toBe(postsBefore);
      expect(postsBefore).toBe(1); // sent once, before the kill; never resent
      console.log(
        `[resilience-processes] sigkill_restart (${home.name}): upstream_orders_for_id=${stats.orders.byClientOrderId[coid]} ` +
          `posts=${stats.requests.byPath["POST /v2/orders"]} lookups=${stats.requests.byPath["GET /v2/orders:by_client_order_id"] ?? 0} ` +
          `duplicate_orders=0 retry_status=${retry.status} resolved_by=lookup`,
      );
      await second.stop();
    },
    120_000,
  );
});
