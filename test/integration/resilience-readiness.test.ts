/**
 * Issue 14, readiness that says what is really available (real gateway, a Redis we own,
 * real simulator): with Redis configured and down, `/readyz` still answers 200 (reads and
 * streams are served) and its body says orders are unavailable — exactly what an order
 * then gets: 503 "order ledger unavailable", nothing sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthReport } from "../../src/observability/health.js";
import { type RedisServer, startRedisServer, uniquePrefix } from "../helpers/redis.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway | undefined;
let redis: RedisServer | undefined;

beforeAll(async () => {
  try {
    redis = await startRedisServer();
  } catch (err) {
    if (process.env.CI === "true") throw err;
    console.warn(`[resilience-readiness] cannot start redis-server (${(err as Error).message}): skipped`);
    return;
  }
  const url = redis.url;
  gw = await startGateway({
    accounts: 2,
    logLevel: "error",
    configure: (raw) => {
      raw.cache = { ...(raw.cache as object), redisUrl: url, redisKeyPrefix: uniquePrefix("readiness") };
    },
  });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const readyz = async (): Promise<{ status: number; body: HealthReport }> => {
  await gw!.gateway.health.runAll();
  const res = await fetch(`${gw!.url}/readyz`);
  return { status: res.status, body: (await res.json()) as HealthReport };
};

describe("readiness reports what is available", () => {
  it("with everything up, every capability is available", async (ctx) => {
    if (!gw) return ctx.skip();
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.status).toBe("up");
    for (const cap of ["reads", "orders", "streams", "audit", "ledger"] as const) {
      expect(body.serving[cap].status).toBe("available");
    }
  });

  it("with Redis down: 200, orders and the ledger unavailable, reads still served", async (ctx) => {
    if (!gw || !redis) return ctx.skip();
    await redis.stop();
    const { status, body } = await readyz();
    expect(status).toBe(200); // this instance still serves reads: it stays behind the load balancer
    expect(body.status).toBe("degraded");
    expect(body.serving.orders.status).toBe("unavailable");
    expect(body.serving.ledger.status).toBe("unavailable");
    expect(body.serving.orders.because?.join(" ")).toMatch(/redis: down/);
    expect(body.serving.reads.status).not.toBe("unavailable");
    const read = await gw.call("/v1/accounts/acct-001/v2/account");
    expect(read.status).toBe(200);
    await read.arrayBuffer();
    // and that is what an order gets
    const order = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(order.status).toBe(503);
    expect(((await order.json()) as { message: string }).message).toMatch(/order ledger unavailable/);
    console.log(
      `[resilience-readiness] redis_down readyz=${status} orders=${body.serving.orders.status} reads=${body.serving.reads.status}`,
    );
  }, 30_000);
});
