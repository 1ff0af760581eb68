/**
 * The block service over a fake fleet and order service: block state kept in the store
 * answers a retry after a restart (a new service over the same store) without placing again.
 */
import { describe, expect, it } from "vitest";
import type { Account, Fleet } from "../../../src/accounts/types.js";
import { createBlockOrderService } from "../../../src/fleet/block-orders.js";
import { createMemoryStateStore } from "../../../src/state/memory-store.js";
import type { OrderService, TradingCall } from "../../../src/trading/order-service.js";

const account = (id: string): Account =>
  ({ id, mode: "paper", tags: ["t"], status: () => ({ halted: false }) }) as unknown as Account;
const fleet: Fleet = {
  get: (id) => (["a", "b"].includes(id) ? account(id) : undefined),
  list: () => [account("a"), account("b")],
  dataAccounts: () => [],
  onChange: () => () => {},
};
const log = { warn() {}, info() {}, error() {} };
const caller = { subject: "s", requestId: "r", log, allow: () => {} };

function fakeOrders(failOn?: string) {
  const calls: TradingCall[] = [];
  const service: OrderService = {
    async handle(call) {
      calls.push(call);
      const body = JSON.parse(call.body!.toString()) as Record<string, string>;
      if (call.account.id === failOn) throw new Error("crash mid-block");
      return {
        res: {
          status: 200,
          headers: {},
          body: Buffer.from(
            JSON.stringify({ id: `o-${body.client_order_id}`, status: "new", qty: body.qty }),
          ),
        },
      };
    },
  };
  return { calls, service };
}

const body = {
  block_id: "b1",
  accounts: ["a", "b"],
  allocation: { method: "equal", qty: "3" },
  order: { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" },
};

describe("block order service", () => {
  it("a retry after a restart answers the stored children and sends nothing again", async () => {
    const store = createMemoryStateStore();
    const first = fakeOrders();
    const s1 = createBlockOrderService({ fleet, orders: first.service, store, now: Date.now });
    const a1 = await s1.place(body, caller);
    expect(a1.children.map((c) => [c.qty, c.status])).toEqual([
      ["2", 200],
      ["1", 200],
    ]);
    expect(first.calls).toHaveLength(2);
    const second = fakeOrders();
    const s2 = createBlockOrderService({ fleet, orders: second.service, store, now: Date.now });
    expect(await s2.place(body, caller)).toEqual(a1);
    expect(second.calls).toHaveLength(0);
  });

  it("a child left unanswered is sent again with the same client_order_id (the ledger replays it)", async () => {
    const store = createMemoryStateStore();
    const crashing = fakeOrders("b");
    const s1 = createBlockOrderService({ fleet, orders: crashing.service, store, now: Date.now });
    const a1 = await s1.place(body, caller);
    expect(a1.children[1]!.status).toBe(500);
    const ids = crashing.calls.map((c) => JSON.parse(c.body!.toString()).client_order_id);
    expect(ids).toEqual(["b1-a", "b1-b"]);
    // a child that got an answer (even a refusal) is final: the block's answer is stable
    const again = fakeOrders();
    const s2 = createBlockOrderService({ fleet, orders: again.service, store, now: Date.now });
    expect((await s2.place(body, caller)).children[1]!.status).toBe(500);
    expect(again.calls).toHaveLength(0);
  });

  it("a crash mid-block: the unanswered children are sent again with the same client_order_ids", async () => {
    const store = createMemoryStateStore();
    const hanging: OrderService = { handle: () => new Promise(() => {}) };
    const s1 = createBlockOrderService({ fleet, orders: hanging, store, now: Date.now });
    void s1.place(body, caller); // the process "dies" while the children are in flight
    await new Promise((r) => setImmediate(r));
    const after = fakeOrders();
    const s2 = createBlockOrderService({ fleet, orders: after.service, store, now: Date.now });
    const answer = await s2.place(body, caller);
    expect(after.calls.map((c) => JSON.parse(c.body!.toString()).client_order_id)).toEqual(["b1-a", "b1-b"]);
    expect(answer.children.map((c) => c.status)).toEqual([200, 200]);
  });

  it("the same block_id with a different request is a conflict", async () => {
    const store = createMemoryStateStore();
    const s = createBlockOrderService({ fleet, orders: fakeOrders().service, store, now: Date.now });
    await s.place(body, caller);
    await expect(s.place({ ...body, allocation: { method: "equal", qty: "4" } }, caller)).rejects.toThrow(
      /block_id/,
    );
  });
});
