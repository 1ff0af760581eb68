/**
 * Trade updates: one upstream trading stream per account opened on its first
 * listener, the native all-accounts endpoint with per-account sequence numbers,
 * the backfill of updates missed while the upstream was down (each once, before
 * live ones), and the audit sink.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, type TestClient, until } from "./ws-client.js";

let fake: FakeAlpaca;
let gw: Harness;
const audit: object[] = [];

beforeEach(async () => {
  audit.length = 0;
  fake = await startFakeAlpaca();
  gw = await startHarness({
    upstreamUrl: fake.url,
    streams: { unsubscribeGraceMs: 100 },
    audit: { append: async (e) => void audit.push(e) },
  });
});
afterEach(async () => {
  await gw.close();
  await fake.close();
});

const order = (id: string, status: string, filled: string, updatedAt: string) => ({
  id,
  client_order_id: `c-${id}`,
  symbol: "AAPL",
  qty: "10",
  filled_qty: filled,
  filled_avg_price: filled === "0" ? null : "187.5",
  status,
  side: "buy",
  type: "market",
  time_in_force: "day",
  updated_at: updatedAt,
});

type Native = {
  stream: string;
  account_id?: string;
  seq?: number;
  data?: { event: string; order: { id: string } };
};
const updatesOf = (c: TestClient) => (c.messages as Native[]).filter((m) => m.stream === "trade_updates");

async function nativeClient(token: string, accounts?: string[]): Promise<TestClient> {
  const c = await connectClient(`${gw.wsUrl}/v1/stream/trade_updates`);
  c.send({ action: "authenticate", data: { key_id: "bot", secret_key: token } });
  await c.waitFor((m) => (m as Native).stream === "authorization");
  c.send({ action: "listen", data: { streams: ["trade_updates"], ...(accounts ? { accounts } : {}) } });
  await c.waitFor((m) => (m as Native).stream === "listening");
  return c;
}

describe("trade updates", () => {
  it("tags the native endpoint's updates with account and per-account seq, and opens one upstream per account", async () => {
    const c = await nativeClient(gw.token({ scopes: ["read"], accounts: ["acct-1", "acct-2"] }));
    const single = await connectClient(`${gw.wsUrl}/v1/accounts/acct-1/stream`, {
      token: gw.token({ scopes: ["read"], accounts: ["acct-1"] }),
    });
    single.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await single.waitFor((m) => (m as Native).stream === "listening");
    await until(() => fake.listening("KEY-1") === 1 && fake.listening("KEY-2") === 1);
    expect(fake.tradingConns("KEY-3")).toHaveLength(0);
    expect(fake.stats.tradingConnects).toBe(2);

    fake.emitTrade("KEY-1", { event: "new", order: order("a", "new", "0", "2026-11-25T15:00:00Z") });
    fake.emitTrade("KEY-2", { event: "new", order: order("b", "new", "0", "2026-11-25T15:00:01Z") });
    fake.emitTrade("KEY-1", { event: "fill", order: order("a", "filled", "10", "2026-11-25T15:00:02Z") });
    await until(() => updatesOf(c).length === 3);
    // accounts arrive over separate upstream sockets: order is per account
    const got = updatesOf(c).map((u) => [u.account_id, u.seq, u.data?.event]);
    expect(got.filter((u) => u[0] === "acct-1")).toEqual([
      ["acct-1", 1, "new"],
      ["acct-1", 2, "fill"],
    ]);
    expect(got.filter((u) => u[0] === "acct-2")).toEqual([["acct-2", 1, "new"]]);
    await until(() => updatesOf(single).length === 2);
    expect(updatesOf(single)[0]).toEqual({
      stream: "trade_updates",
      data: expect.objectContaining({ event: "new" }),
    });
    await until(() => audit.length === 3);
    const fillAudit = audit.find((e) => (e as { request: { event: string } }).request.event === "fill");
    expect(fillAudit).toMatchObject({
      action: "trade_update",
      outcome: "info",
      account: "acct-1",
      orderId: "a",
      clientOrderId: "c-a",
      request: { event: "fill", seq: 2, status: "filled" },
    });

    // the native client may not name an account it is not allowed
    c.send({ action: "listen", data: { streams: ["trade_updates"], accounts: ["acct-3"] } });
    await c.waitFor((m) => JSON.stringify(m).includes("account not allowed: acct-3"));

    // last listener of acct-2 leaves → its upstream closes after the grace
    c.close();
    await until(() => fake.tradingConns("KEY-2").length === 0, 3000);
    expect(fake.tradingConns("KEY-1")).toHaveLength(1);
    single.close();
  });

  it("after an upstream reconnect, delivers the updates missed while down once, before live ones", async () => {
    fake.orders.set("KEY-1", [order("x", "new", "0", "2026-11-25T14:00:00Z")]);
    const c = await nativeClient(gw.token({ scopes: ["read"], accounts: "*" }), ["acct-1"]);
    await until(() => fake.listening("KEY-1") === 1);
    fake.emitTrade("KEY-1", { event: "new", order: order("a", "new", "0", "2026-11-25T15:00:00Z") });
    await until(() => updatesOf(c).length === 1);

    fake.dropAll();
    await c.waitFor((m) => (m as { stream: string; data?: { status?: string } }).data?.status === "down");
    // while down: order a fills, order b is created and partially filled; x is unchanged
    fake.orders.set("KEY-1", [
      order("b", "partially_filled", "4", "2026-11-25T15:00:06Z"),
      order("a", "filled", "10", "2026-11-25T15:00:05Z"),
      order("x", "new", "0", "2026-11-25T14:00:00Z"),
    ]);
    await until(() => fake.listening("KEY-1") === 1, 5000);
    // a live update racing the backfill that repeats what the backfill delivers is not sent twice
    fake.emitTrade("KEY-1", { event: "fill", order: order("a", "filled", "10", "2026-11-25T15:00:05Z") });
    fake.emitTrade("KEY-1", { event: "fill", order: order("b", "filled", "10", "2026-11-25T15:00:07Z") });
    await until(() => updatesOf(c).length >= 4, 5000);
    // a later, unrelated update is a barrier: once it is here, anything duplicated before it would be too
    fake.emitTrade("KEY-1", { event: "new", order: order("z", "new", "0", "2026-11-25T15:00:09Z") });
    await until(() => updatesOf(c).some((u) => u.data?.order.id === "z"), 5000);
    const got = updatesOf(c).map((u) => [u.seq, u.data?.order.id, u.data?.event]);
    expect(got).toEqual([
      [1, "a", "new"],
      [2, "a", "fill"],
      [3, "b", "partial_fill"],
      [4, "b", "fill"],
      [5, "z", "new"],
    ]);
    const backfilled = updatesOf(c)[1]!.data as unknown as Record<string, unknown>;
    expect(backfilled).toMatchObject({ paddock_backfill: true, qty: "10", price: "187.5" });
    expect(
      await gw.registry.getSingleMetricAsString("paddock_stream_backfilled_trade_updates_total"),
    ).toMatch(/ 2$/m);
    c.close();
  });
});

describe("fleet reloads", () => {
  it("reopens an account's upstream trading stream with its new keys", async () => {
    const c = await nativeClient(gw.token({ scopes: ["read"], accounts: ["acct-1"] }));
    await until(() => fake.listening("KEY-1") === 1);
    gw.fleet.rekey("acct-1", "KEY-1-NEW");
    await until(() => fake.listening("KEY-1-NEW") === 1 && fake.tradingConns("KEY-1").length === 0, 5000);
    fake.emitTrade("KEY-1-NEW", { event: "new", order: order("n", "new", "0", "2026-11-25T16:00:00Z") });
    await until(() => updatesOf(c).some((u) => u.data?.order.id === "n"), 5000);
    expect(updatesOf(c).find((u) => u.data?.order.id === "n")).toMatchObject({
      account_id: "acct-1",
      seq: 1,
    });
    c.close();
  });
});
