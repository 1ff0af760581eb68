/**
 * The official Alpaca SDK, unchanged but for its base path and access token, trading
 * on several accounts through the gateway in front of the simulator.
 */
import { trading } from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let token: string;

const api = <T>(Ctor: new (c: trading.Configuration) => T, account: string): T =>
  new Ctor(new trading.Configuration({ basePath: `${gw.url}/v1/accounts/${account}`, accessToken: token }));

beforeAll(async () => {
  gw = await startGateway({ accounts: 3 });
  token = await gw.token({
    sub: "bot-1",
    scopes: ["read", "trade", "data"],
    accounts: ["acct-001", "acct-002"],
  });
  await fetch(`${gw.sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: true }) });
});
afterAll(() => gw.close());

describe("trading through the gateway with the official SDK", () => {
  it("reads each account separately with its own keys", async () => {
    const a1 = await api(trading.AccountsApi, "acct-001").getAccount();
    const a2 = await api(trading.AccountsApi, "acct-002").getAccount();
    expect(a1.id).toBeTruthy();
    expect(a2.id).toBeTruthy();
    expect(a1.id).not.toBe(a2.id);
    expect(a1.cash).toBe("100000");
  });

  it("places, lists, fetches by client_order_id and fills a market order, then closes the position", async () => {
    const orders = api(trading.OrdersApi, "acct-001");
    const placed = await orders.postOrder({
      postOrderRequest: {
        symbol: "AAPL",
        qty: "2",
        side: "buy",
        type: "market",
        timeInForce: "day",
        clientOrderId: "sdk-flow-1",
      },
    });
    expect(placed.clientOrderId).toBe("sdk-flow-1");
    const byCoid = await orders.getOrderByClientOrderId({ clientOrderId: "sdk-flow-1" });
    expect(byCoid.id).toBe(placed.id);
    const listed = await orders.getAllOrders({ status: "all" });
    expect(listed.map((o) => o.id)).toContain(placed.id);
    const positions = await api(trading.PositionsApi, "acct-001").getAllOpenPositions();
    expect(positions.find((p) => p.symbol === "AAPL")?.qty).toBe("2");
    // the other account saw none of it
    expect(await api(trading.PositionsApi, "acct-002").getAllOpenPositions()).toEqual([]);
    const closed = await api(trading.PositionsApi, "acct-001").deleteOpenPosition({
      symbolOrAssetId: "AAPL",
    });
    expect(closed.side).toBe("sell");
  });

  it("cancels an open limit order and replaces another", async () => {
    const orders = api(trading.OrdersApi, "acct-002");
    const far = await orders.postOrder({
      postOrderRequest: {
        symbol: "MSFT",
        qty: "1",
        side: "buy",
        type: "limit",
        limitPrice: "1.00",
        timeInForce: "gtc",
      },
    });
    expect(far.clientOrderId).toMatch(/^pdk-/); // assigned by the gateway
    await orders.deleteOrderByOrderID({ orderId: far.id! });
    expect((await orders.getOrderByOrderID({ orderId: far.id! })).status).toMatch(/canceled|pending_cancel/);
    const other = await orders.postOrder({
      postOrderRequest: {
        symbol: "MSFT",
        qty: "1",
        side: "buy",
        type: "limit",
        limitPrice: "1.00",
        timeInForce: "gtc",
      },
    });
    const replaced = await orders.patchOrderByOrderId({
      orderId: other.id!,
      patchOrderRequest: { limitPrice: "1.50" },
    });
    expect(replaced.replaces).toBe(other.id);
    expect(replaced.limitPrice).toBe("1.5");
  });

  it("refuses an invalid order with 422 naming the field, without calling upstream", async () => {
    const before = (await gw.simStats()).requests.total;
    const res = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      token,
      body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "limit", time_in_force: "day" }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("x-paddock-source")).toBe("gateway");
    expect(((await res.json()) as { message: string }).message).toContain("limit_price");
    const bad = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      token,
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    const after = (await gw.simStats()).requests.total;
    expect(after).toBe(before);
  });

  it("passes Alpaca's own errors through unchanged (no gateway header)", async () => {
    const res = await gw.call("/v1/accounts/acct-001/v2/orders/00000000-0000-0000-0000-000000000000", {
      token,
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-paddock-source")).toBeNull();
    expect(((await res.json()) as { code: number }).code).toBe(40410000);
  });

  it("reports the gateway's budget in X-RateLimit-* and lists the caller's accounts only", async () => {
    const res = await gw.call("/v1/accounts/acct-001/v2/clock", { token });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("x-ratelimit-limit"))).toBe(200);
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(200);
    const list = (await (await gw.call("/v1/accounts", { token })).json()) as {
      accounts: Array<{ id: string; mode: string; breaker: string; budget: { remaining: number } }>;
    };
    expect(list.accounts.map((a) => a.id)).toEqual(["acct-001", "acct-002"]);
    expect(list.accounts[0]).toMatchObject({ mode: "paper", breaker: "closed" });
  });

  it("aggregates the portfolio over the caller's accounts", async () => {
    const orders = api(trading.OrdersApi, "acct-002");
    await orders.postOrder({
      postOrderRequest: { symbol: "SPY", qty: "3", side: "buy", type: "market", timeInForce: "day" },
    });
    const p = (await (await gw.call("/v1/portfolio", { token })).json()) as {
      totals: { accounts: number; accounts_failed: number; equity: string };
      positions: Array<{ symbol: string; qty: string; accounts: string[] }>;
    };
    expect(p.totals.accounts).toBe(2);
    expect(p.totals.accounts_failed).toBe(0);
    expect(Number(p.totals.equity)).toBeGreaterThan(190_000);
    expect(p.positions.find((x) => x.symbol === "SPY")).toMatchObject({ qty: "3", accounts: ["acct-002"] });
  });
});
