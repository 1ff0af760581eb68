/** The order ledger over a real Redis: claims are atomic across instances. */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createOrderLedger } from "../../src/trading/order-ledger.js";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";

const url = await getRedisUrl();
const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

describe.skipIf(url === undefined)("order ledger on Redis", () => {
  it("two ledger instances racing for the same client_order_ids: each id is claimed exactly once", async () => {
    const prefix = uniquePrefix("ledger-race");
    const [a, b] = [0, 1].map(() => {
      const c = new Redis(url!);
      clients.push(c);
      return createOrderLedger({ redis: c, keyPrefix: prefix });
    });
    const ids = Array.from({ length: 50 }, (_, i) => `cid-${i}`);
    const results = await Promise.all(
      ids.flatMap((id) =>
        [a!, b!, a!, b!].map((l, k) => l.begin("acct-1", id, `fp-${k}`).then((r) => ({ id, r }))),
      ),
    );
    for (const id of ids) {
      const mine = results.filter((x) => x.id === id);
      expect(mine.filter((x) => x.r.created)).toHaveLength(1);
      const losers = mine.filter((x) => !x.r.created);
      expect(losers).toHaveLength(3);
      // every loser sees the single winner's entry
      const fps = new Set(losers.map((x) => (x.r.created ? "" : x.r.entry.fingerprint)));
      expect(fps.size).toBe(1);
    }
  });

  it("a second instance (a restarted gateway) reads what the first recorded", async () => {
    const prefix = uniquePrefix("ledger-restart");
    const c1 = new Redis(url!);
    const c2 = new Redis(url!);
    clients.push(c1, c2);
    const first = createOrderLedger({ redis: c1, keyPrefix: prefix, now: () => 42 });
    await first.begin("acct-1", "cid-x", "fp");
    await first.update("acct-1", "cid-x", { state: "ambiguous", status: 504 });
    const second = createOrderLedger({ redis: c2, keyPrefix: prefix });
    expect(await second.get("acct-1", "cid-x")).toEqual({
      state: "ambiguous",
      fingerprint: "fp",
      status: 504,
      updatedAt: 42,
    });
    expect(await second.begin("acct-1", "cid-x", "fp")).toMatchObject({
      created: false,
      entry: { state: "ambiguous" },
    });
  });
});
