import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStateStore } from "../../../src/state/sqlite-store.js";
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

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const sqliteFile = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "paddock-ledger-"));
  dirs.push(dir);
  return join(dir, "state.db");
};

behaves("sqlite order ledger", async (now) => {
  const store = openSqliteStateStore({ file: await sqliteFile(), now });
  return createOrderLedger({ store, now });
});

describe("sqlite order ledger across handles", () => {
  it("a claim made through one handle is seen by another and survives reopening the file", async () => {
    const file = await sqliteFile();
    const a = openSqliteStateStore({ file });
    const b = openSqliteStateStore({ file });
    const first = createOrderLedger({ store: a, now: () => 1 });
    const second = createOrderLedger({ store: b, now: () => 2 });
    expect(await first.begin("acct", "cid", "fp")).toEqual({ created: true });
    await first.update("acct", "cid", { state: "ambiguous", status: 504 });
    expect(await second.begin("acct", "cid", "fp")).toEqual({
      created: false,
      entry: { state: "ambiguous", fingerprint: "fp", status: 504, updatedAt: 1 },
    });
    await a.close();
    await b.close();
    const reopened = openSqliteStateStore({ file });
    expect(await createOrderLedger({ store: reopened }).get("acct", "cid")).toMatchObject({
      state: "ambiguous",
    });
    await reopened.close();
  });

  it("concurrent updates through two handles keep every field", async () => {
    const file = await sqliteFile();
    const [a, b] = [openSqliteStateStore({ file }), openSqliteStateStore({ file })];
    const la = createOrderLedger({ store: a });
    const lb = createOrderLedger({ store: b });
    await la.begin("acct", "c", "fp");
    await Promise.all([la.update("acct", "c", { orderId: "o-1" }), lb.update("acct", "c", { status: 200 })]);
    expect(await la.get("acct", "c")).toMatchObject({ orderId: "o-1", status: 200, fingerprint: "fp" });
    await a.close();
    await b.close();
  });
});

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
    const ttl = await c.ttl(`${p}kv:orders:a:c`);
    expect(ttl).toBeGreaterThan(90);
    await c.set(`${p}kv:orders:a:bad`, "garbage");
    expect(await ledger.begin("a", "bad", "fp")).toEqual({ created: true });
    expect((await ledger.get("a", "bad"))?.fingerprint).toBe("fp");
  });
});
