import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderLedger, type OrderLedger, parseLedgerEntry } from "../../../src/trading/order-ledger.js";
import { getRedisUrl, uniquePrefix } from "../../helpers/redis.js";

function behaves(name: string, make: (now: () => number) => Promise<OrderLedger> | OrderLedger) {
  describe(name, () => {
    it("claims a client_order_id once; the second claim sees the first entry", async () => {
      const ledger = await make(() => 5000);
      expect(await ledger.begin("a", "cid:1", "fp")).toEqual({ created: true });
      const second = await ledger.begin("a", "cid:1", "other");
      expect(second).toEqual({
        created: false,
        entry: { state: "sent", fingerprint: "fp", updatedAt: 5000 },
      });
      // another account's id space is separate
      expect(await ledger.begin("b", "cid:1", "fp")).toEqual({ created: true });
    });

    it("updates merge into the entry and keep the fingerprint", async () => {
      const ledger = await make(() => 7000);
      await ledger.begin("a", "c2", "fp");
      await ledger.update("a", "c2", {
        state: "acknowledged",
        status: 200,
        body: '{"id":"x","sym":"é"}',
        orderId: "x",
      });
      expect(await ledger.get("a", "c2")).toEqual({
        state: "acknowledged",
        fingerprint: "fp",
        status: 200,
        body: '{"id":"x","sym":"é"}',
        orderId: "x",
        updatedAt: 7000,
      });
      expect(await ledger.get("a", "missing")).toBeUndefined();
    });

    it("update of a vanished entry still records what is known", async () => {
      const ledger = await make(() => 9000);
      await ledger.update("a", "gone", { state: "ambiguous" });
      expect(await ledger.get("a", "gone")).toMatchObject({ state: "ambiguous", fingerprint: "" });
    });
  });
}

behaves("memory order ledger", (now) => createOrderLedger({ keyPrefix: "x:", now }));

describe("memory order ledger expiry", () => {
  it("forgets entries after ttlSeconds", async () => {
    let t = 0;
    const ledger = createOrderLedger({ keyPrefix: "x:", ttlSeconds: 10, now: () => t });
    await ledger.begin("a", "c", "fp");
    t = 9_999;
    expect(await ledger.get("a", "c")).toBeDefined();
    t = 10_000;
    expect(await ledger.get("a", "c")).toBeUndefined();
    expect(await ledger.begin("a", "c", "fp2")).toEqual({ created: true });
  });

  it("refuses a bad ttl by name", () => {
    expect(() => createOrderLedger({ keyPrefix: "x", ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });
});

describe("parseLedgerEntry", () => {
  it("refuses anything that is not an entry", () => {
    expect(parseLedgerEntry("nope")).toBeUndefined();
    expect(parseLedgerEntry('{"state":"weird","fingerprint":"f","updatedAt":1}')).toBeUndefined();
    expect(parseLedgerEntry('{"state":"sent","fingerprint":"f"}')).toBeUndefined();
    expect(parseLedgerEntry('{"state":"sent","fingerprint":"f","updatedAt":1}')).toEqual({
      state: "sent",
      fingerprint: "f",
      updatedAt: 1,
    });
  });
});

const url = await getRedisUrl();
const clients: Redis[] = [];
beforeAll(() => undefined);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

describe.skipIf(url === undefined)("redis order ledger", () => {
  const prefix = uniquePrefix("ledger");
  const redis = () => {
    const c = new Redis(url!, { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  behaves("shared", (now) =>
    createOrderLedger({ redis: redis(), keyPrefix: `${prefix}${Math.random()}:`, now }),
  );

  it("keeps entries with a TTL and overwrites a corrupt value on claim", async () => {
    const c = redis();
    const p = `${prefix}ttl:`;
    const ledger = createOrderLedger({ redis: c, keyPrefix: p, ttlSeconds: 100 });
    await ledger.begin("a", "c", "fp");
    const ttl = await c.ttl(`${p}a:c`);
    expect(ttl).toBeGreaterThan(90);
    await c.set(`${p}a:bad`, "garbage");
    expect(await ledger.begin("a", "bad", "fp")).toEqual({ created: true });
    expect((await ledger.get("a", "bad"))?.fingerprint).toBe("fp");
  });
});
