import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { canonicalTarget, checkRequestTarget, decodeSegment } from "../../../src/http/canonical-target.js";

const refused = (raw: string): string => {
  try {
    checkRequestTarget(raw);
  } catch (err) {
    if (isPaddockError(err, "PADDOCK_REQUEST_TARGET")) {
      expect(err.status).toBe(400);
      return err.message;
    }
    throw err;
  }
  throw new Error(`${raw} was accepted`);
};

describe("canonical request targets", () => {
  it("accepts the canonical forms Alpaca clients send", () => {
    for (const ok of [
      "/v1/accounts/acct-001/v2/orders",
      "/v1/accounts/acct_1/v2/orders?status=open&limit=5",
      "/v1/accounts/A-1/v2/orders:by_client_order_id?client_order_id=a%20b",
      "/v1/accounts/acct-001/v2/positions/BTC%2FUSD",
      "/v1/accounts/acct-001/v2/positions/BTC%2fUSD",
      "/v1/accounts/acct-001/v2/assets/X%3AY",
      "/v1/data/v1beta3/crypto/us/latest/trades?symbols=BTC%2FUSD",
      "/livez",
    ]) {
      expect(() => checkRequestTarget(ok), ok).not.toThrow();
    }
    expect(checkRequestTarget("*")).toBeUndefined();
    expect(canonicalTarget("/a/b?x=1")).toEqual({ path: "/a/b", segments: ["a", "b"], query: "x=1" });
    expect(decodeSegment("BTC%2FUSD")).toBe("BTC/USD");
  });

  it("refuses absolute-form and authority-form targets", () => {
    expect(refused("http://127.0.0.1/v1/accounts/acct-001/v2/orders")).toMatch(/origin-form/);
    expect(refused("127.0.0.1:80")).toMatch(/origin-form/);
  });

  it("refuses dot segments, raw or encoded", () => {
    expect(refused("/v1/accounts/acct-001/v2/./orders")).toMatch(/dot segment/);
    expect(refused("/v1/accounts/acct-001/v2/../../admin/halt")).toMatch(/dot segment/);
    expect(refused("/v1/accounts/acct-001/v2/%2e/orders")).toMatch(/%2E/);
    expect(refused("/v1/accounts/acct-001/v2/%2E%2E/orders")).toMatch(/%2E/);
    expect(refused("/v1/accounts/acct-001/v2/.%2e/orders")).toMatch(/%2E/);
  });

  it("refuses empty segments and trailing slashes", () => {
    expect(refused("/v1/accounts/acct-001/v2//orders")).toMatch(/empty/);
    expect(refused("//v1/accounts/acct-001/v2/orders")).toMatch(/empty/);
    expect(refused("/v1/accounts/acct-001/v2/orders/")).toMatch(/empty/);
    expect(refused("/v1/")).toMatch(/empty/);
    expect(refused("/docs//static")).toMatch(/empty/);
    // outside /v1 a trailing slash cannot lead anywhere else (the docs UI uses /docs/)
    expect(checkRequestTarget("/docs/")?.path).toBe("/docs/");
    expect(checkRequestTarget("/")?.path).toBe("/");
  });

  it("refuses backslashes, raw or encoded", () => {
    expect(refused("/v1/accounts/acct-001/v2\\orders")).toMatch(/backslash/);
    expect(refused("/v1/accounts/acct-001/v2/%5corders")).toMatch(/%5C/);
    expect(refused("/v1/accounts/acct-001/v2/%5Corders")).toMatch(/%5C/);
  });

  it("refuses percent-encoding other than %2F and %3A", () => {
    expect(refused("/v1/accounts/acct-001/v2/%6Frders")).toMatch(/%6F/);
    expect(refused("/v1/%61ccounts/acct-001/v2/orders")).toMatch(/%61/);
    expect(refused("/v1/accounts/acct-001/v2/orders%00")).toMatch(/%00/);
    expect(refused("/v1/accounts/acct-001/v2/orders%252F")).toMatch(/%25/);
    expect(refused("/v1/accounts/acct-001/v2/orders%2")).toMatch(/malformed/);
    expect(refused("/v1/accounts/acct-001/v2/orders?x=%zz")).toMatch(/malformed/);
  });

  it("refuses an account id that is not [A-Za-z0-9_-]+ literally", () => {
    expect(refused("/v1/accounts/acct%2D001/v2/orders")).toMatch(/%2D/);
    expect(refused("/v1/accounts/acct%3A001/v2/orders")).toMatch(/account id/);
    expect(refused("/v1/accounts/acct.001/v2/orders")).toMatch(/account id/);
    expect(refused("/v1/accounts/acct@001/v2/orders")).toMatch(/account id/);
  });

  it("refuses characters outside RFC 3986 and fragments", () => {
    expect(refused('/v1/accounts/acct-001/v2/or"ders')).toMatch(/character/);
    expect(refused("/v1/accounts/acct-001/v2/orders#x")).toMatch(/fragment/);
    expect(refused("/v1/accounts/acct-001/v2/orders?a=\u00e9")).toMatch(/query/);
  });
});
