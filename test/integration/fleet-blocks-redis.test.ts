/** Block state in Redis survives a gateway restart: the same block again places nothing new. */
import { afterAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import { startGateway } from "../helpers/start-gateway.js";

const url = await getRedisUrl();
let sim: SimHandle | undefined;
afterAll(() => sim?.close());

describe.skipIf(url === undefined)("block orders with Redis", () => {
  it("a restarted gateway answers the stored children and sends no child again", async () => {
    sim = await startSim({ port: 0, seed: 7, rateLimitPerMinute: 0 });
    const prefix = uniquePrefix("fleet-blocks");
    const configure = (raw: Record<string, unknown>) => {
      raw.cache = { redisUrl: url, redisKeyPrefix: prefix };
    };
    const body = JSON.stringify({
      block_id: "blk-restart",
      accounts: ["acct-001", "acct-002"],
      allocation: { method: "equal", qty: "3" },
      order: { symbol: "AAPL", side: "buy", type: "market", time_in_force: "day" },
    });
    const first = await startGateway({ accounts: 2, sim, configure, logLevel: "warn" });
    await first.simCall("POST", "/_sim/clock", { open: true });
    const placed = (await (await first.call("/v1/orders:block", { method: "POST", body })).json()) as {
      children: Array<{ client_order_id: string; status: number; order: { id: string } | null }>;
    };
    expect(placed.children.map((c) => c.status)).toEqual([200, 200]);
    await first.close();

    const second = await startGateway({ accounts: 2, sim, configure, logLevel: "warn" });
    try {
      const again = (await (
        await second.call("/v1/orders:block", { method: "POST", body })
      ).json()) as typeof placed;
      expect(again.children.map((c) => c.order?.id)).toEqual(placed.children.map((c) => c.order?.id));
      const counts = (await second.simStats()).orders.byClientOrderId;
      for (const c of placed.children) expect(counts[c.client_order_id]).toBe(1);
    } finally {
      await second.close();
    }
  });
});
