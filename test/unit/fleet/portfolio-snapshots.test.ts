import { describe, expect, it } from "vitest";
import type { Account, UpstreamRequest } from "../../../src/accounts/types.js";
import { createPortfolioSnapshots, snapshotAges } from "../../../src/fleet/portfolio-snapshots.js";

function fakeAccount(id: string) {
  const calls: string[] = [];
  let fail = false;
  let equity = 100;
  const account = {
    id,
    mode: "paper",
    async request(req: UpstreamRequest) {
      calls.push(req.path);
      if (fail) return { status: 500, headers: {}, body: Buffer.from("down") };
      const body = req.path === "/v2/account" ? { equity: String(equity) } : [];
      return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) };
    },
  } as unknown as Account;
  return {
    account,
    calls,
    setFail: (f: boolean) => {
      fail = f;
    },
    setEquity: (e: number) => {
      equity = e;
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("portfolio snapshots", () => {
  it("serves fresh snapshots from memory, stale ones while refreshing, and waits past maxAge", async () => {
    let now = 1_000;
    const a = fakeAccount("a");
    const snaps = createPortfolioSnapshots({ freshMs: 5_000, maxAgeMs: 60_000, now: () => now });
    const first = await snaps.get([a.account]);
    expect(first[0]).toMatchObject({ ok: true, at: 1_000 });
    expect(a.calls).toHaveLength(2);
    now += 4_000;
    await snaps.get([a.account]);
    expect(a.calls).toHaveLength(2); // fresh: no upstream call
    now += 2_000;
    a.setEquity(200);
    const stale = await snaps.get([a.account]);
    expect(stale[0]!.ok && stale[0]!.account.equity).toBe("100"); // served stale…
    await settle();
    await settle();
    const refreshed = await snaps.get([a.account]);
    expect(refreshed[0]!.ok && refreshed[0]!.account.equity).toBe("200"); // …refreshed behind it
    now += 61_000;
    a.setEquity(300);
    const waited = await snaps.get([a.account]);
    expect(waited[0]!.ok && waited[0]!.account.equity).toBe("300");
    expect(snapshotAges(waited, 5_000, now + 10)).toEqual({
      refreshed_after_ms: 5_000,
      oldest_age_ms: 10,
      newest_age_ms: 10,
    });
  });

  it("a failed refresh never replaces good data within maxAge; one refresh per account at a time", async () => {
    let now = 0;
    const a = fakeAccount("a");
    const snaps = createPortfolioSnapshots({ freshMs: 1_000, maxAgeMs: 10_000, now: () => now });
    await snaps.get([a.account]);
    a.setFail(true);
    now = 2_000;
    await snaps.get([a.account]);
    await settle();
    await settle();
    const kept = await snaps.get([a.account]);
    expect(kept[0]!.ok).toBe(true);
    await settle(); // the refresh that stale answer started
    await settle();
    snaps.invalidate("a");
    const calls = a.calls.length;
    const [x, y] = await Promise.all([snaps.get([a.account]), snaps.get([a.account])]);
    expect(a.calls.length - calls).toBe(2); // account + positions, once
    expect(x[0]!.ok).toBe(false);
    expect(y[0]).toBe(x[0]);
  });
});
