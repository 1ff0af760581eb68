/** Durable halts: global and per account, shared through the store, mirrored onto the fleet. */
import { afterAll, describe, expect, it } from "vitest";
import { PaddockError } from "../../../src/errors.js";
import { createMemoryStateStore } from "../../../src/state/memory-store.js";
import { createHalts, type Halts, mirrorHaltsToFleet } from "../../../src/trading/halts.js";

const opened: Halts[] = [];
afterAll(() => {
  for (const h of opened) h.close();
});
const open = async (store = createMemoryStateStore()) => {
  const h = await createHalts({ store, pollIntervalMs: 50, now: () => 1234 });
  opened.push(h);
  return h;
};
const until = async (check: () => boolean, what: string) => {
  for (const deadline = Date.now() + 2000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("halts", () => {
  it("sets and lifts the global halt and account halts, visible at once where set", async () => {
    const h = await open();
    expect(h.isHalted()).toBe(false);
    await h.set(undefined, true, "ops");
    expect(h.isHalted()).toBe(true);
    expect(h.isHalted("acct-1")).toBe(false); // an account's own halt is separate
    await h.set("acct-1", true);
    expect(h.isHalted("acct-1")).toBe(true);
    expect([...h.list().entries()]).toEqual([
      ["*", { at: 1234, by: "ops" }],
      ["acct-1", { at: 1234 }],
    ]);
    await h.set(undefined, false);
    expect(h.isHalted()).toBe(false);
    expect(h.isHalted("acct-1")).toBe(true);
  });

  it("a new instance on the same store starts halted; another instance's change arrives by polling", async () => {
    const store = createMemoryStateStore();
    const a = await open(store);
    await a.set("acct-2", true);
    const b = await open(store);
    expect(b.isHalted("acct-2")).toBe(true); // loaded before it serves
    await a.set("acct-2", false);
    await until(() => !b.isHalted("acct-2"), "b to see the resume");
  });

  it("mirrors the stored halts onto each account, and onto accounts a reload adds", async () => {
    const h = await open();
    await h.set("acct-3", true);
    const flags = new Map<string, boolean>();
    const ids = ["acct-1"];
    const listeners = new Set<() => void>();
    const fleet = {
      list: () => ids.map((id) => ({ id })),
      setHalted: (id: string, halted: boolean) => void flags.set(id, halted),
      onChange: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const stop = mirrorHaltsToFleet(h, fleet);
    expect(flags.get("acct-1")).toBe(false);
    ids.push("acct-3");
    for (const l of listeners) l();
    expect(flags.get("acct-3")).toBe(true);
    await h.set("acct-1", true);
    expect(flags.get("acct-1")).toBe(true);
    stop();
    expect(listeners.size).toBe(0);
  });

  it("a halt the store cannot record is refused with 503, not half-applied", async () => {
    const store = createMemoryStateStore();
    const h = await open(store);
    store.put = async () => {
      throw new Error("redis down");
    };
    const err = await h.set(undefined, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaddockError);
    expect((err as PaddockError).status).toBe(503);
    expect(h.isHalted()).toBe(false);
  });
});
