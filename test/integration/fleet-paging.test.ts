/**
 * GET /v1/accounts and GET /v1/portfolio over 1,000 accounts: pages that cover the fleet
 * exactly once, filters, tag grants, and a portfolio answered from per-account snapshots.
 * Timings are printed (not asserted tightly: the machine is shared); docs/fleet.md has them.
 */
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

interface View {
  id: string;
  tags: string[];
  mode: string;
  status: string;
  halted: boolean;
}
interface Listing {
  accounts: View[];
  next_cursor: string | null;
  total: number;
}

let gw: TestGateway;
const N = 1000;

beforeAll(async () => {
  gw = await startGateway({
    accounts: N,
    logLevel: "warn",
    configure: (raw) => {
      const accounts = raw.accounts as Array<{ id: string; tags: string[] }>;
      accounts.forEach((a, i) => {
        if (i % 10 === 0) a.tags = ["demo", "tens"];
      });
    },
  });
}, 120_000);
afterAll(() => gw.close());

const list = async (query: string, token?: string): Promise<Listing> => {
  const res = await gw.call(`/v1/accounts${query}`, token ? { token } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as Listing;
};

describe("GET /v1/accounts at 1,000 accounts", () => {
  it("pages with limit and cursor over every account exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const times: number[] = [];
    do {
      const t0 = performance.now();
      const page: Listing = await list(`?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      times.push(performance.now() - t0);
      seen.push(...page.accounts.map((a) => a.id));
      expect(page.total).toBe(N);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    const t0 = performance.now();
    const all = await list("");
    const full = performance.now() - t0;
    expect(all.accounts).toHaveLength(N);
    expect(all.next_cursor).toBeNull();
    console.log(
      `[timing] GET /v1/accounts?limit=100: ${times.map((t) => t.toFixed(1)).join(", ")} ms; all ${N}: ${full.toFixed(1)} ms`,
    );
  });

  it("filters by tag, mode, halted and status; bad values are 422 naming the parameter", async () => {
    expect((await list("?tag=tens")).total).toBe(100);
    expect((await list("?mode=live")).total).toBe(0);
    await gw.call("/v1/admin/accounts/acct-007/halt", { method: "POST" });
    const halted = await list("?halted=true");
    expect(halted.accounts.map((a) => a.id)).toEqual(["acct-007"]);
    expect((await list("?status=halted")).accounts.map((a) => a.id)).toEqual(["acct-007"]);
    expect((await list("?status=active&limit=5")).accounts.map((a) => a.id)).not.toContain("acct-007");
    await gw.call("/v1/admin/accounts/acct-007/resume", { method: "POST" });
    for (const [q, field] of [
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["cursor=zzz", "cursor"],
      ["status=asleep", "status"],
      ["breaker=ajar", "breaker"],
      ["halted=maybe", "halted"],
    ] as const) {
      const res = await gw.call(`/v1/accounts?${q}`);
      expect(res.status, q).toBe(422);
      expect(((await res.json()) as { message: string }).message).toContain(field);
    }
  });

  it("a token granting tag:tens sees exactly the tagged accounts and may trade on them", async () => {
    const token = await gw.token({ scopes: ["read"], accounts: ["tag:tens"] });
    const mine = await list("", token);
    expect(mine.total).toBe(100);
    expect(mine.accounts.every((a) => a.tags.includes("tens"))).toBe(true);
    expect((await gw.call("/v1/accounts/acct-011/v2/account", { token })).status).toBe(200);
    expect((await gw.call("/v1/accounts/acct-012/v2/account", { token })).status).toBe(403);
  });
});

describe("GET /v1/portfolio at 1,000 accounts", () => {
  it("answers from per-account snapshots, says how fresh, and pages", async () => {
    const t0 = performance.now();
    const cold = await gw.call("/v1/portfolio");
    const coldMs = performance.now() - t0;
    expect(cold.status).toBe(200);
    const before = (await gw.simStats()).requests.total;
    const warmTimes: number[] = [];
    let body: {
      totals: { accounts: number; accounts_failed: number };
      accounts: Array<{ id: string; as_of: string }>;
      snapshot: { refreshed_after_ms: number; oldest_age_ms: number };
    } = {
      totals: { accounts: 0, accounts_failed: 0 },
      accounts: [],
      snapshot: { refreshed_after_ms: 0, oldest_age_ms: 0 },
    };
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      const warm = await gw.call("/v1/portfolio");
      warmTimes.push(performance.now() - t1);
      body = (await warm.json()) as typeof body;
    }
    expect(body.totals.accounts).toBe(N);
    expect(body.totals.accounts_failed).toBe(0);
    expect(body.snapshot.refreshed_after_ms).toBe(5000);
    expect(body.accounts[0]!.as_of).toMatch(/^\d{4}-/);
    // warm answers came from memory: no upstream call was made for them
    expect((await gw.simStats()).requests.total - before).toBeLessThan(N);
    expect(Math.min(...warmTimes)).toBeLessThan(2000);
    console.log(
      `[timing] GET /v1/portfolio (${N} accounts): cold ${coldMs.toFixed(0)} ms; warm ${warmTimes.map((t) => t.toFixed(0)).join(", ")} ms`,
    );
    const page = (await (await gw.call("/v1/portfolio?limit=50&tag=tens")).json()) as {
      accounts: unknown[];
      next_cursor: string | null;
      total_accounts: number;
    };
    expect(page.accounts).toHaveLength(50);
    expect(page.total_accounts).toBe(100);
    expect(page.next_cursor).not.toBeNull();
  });
});
