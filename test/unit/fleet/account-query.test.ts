import { describe, expect, it } from "vitest";
import type { Account, AccountStatus } from "../../../src/accounts/types.js";
import { pageAccounts, parseAccountQuery } from "../../../src/fleet/account-query.js";

const account = (id: string, over: Partial<AccountStatus> = {}, tags: string[] = []): Account =>
  ({
    id,
    mode: "paper",
    tags,
    status: () => ({
      budget: { limit: 200, remaining: 200, resetAt: 0, queued: 0 },
      breaker: "closed",
      halted: false,
      ...over,
    }),
  }) as unknown as Account;

const fleet = Array.from({ length: 10 }, (_, i) => account(`a-${i}`, {}, i % 2 === 0 ? ["even"] : []));

describe("pageAccounts", () => {
  it("pages with cursors that survive an account removed between pages", () => {
    const q = parseAccountQuery({ limit: "4" });
    const p1 = pageAccounts(fleet, q);
    expect(p1.items.map((a) => a.id)).toEqual(["a-0", "a-1", "a-2", "a-3"]);
    // a-1 leaves before the next page: the cursor still continues after a-3
    const smaller = fleet.filter((a) => a.id !== "a-1");
    const p2 = pageAccounts(smaller, parseAccountQuery({ limit: "4", cursor: p1.nextCursor! }));
    expect(p2.items.map((a) => a.id)).toEqual(["a-4", "a-5", "a-6", "a-7"]);
    // the account the cursor names is itself gone: continue after where it sorted
    const without3 = smaller.filter((a) => a.id !== "a-3");
    expect(
      pageAccounts(without3, parseAccountQuery({ limit: "2", cursor: p1.nextCursor! })).items[0]!.id,
    ).toBe("a-4");
    const last = pageAccounts(
      fleet,
      parseAccountQuery({
        limit: "4",
        cursor: pageAccounts(fleet, parseAccountQuery({ limit: "8" })).nextCursor!,
      }),
    );
    expect(last.items.map((a) => a.id)).toEqual(["a-8", "a-9"]);
    expect(last.nextCursor).toBeNull();
  });

  it("filters by tag, status, breaker, halted and id search", () => {
    const mixed = [
      account("x-1", { halted: true }, ["t"]),
      account("x-2", { breaker: "open" }),
      account("y-3", { breaker: "half_open" }, ["t"]),
    ];
    const ids = (q: Record<string, string>) =>
      pageAccounts(mixed, parseAccountQuery(q)).items.map((a) => a.id);
    expect(ids({ tag: "t" })).toEqual(["x-1", "y-3"]);
    expect(ids({ status: "halted" })).toEqual(["x-1"]);
    expect(ids({ status: "unavailable" })).toEqual(["x-2"]);
    expect(ids({ status: "active" })).toEqual(["y-3"]);
    expect(ids({ breaker: "half_open" })).toEqual(["y-3"]);
    expect(ids({ halted: "false" })).toEqual(["x-2", "y-3"]);
    expect(ids({ q: "X-" })).toEqual(["x-1", "x-2"]);
    expect(pageAccounts(mixed, parseAccountQuery({ tag: "t" })).total).toBe(2);
  });

  it("refuses bad parameters naming them", () => {
    expect(() => parseAccountQuery({ limit: "1001" })).toThrow(/limit/);
    expect(() => parseAccountQuery({ cursor: "eyJ4IjoxfQ" })).toThrow(/cursor/);
    expect(() => parseAccountQuery({ mode: "real" })).toThrow(/mode/);
    expect(() => parseAccountQuery({ tag: "" })).toThrow(/tag/);
  });
});
