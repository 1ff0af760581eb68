import { describe, expect, it } from "vitest";
import { parseCsv, parseImport, parseNewAccount } from "../../../src/fleet/account-admin.js";

describe("account input", () => {
  it("parses CSV with a header, tags split by ';', comments and blank lines skipped", () => {
    const rows = parseCsv("# fleet\nid,mode,keyId,secretKey,tags\n\na1,paper,K1,S1,x;y\na2,,K2,S2,\n");
    expect(rows).toEqual([
      { id: "a1", mode: "paper", keyId: "K1", secretKey: "S1", tags: "x;y" },
      { id: "a2", keyId: "K2", secretKey: "S2" },
    ]);
    expect(parseNewAccount(rows[0]).tags).toEqual(["x", "y"]);
    expect(parseNewAccount(rows[1]).mode).toBe("paper");
    expect(() => parseCsv("mode,keyId\npaper,K\n")).toThrow(/first line/);
    expect(() => parseCsv("id,keyId\na,K,extra\n")).toThrow(/line 2/);
  });

  it("names the field at fault, with its place in an import", () => {
    expect(() => parseNewAccount({ id: "bad id", keyId: "k", secretKey: "s" })).toThrow(/id/);
    expect(() => parseNewAccount({ id: "a", keyId: "k" }, "accounts[2].")).toThrow(
      /accounts\[2\]\.secretKey/,
    );
    expect(() => parseNewAccount({ id: "a", mode: "live", keyId: "k", secretKey: "s" })).toThrow(
      /confirm_live/,
    );
    expect(
      parseNewAccount({ id: "a", mode: "live", keyId: "k", secretKey: "s", confirm_live: true }).mode,
    ).toBe("live");
    expect(() => parseNewAccount({ id: "a", keyId: "k", secretKey: "s", tags: [1] })).toThrow(/tags/);
  });

  it("takes an import as an array, {accounts, confirm_live} or CSV text", () => {
    expect(parseImport([{ id: "a" }])).toEqual([{ id: "a" }]);
    expect(parseImport({ accounts: [{ id: "a" }], confirm_live: true })).toEqual([
      { confirm_live: true, id: "a" },
    ]);
    expect(parseImport("id\na\n")).toEqual([{ id: "a" }]);
    expect(() => parseImport(42)).toThrow(/body/);
  });
});
