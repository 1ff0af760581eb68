/**
 * Issue #11, orders through the gateway against the simulator: Alpaca's 429 answered at once
 * with Retry-After (never sent twice), a reused client_order_id as Alpaca's 422 40010001,
 * sub-penny prices refused before they leave, and bodies Alpaca accepts forwarded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ accounts: 1 });
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(async () => {
  await gw.simCall("DELETE", "/_sim/faults");
  await gw.close();
});

const order = (over: Record<string, unknown> = {}) => ({
  symbol: "AAPL",
  qty: "1",
  side: "buy",
  type: "market",
  time_in_force: "day",
  ...over,
});
const post = (body: unknown, path = "/v1/accounts/acct-001/v2/orders", method = "POST") =>
  gw.call(path, { method, body: JSON.stringify(body) });
const count = async (key: string) => (await gw.simStats()).requests.byPath[key] ?? 0;

describe("orders as Alpaca answers them", () => {
  it("answers Alpaca's 429 at once with Retry-After, and the client's retry places the order once", async () => {
    await gw.simCall("POST", "/_sim/faults", { errorRate: 1, status: 429, paths: ["/v2/orders"] });
    const sendsBefore = await count("POST /v2/orders");
    const lookupsBefore = await count("GET /v2/orders:by_client_order_id");
    const started = Date.now();
    const res = await post(order({ client_order_id: "surface-429" }));
    const tookMs = Date.now() - started;
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(tookMs).toBeLessThan(3000); // was ~32 s of backoffs, lookups and resends
    expect((await count("POST /v2/orders")) - sendsBefore).toBe(1);
    expect((await count("GET /v2/orders:by_client_order_id")) - lookupsBefore).toBe(0);
    await gw.simCall("DELETE", "/_sim/faults");

    const again = await post(order({ client_order_id: "surface-429" }));
    expect(again.status).toBe(200);
    expect((await gw.simStats()).orders.byClientOrderId["surface-429"]).toBe(1);
  });

  it("answers a reused client_order_id with a different body like Alpaca: 422, 40010001, its message", async () => {
    expect((await post(order({ client_order_id: "surface-dup" }))).status).toBe(200);
    const sends = await count("POST /v2/orders");
    const dup = await post(order({ client_order_id: "surface-dup", qty: "2" }));
    expect(dup.status).toBe(422);
    expect(dup.headers.get("x-paddock-source")).toBe("gateway");
    expect(await dup.json()).toMatchObject({ code: 40010001, message: "client_order_id must be unique" });
    expect(await count("POST /v2/orders")).toBe(sends);
    // the same body again is the original order, replayed
    const same = await post(order({ client_order_id: "surface-dup" }));
    expect(same.status).toBe(200);
    expect(same.headers.get("x-paddock-replayed")).toBe("true");
  });

  it("refuses sub-penny prices, over-precise and spaced quantities before they leave", async () => {
    const sends = await count("POST /v2/orders");
    for (const [body, field] of [
      [order({ type: "limit", limit_price: "187.345" }), "limit_price: sub-penny"],
      [order({ type: "limit", limit_price: 0.12345 }), "limit_price: sub-penny"],
      [order({ qty: "0.0000000001" }), "qty: rounds to 0"],
      [order({ qty: "1.1234567891" }), "qty: at most 9 decimal places"],
      [order({ qty: " 1" }), "qty: must not have leading or trailing spaces"],
    ] as const) {
      const res = await post(body);
      expect(res.status, field).toBe(422);
      expect(((await res.json()) as { message: string }).message).toContain(field);
    }
    expect(await count("POST /v2/orders")).toBe(sends);
  });

  it("forwards the documented OCO and replace bodies carrying fields Alpaca ignores", async () => {
    const sends = await count("POST /v2/orders");
    const oco = await post({
      symbol: "AAPL",
      qty: 1,
      side: "sell",
      type: "limit",
      time_in_force: "gtc",
      order_class: "oco",
      take_profit: { limit_price: "1000" },
      stop_loss: { stop_price: "1.5" },
    });
    expect(oco.headers.get("x-paddock-source")).toBeNull(); // Alpaca's (the simulator's) answer
    expect(await count("POST /v2/orders")).toBe(sends + 1);

    const placed = (await (await post(order({ type: "limit", limit_price: "1.00" }))).json()) as {
      id: string;
    };
    const path = `/v1/accounts/acct-001/v2/orders/${placed.id}`;
    const replaced = await post({ id: placed.id, qty: "2", limit_price: 1.01 }, path, "PATCH");
    expect(replaced.headers.get("x-paddock-source")).toBeNull();
    expect(await count(`PATCH /v2/orders/${placed.id}`)).toBe(1);
  });
});
