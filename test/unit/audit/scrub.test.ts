import { describe, expect, it } from "vitest";
import { isSecretKey, REDACTED, scrub } from "../../../src/audit/scrub.js";

describe("scrub", () => {
  it("removes secret-looking keys at any depth and keeps the order fields", () => {
    const input = {
      symbol: "AAPL",
      qty: "10",
      side: "buy",
      type: "limit",
      limit_price: "187.20",
      time_in_force: "day",
      client_order_id: "coid-1",
      key_id: "AKXXXX",
      secret_key: "shh",
      apiKey: "k",
      headers: {
        Authorization: "Bearer abc",
        "APCA-API-KEY-ID": "AK",
        "APCA-API-SECRET-KEY": "SK",
        accept: "json",
      },
      nested: [
        { password: "p", token: "t", keep: 1 },
        { access_token: "x", refresh_token: "y" },
      ],
      credentials: { user: "u" },
      client_secret: "cs",
    };
    expect(scrub(input)).toEqual({
      symbol: "AAPL",
      qty: "10",
      side: "buy",
      type: "limit",
      limit_price: "187.20",
      time_in_force: "day",
      client_order_id: "coid-1",
      headers: { accept: "json" },
      nested: [{ keep: 1 }, {}],
    });
  });

  it("redacts credential values under innocent keys", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    expect(scrub({ note: "Bearer abc.def", other: jwt, basic: "Basic dTpw", plain: "bearer" })).toEqual({
      note: REDACTED,
      other: REDACTED,
      basic: REDACTED,
      plain: "bearer",
    });
  });

  it("does not modify its input and survives cycles and odd values", () => {
    const inner: Record<string, unknown> = { secret: "s", n: 1 };
    inner.loop = inner;
    const input = {
      inner,
      when: new Date("2025-01-02T03:04:05.000Z"),
      big: 10n,
      nan: Number.NaN,
      fn: () => 1,
    };
    const out = scrub(input);
    expect(out).toEqual({
      inner: { n: 1, loop: "[circular]" },
      when: "2025-01-02T03:04:05.000Z",
      big: "10",
      nan: "NaN",
    });
    expect(inner.secret).toBe("s");
  });

  it("recognises key spellings case- and separator-insensitively", () => {
    for (const key of [
      "KEY_ID",
      "Secret-Key",
      "secretKey",
      "x-api-key",
      "apiKey",
      "PRIVATE_KEY",
      "masterKey",
      "key",
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of [
      "symbol",
      "qty",
      "client_order_id",
      "stop_loss",
      "take_profit",
      "side",
      "order_class",
    ]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});
