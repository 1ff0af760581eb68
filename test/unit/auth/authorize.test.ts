/** Scope and account authorization of a verified principal. */
import { describe, expect, it } from "vitest";
import { allowedAccounts, authorize, type Principal, type Scope } from "../../../src/auth/index.js";
import { isPaddockError } from "../../../src/errors.js";

const principal = (scopes: Scope[], accounts: "*" | string[]): Principal => ({
  sub: "s",
  scopes: new Set(scopes),
  accounts: accounts === "*" ? "*" : new Set(accounts),
  iat: 0,
  exp: 60,
});

function codeOf(fn: () => void): string {
  try {
    fn();
    return "OK";
  } catch (err) {
    if (!isPaddockError(err)) throw err;
    return err.code;
  }
}

describe("authorize", () => {
  const p = principal(["read", "data"], ["acct-001", "acct-002"]);

  it("passes when the scope and the account are granted", () => {
    expect(codeOf(() => authorize(p, { scope: "read", accountId: "acct-002" }))).toBe("OK");
    expect(codeOf(() => authorize(p, {}))).toBe("OK");
  });

  it("a missing scope is PADDOCK_AUTH_SCOPE (403) naming the scope", () => {
    let err: unknown;
    try {
      authorize(p, { scope: "trade", accountId: "acct-001" });
    } catch (e) {
      err = e;
    }
    expect(isPaddockError(err, "PADDOCK_AUTH_SCOPE")).toBe(true);
    expect(isPaddockError(err) && err.status).toBe(403);
    expect(String((err as Error).message)).toContain('"trade"');
  });

  it("scopes are independent: admin does not imply trade or read", () => {
    const admin = principal(["admin"], "*");
    expect(codeOf(() => authorize(admin, { scope: "trade" }))).toBe("PADDOCK_AUTH_SCOPE");
    expect(codeOf(() => authorize(admin, { scope: "read" }))).toBe("PADDOCK_AUTH_SCOPE");
    expect(codeOf(() => authorize(admin, { scope: "admin" }))).toBe("OK");
  });

  it("an account not listed is PADDOCK_AUTH_ACCOUNT (403)", () => {
    expect(codeOf(() => authorize(p, { scope: "read", accountId: "acct-003" }))).toBe("PADDOCK_AUTH_ACCOUNT");
    expect(codeOf(() => authorize(principal(["read"], []), { accountId: "acct-001" }))).toBe(
      "PADDOCK_AUTH_ACCOUNT",
    );
  });

  it('"*" allows every account', () => {
    expect(codeOf(() => authorize(principal(["trade"], "*"), { scope: "trade", accountId: "any" }))).toBe(
      "OK",
    );
  });

  it("the scope is checked before the account", () => {
    expect(codeOf(() => authorize(p, { scope: "admin", accountId: "nope" }))).toBe("PADDOCK_AUTH_SCOPE");
  });
});

describe("allowedAccounts", () => {
  const all = ["acct-003", "acct-001", "acct-002"];

  it("keeps the listed accounts, in the order of the fleet", () => {
    expect(allowedAccounts(principal([], ["acct-002", "acct-001", "ghost"]), all)).toEqual([
      "acct-001",
      "acct-002",
    ]);
  });

  it('"*" gives the whole fleet and no accounts gives none', () => {
    expect(allowedAccounts(principal([], "*"), new Set(all))).toEqual(all);
    expect(allowedAccounts(principal([], []), all)).toEqual([]);
  });
});
