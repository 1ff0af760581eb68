import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { checkpointKeys, deriveCheckpointSigner } from "../../../src/audit/checkpoint.js";
import { exportAuditRecords } from "../../../src/audit/export.js";
import { createFileKv } from "../../../src/audit/file-kv.js";
import { createSealer, ERASED, KEY_UNAVAILABLE, openRecord } from "../../../src/audit/personal-data.js";
import { type AsyncKv, createSubjectKeyStore } from "../../../src/audit/subject-keys.js";
import { verifyAuditChains } from "../../../src/audit/verify.js";
import { makeKeyRing, parseMasterKey } from "../../../src/config/secrets.js";
import { orderEntry, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const master = parseMasterKey(randomBytes(32).toString("base64"), "test");
const ring = makeKeyRing(master);
const signer = deriveCheckpointSigner(master.key);

/** Everything in the folder, as one string: no subject may appear in it in plain text. */
async function everything(): Promise<string> {
  const names = await readdir(dir);
  return (await Promise.all(names.map((n) => readFile(join(dir, n), "utf8")))).join("\n");
}

async function exported(store: ReturnType<typeof createSubjectKeyStore>) {
  const out: Record<string, unknown>[] = [];
  await exportAuditRecords([dir], store, (line) => out.push(JSON.parse(line) as Record<string, unknown>));
  return out;
}

describe("personal data sealed per data subject", () => {
  it("raw files never hold a subject or client_order_id in plain text; export opens them; erasure makes them [erased] while verify passes", async () => {
    const kv = createFileKv(join(dir, "subject-keys.json"));
    const store = createSubjectKeyStore(kv, ring);
    const log = await createAuditLog(
      { dir, instanceId: "i1", durability: "batched", checkpoints: { signer } },
      { sealer: createSealer(store) },
    );
    const entry = (n: number, subject: string) => ({
      ...orderEntry(n),
      subject,
      clientOrderId: `alice-smith-order-${n}`,
      request: {
        symbol: "AAPL",
        qty: "1",
        client_order_id: `alice-smith-order-${n}`,
        legs: [{ client_order_id: `leg-${n}` }],
      },
    });
    await Promise.all([
      log.append(entry(1, "alice@example.com")),
      log.append(entry(2, "bob@example.com")),
      log.append(entry(3, "alice@example.com")),
      log.append({ action: "trade_update", outcome: "info", account: "acct-001", orderId: "o-9" }),
    ]);
    await log.close();

    const raw = await everything();
    for (const secret of ["alice@example.com", "bob@example.com", "alice-smith-order", "leg-1"]) {
      expect(raw).not.toContain(secret);
    }
    const keys = checkpointKeys([signer]);
    expect((await verifyAuditChains([dir], { keys }))[0]!.result).toMatchObject({ ok: true, lines: 4 });

    const before = await exported(store);
    expect(before.map((r) => [r.seq, r.subject, r.clientOrderId])).toEqual([
      [1, "alice@example.com", "alice-smith-order-1"],
      [2, "bob@example.com", "alice-smith-order-2"],
      [3, "alice@example.com", "alice-smith-order-3"],
      [4, undefined, undefined],
    ]);
    expect(before[0]!.request).toEqual({
      symbol: "AAPL",
      qty: "1",
      client_order_id: "alice-smith-order-1",
      legs: [{ client_order_id: "leg-1" }],
    });
    expect(before[0]!.chain).toBe("audit-i1");

    // erasure through a second store over the same file (the CLI while the gateway runs)
    const cli = createSubjectKeyStore(createFileKv(join(dir, "subject-keys.json")), ring);
    expect(await cli.erase("alice@example.com")).toBe(1);
    expect(await cli.erase("alice@example.com")).toBe(0);

    const after = await exported(store);
    expect(after.map((r) => [r.subject, r.clientOrderId])).toEqual([
      [ERASED, ERASED],
      ["bob@example.com", "alice-smith-order-2"],
      [ERASED, ERASED],
      [undefined, undefined],
    ]);
    expect(after[2]!.request).toEqual({
      symbol: "AAPL",
      qty: "1",
      client_order_id: ERASED,
      legs: [{ client_order_id: ERASED }],
    });
    expect((await verifyAuditChains([dir], { keys }))[0]!.result).toMatchObject({ ok: true, lines: 4 });
    // the key file no longer holds anything that opens alice's records, and never held her id
    expect(await readFile(join(dir, "subject-keys.json"), "utf8")).not.toContain("alice");
  });

  it("a subject seen again after erasure gets a new key; the old records stay erased", async () => {
    const store = createSubjectKeyStore(memoryKv(), ring);
    const sealer = createSealer(store);
    const first = await sealer.seal({ ...orderEntry(1), time: "2025-01-01T00:00:00Z" });
    await store.erase("bot-7");
    sealer.forget("bot-7");
    const second = await sealer.seal({ ...orderEntry(2), time: "2025-01-01T00:00:00Z" });
    expect((await openRecord(first, store)).subject).toBe(ERASED);
    expect((await openRecord(second, store)).subject).toBe("bot-7");
  });

  it("processes sharing the key file (instances, serve --workers) agree on the index and lose no key to erasure", async () => {
    const path = join(dir, "subject-keys.json");
    // each store has its own file handle and cache, as separate processes do
    const [a, b] = [0, 1].map(() => createSubjectKeyStore(createFileKv(path), ring));
    // both create the index key at once, then both create a key for the same subject at once
    const [bob, carol] = await Promise.all([a!.getOrCreate("bob"), b!.getOrCreate("carol")]);
    const [alice1, alice2] = await Promise.all([a!.getOrCreate("alice"), b!.getOrCreate("alice")]);
    const later = createSubjectKeyStore(createFileKv(path), ring);
    expect((await later.get("bob"))?.kid).toBe(bob.kid);
    expect((await later.get("carol"))?.kid).toBe(carol.kid);
    // erasure finds every key the subject was given, whichever process made it
    expect(await later.erase("alice")).toBe(alice1.kid === alice2.kid ? 1 : 2);
    expect(await later.byId(alice1.kid)).toBe("erased");
    expect(await later.byId(alice2.kid)).toBe("erased");
  });

  it("a sealed value that was altered, or whose key the store never held, reads [key unavailable]", async () => {
    const store = createSubjectKeyStore(memoryKv(), ring);
    const sealed = await createSealer(store).seal({ ...orderEntry(1), time: "2025-01-01T00:00:00Z" });
    const s = sealed.subject!;
    const flipped = `${s.slice(0, -2)}${s.at(-2) === "A" ? "B" : "A"}${s.at(-1)}`;
    expect((await openRecord({ ...sealed, subject: flipped }, store)).subject).toBe(KEY_UNAVAILABLE);
    const other = createSubjectKeyStore(memoryKv(), ring);
    expect((await openRecord(sealed, other)).subject).toBe(KEY_UNAVAILABLE);
  });

  it("a failing key store rejects the append (never writes plain text), degrades health until it is back", async () => {
    const backing = memoryKv();
    let down = true;
    const gate = <T>(op: () => Promise<T>) => (down ? Promise.reject(new Error("state store down")) : op());
    const broken: AsyncKv = {
      get: (k) => gate(() => backing.get(k)),
      put: (k, v) => gate(() => backing.put(k, v)),
      delete: (k) => gate(() => backing.delete(k)),
    };
    const errors: object[] = [];
    const log = await createAuditLog(
      { dir, durability: "fsync" },
      {
        sealer: createSealer(createSubjectKeyStore(broken, ring)),
        logger: { warn: () => {}, error: (o) => errors.push(o) },
      },
    );
    await expect(log.append(orderEntry(1))).rejects.toThrow(
      "audit subject key unavailable (state store down)",
    );
    expect(log.writable()).toBe(false);
    expect(log.health()).toMatchObject({
      ok: false,
      status: "degraded",
      writeFailures: 1,
      detail: "personal data cannot be sealed: state store down",
    });
    await log.append({ action: "trade_update", outcome: "info" }); // no subject: nothing to seal
    expect(errors).toHaveLength(1);
    down = false; // the store is back: the next append seals again and the trail is writable
    await log.append(orderEntry(2));
    expect(log.writable()).toBe(true);
    expect(log.health()).toMatchObject({ ok: true, status: "up", writeFailures: 1 });
    await log.close();
    const text = await readFile(log.path, "utf8");
    expect(text).not.toContain("bot-7");
    expect(
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).requestId),
    ).toEqual([undefined, "req-2"]);
  });
});

function memoryKv(): AsyncKv {
  const m = new Map<string, string>();
  return {
    get: async (k) => m.get(k),
    put: async (k, v) => {
      m.set(k, v);
    },
    delete: async (k) => {
      m.delete(k);
    },
  };
}
