/**
 * Issue 6, order safety end to end: 100 order submissions through a real gateway (order
 * ledger in a real Redis) while the simulator answers half the requests 500 and performs
 * some orders without ever answering (the ambiguous case). The client retries whatever the
 * gateway could not settle, with the same client_order_id, like a careful bot would. Every
 * order the client was told succeeded exists upstream exactly once; no client_order_id
 * exists twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const redisUrl = await getRedisUrl();

const ORDERS = 100;
const CONCURRENCY = 20;
const CLIENT_ATTEMPTS = 6;

let gw: TestGateway;

const sim = (method: string, path: string, body?: unknown) => gw.simCall(method, path, body);
const simStats = () => gw.simStats();

beforeAll(async () => {
  gw = await startGateway({
    accounts: 1,
    logLevel: "warn",
    configure: (raw) => {
      raw.upstream = {
        ...(raw.upstream as object),
        requestTimeoutMs: 300,
        connectionsPerAccount: 16,
        rateLimitPerMinute: 0, // budgets are proven elsewhere; here only the ledger is under test
        maxRetries: 3,
        retryBaseDelayMs: 20,
        retryMaxDelayMs: 100,
        // a ratio of 1 can never be exceeded: the breaker stays closed so every order is attempted
        breakerFailureRatio: 1,
      };
      raw.cache = { redisUrl, redisKeyPrefix: uniquePrefix("orders") };
    },
  });
  await sim("POST", "/_sim/clock", { open: true });
}, 30_000);
afterAll(async () => {
  await sim("DELETE", "/_sim/faults");
  await gw?.close();
});

describe.skipIf(redisUrl === undefined)("orders under upstream faults", () => {
  it("100 submissions with 50% errors and lost answers: each success exists exactly once, none twice", async () => {
    const faults = await sim("POST", "/_sim/faults", {
      errorRate: 0.5,
      status: 500,
      timeoutRate: 0.15,
      paths: ["/v2/orders*"],
    });
    expect(faults.status).toBeLessThan(300);

    const told = new Map<string, { id: string; resolvedBy: string | null }>();
    const finalStatus = new Map<string, number>();
    let clientRetries = 0;
    let ambiguousAnswers = 0;
    let resolvedByLookup = 0;
    const submit = async (i: number): Promise<void> => {
      const coid = `res-orders-${i}`;
      const body = JSON.stringify({
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "gtc",
        client_order_id: coid,
      });
      for (let attempt = 0; attempt < CLIENT_ATTEMPTS; attempt++) {
        if (attempt > 0) clientRetries++;
        const res = await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body });
        const text = await res.text();
        finalStatus.set(coid, res.status);
        if (res.status === 504) ambiguousAnswers++;
        if (res.status >= 200 && res.status < 300) {
          const order = JSON.parse(text) as { id: string; client_order_id: string };
          expect(order.client_order_id).toBe(coid);
          const resolvedBy = res.headers.get("x-paddock-resolved-by");
          if (resolvedBy === "lookup") resolvedByLookup++;
          told.set(coid, { id: order.id, resolvedBy });
          return;
        }
        // a definite refusal is final; 5xx (500 passed through, 504 ambiguous) is retried with the same id
        if (res.status < 500) return;
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ORDERS) await submit(next++);
      }),
    );
    await sim("DELETE", "/_sim/faults");

    const stats = await simStats();
    const counts = stats.orders.byClientOrderId;
    const duplicates = Object.entries(counts).filter(([id, n]) => id.startsWith("res-orders-") && n > 1);
    expect(duplicates).toEqual([]);
    // every order the client was told succeeded exists upstream, once, and is the one it was told
    const { keyId, secretKey } = gw.gateway.fleet.get("acct-001")!.credentials();
    for (const [coid, { id }] of told) {
      expect(counts[coid]).toBe(1);
      const res = await fetch(
        `${gw.sim.url}/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(coid)}`,
        { headers: { "apca-api-key-id": keyId, "apca-api-secret-key": secretKey } },
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(id);
    }
    // the faults really bit: some sends were lost after being performed and resolved by lookup
    const sends = stats.requests.byPath["POST /v2/orders"] ?? 0;
    expect(sends).toBeGreaterThan(ORDERS);
    expect(resolvedByLookup).toBeGreaterThan(0);
    // most orders got through despite half the upstream answers failing
    expect(told.size).toBeGreaterThanOrEqual(ORDERS * 0.8);
    const upstreamOrders = Object.keys(counts).filter((id) => id.startsWith("res-orders-")).length;
    const notTold = [...finalStatus].filter(([coid]) => !told.has(coid)).map(([, s]) => s);
    console.log(
      `[resilience-orders] submissions=${ORDERS} succeeded=${told.size} upstream_orders=${upstreamOrders} ` +
        `duplicate_orders=${duplicates.length} upstream_429s=${stats.rateLimited.total} upstream_sends=${sends} ` +
        `lookups=${stats.requests.byPath["GET /v2/orders:by_client_order_id"] ?? 0} resolved_by_lookup=${resolvedByLookup} ` +
        `ambiguous_504s=${ambiguousAnswers} client_retries=${clientRetries} unsettled_final_statuses=${JSON.stringify(notTold)}`,
    );
  }, 60_000);
});
