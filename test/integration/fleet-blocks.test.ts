/**
 * Block orders over real sockets: the gateway splits one order across accounts in front of
 * the simulator, each child through the per-account order flow, and the simulator's own
 * count of orders per client_order_id is the judge of "never twice".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

interface Child {
  account: string;
  client_order_id: string;
  qty: string;
  status: number;
  order: { id: string; status: string; qty: string } | null;
  error: { code: number; message: string } | null;
}
interface Block {
  block_id: string;
  children: Child[];
}

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    accounts: 4,
    configure: (raw) => {
      const accounts = raw.accounts as Array<{ id: string; tags: string[] }>;
      for (const a of accounts.slice(0, 3)) a.tags = ["demo", "growth"];
    },
  });
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(() => gw.close());

const block = (body: unknown, token?: string) =>
  gw.call("/v1/orders:block", { method: "POST", body: JSON.stringify(body), ...(token ? { token } : {}) });

const market = { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" };

describe("POST /v1/orders:block", () => {
  it("splits 10 over a tag of 3 as 4, 3, 3, each child with its own client_order_id, all filled", async () => {
    const res = await block({
      block_id: "blk-equal",
      accounts: "tag:growth",
      allocation: { method: "equal", qty: "10" },
      order: market,
    });
    expect(res.status).toBe(200);
    const b = (await res.json()) as Block;
    expect(b.children.map((c) => [c.account, c.qty, c.status])).toEqual([
      ["acct-001", "4", 200],
      ["acct-002", "3", 200],
      ["acct-003", "3", 200],
    ]);
    expect(b.children.map((c) => c.client_order_id)).toEqual([
      "blk-equal-acct-001",
      "blk-equal-acct-002",
      "blk-equal-acct-003",
    ]);
    expect(b.children.every((c) => c.order?.qty === c.qty && c.error === null)).toBe(true);
  });

  it("the same block_id again places nothing new and answers the same children", async () => {
    const again = (await (
      await block({
        block_id: "blk-equal",
        accounts: "tag:growth",
        allocation: { method: "equal", qty: "10" },
        order: market,
      })
    ).json()) as Block;
    expect(again.children.map((c) => c.order?.id)).toHaveLength(3);
    const counts = (await gw.simStats()).orders.byClientOrderId;
    for (const c of again.children) expect(counts[c.client_order_id]).toBe(1);
    const other = await block({
      block_id: "blk-equal",
      accounts: "tag:growth",
      allocation: { method: "equal", qty: "11" },
      order: market,
    });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { message: string }).message).toContain("block_id");
  });

  it("allocates explicit quantities and by equity over an explicit list", async () => {
    const explicit = (await (
      await block({
        block_id: "blk-explicit",
        allocation: { method: "explicit", quantities: { "acct-004": "2", "acct-001": "1" } },
        order: market,
      })
    ).json()) as Block;
    expect(explicit.children.map((c) => [c.account, c.qty, c.status])).toEqual([
      ["acct-004", "2", 200],
      ["acct-001", "1", 200],
    ]);
    const byEquity = (await (
      await block({
        block_id: "blk-equity",
        accounts: ["acct-002", "acct-003"],
        allocation: { method: "equity", qty: "5" },
        order: market,
      })
    ).json()) as Block;
    expect(byEquity.children.map((c) => c.qty).reduce((s, q) => s + Number(q), 0)).toBe(5);
  });

  it("refuses bad input naming the field, before anything reaches Alpaca", async () => {
    const before = (await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0;
    const cases: Array<[unknown, string]> = [
      [
        { block_id: "x", accounts: "tag:growth", allocation: { method: "equal", qty: "1.5" }, order: market },
        "allocation.qty",
      ],
      [
        { block_id: "x", accounts: "tag:growth", allocation: { method: "even", qty: "1" }, order: market },
        "allocation.method",
      ],
      [
        {
          block_id: "x",
          accounts: "tag:growth",
          allocation: { method: "equal", qty: "1" },
          order: { ...market, qty: "1" },
        },
        "order.qty",
      ],
      [
        {
          block_id: "bad id!",
          accounts: "tag:growth",
          allocation: { method: "equal", qty: "1" },
          order: market,
        },
        "block_id",
      ],
      [
        { block_id: "x", accounts: "tag:nobody", allocation: { method: "equal", qty: "1" }, order: market },
        "accounts",
      ],
    ];
    for (const [body, field] of cases) {
      const res = await block(body);
      expect(res.status, field).toBe(422);
      expect(((await res.json()) as { message: string }).message).toContain(field);
    }
    expect((await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(before);
  });

  it("needs trade over every target account: 403 naming the one missing; a tag grant suffices", async () => {
    const narrow = await gw.token({ scopes: ["read", "trade"], accounts: ["acct-001"] });
    const res = await block(
      {
        block_id: "blk-scope",
        accounts: "tag:growth",
        allocation: { method: "equal", qty: "3" },
        order: market,
      },
      narrow,
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain("acct-002");
    const tagged = await gw.token({ scopes: ["read", "trade"], accounts: ["tag:growth"] });
    const ok = await block(
      {
        block_id: "blk-scope",
        accounts: "tag:growth",
        allocation: { method: "equal", qty: "3" },
        order: market,
      },
      tagged,
    );
    expect(ok.status).toBe(200);
    const direct = await gw.call("/v1/accounts/acct-004/v2/account", { token: tagged });
    expect(direct.status).toBe(403);
  });

  it("a halted account's child is refused by the order flow while the others are placed", async () => {
    await gw.call("/v1/admin/accounts/acct-002/halt", { method: "POST" });
    try {
      const b = (await (
        await block({
          block_id: "blk-halt",
          accounts: ["acct-001", "acct-002"],
          allocation: { method: "equal", qty: "2" },
          order: market,
        })
      ).json()) as Block;
      expect(b.children.map((c) => c.status)).toEqual([200, 403]);
      expect(b.children[1]!.error?.message).toContain("halted");
      expect((await gw.simStats()).orders.byClientOrderId["blk-halt-acct-002"]).toBeUndefined();
    } finally {
      await gw.call("/v1/admin/accounts/acct-002/resume", { method: "POST" });
    }
  });
});

describe("GET and DELETE /v1/orders:block/{id}", () => {
  it("shows the children's live states and cancels the open ones", async () => {
    const placed = (await (
      await block({
        block_id: "blk-limit",
        accounts: ["acct-001", "acct-002"],
        allocation: { method: "equal", qty: "2" },
        order: { symbol: "AAPL", side: "buy", type: "limit", limit_price: "1.00", time_in_force: "day" },
      })
    ).json()) as Block;
    expect(placed.children.map((c) => c.status)).toEqual([200, 200]);
    const live = (await (await gw.call("/v1/orders:block/blk-limit")).json()) as Block;
    expect(live.children.every((c) => c.order?.status === "new" || c.order?.status === "accepted")).toBe(
      true,
    );
    const cancelled = (await (
      await gw.call("/v1/orders:block/blk-limit", { method: "DELETE" })
    ).json()) as Block;
    expect(cancelled.children.map((c) => c.order?.status)).toEqual(["canceled", "canceled"]);
    expect((await gw.call("/v1/orders:block/blk-none")).status).toBe(404);
  });

  it("previews an allocation without placing anything", async () => {
    const before = (await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0;
    const res = await gw.call("/v1/orders:block:preview", {
      method: "POST",
      body: JSON.stringify({
        accounts: "tag:demo",
        allocation: { method: "equal", qty: "7" },
        order: market,
      }),
    });
    expect(await res.json()).toEqual({
      children: [
        { account: "acct-001", qty: "2" },
        { account: "acct-002", qty: "2" },
        { account: "acct-003", qty: "2" },
        { account: "acct-004", qty: "1" },
      ],
    });
    expect((await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(before);
  });
});
