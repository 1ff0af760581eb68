/**
 * Issue #11: Alpaca clients that only know APCA-API-KEY-ID / APCA-API-SECRET-KEY work
 * unchanged through the gateway — the gateway JWT as the secret (any key id), or a
 * registered OAuth2 client's id and secret as the pair. Raw fetch and the official SDK.
 */
import { ApiError, OrdersApi, trading } from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashClientSecret } from "../../src/auth/client-secret.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
const CLIENT_SECRET = "surface-key-pair-secret-0123456789";

beforeAll(async () => {
  const secretHash = await hashClientSecret(CLIENT_SECRET);
  gw = await startGateway({
    accounts: 2,
    configure: (raw) => {
      (raw.auth as Record<string, unknown>).clients = [
        { id: "bot-kp", secretHash, scopes: ["read", "trade"], accounts: ["acct-002"], ttlSeconds: 600 },
      ];
    },
  });
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(() => gw.close());

const pair = (keyId: string, secret: string, path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: {
      "APCA-API-KEY-ID": keyId,
      "APCA-API-SECRET-KEY": secret,
      ...(init.body ? { "content-type": "application/json" } : {}),
    },
  });

describe("key/secret-only clients", () => {
  it("accepts the gateway JWT as APCA-API-SECRET-KEY with any key id, scopes and accounts still applying", async () => {
    const token = await gw.token({ scopes: ["read"], accounts: ["acct-001"] });
    const res = await pair("paddock", token, "/v1/accounts/acct-001/v2/account");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("ACTIVE");
    expect((await pair("anything-at-all", token, "/v1/accounts/acct-001/v2/clock")).status).toBe(200);
    expect((await pair("paddock", token, "/v1/accounts/acct-002/v2/account")).status).toBe(403);
    const order = await pair("paddock", token, "/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(order.status).toBe(403); // read-only token
    expect((await pair("paddock", `${token}x`, "/v1/accounts/acct-001/v2/account")).status).toBe(401);
  });

  it("accepts a registered client's client_id/client_secret as the pair, as if it held a token", async () => {
    const res = await pair("bot-kp", CLIENT_SECRET, "/v1/accounts/acct-002/v2/account");
    expect(res.status).toBe(200);
    const placed = await pair("bot-kp", CLIENT_SECRET, "/v1/accounts/acct-002/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(placed.status).toBe(200);
    expect((await pair("bot-kp", CLIENT_SECRET, "/v1/accounts/acct-001/v2/account")).status).toBe(403);
    const wrong = await pair("bot-kp", "not-the-secret", "/v1/accounts/acct-002/v2/account");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("x-paddock-source")).toBe("gateway");
    expect((await pair("nobody", CLIENT_SECRET, "/v1/accounts/acct-002/v2/account")).status).toBe(401);
    // the secret never shows up in what the gateway logged
    expect(gw.logs()).not.toContain(CLIENT_SECRET);
  });

  it("works with the official SDK configured with keyId/secret and basePath only", async () => {
    const token = await gw.token({ scopes: ["read", "trade"], accounts: ["acct-001"] });
    for (const [keyId, secret, account] of [
      ["paddock", token, "acct-001"],
      ["bot-kp", CLIENT_SECRET, "acct-002"],
    ] as const) {
      const config = new trading.Configuration({
        basePath: `${gw.url}/v1/accounts/${account}`,
        keyId,
        secret,
      });
      const acct = await new trading.AccountsApi(config).getAccount();
      expect(acct.status).toBe("ACTIVE");
      const orders = new OrdersApi(config);
      const o = await orders.market({ symbol: "AAPL", qty: 1, side: "buy", clientOrderId: `kp-${keyId}` });
      expect(trading.instanceOfOrder(o)).toBe(true);
      expect((await orders.getOrderByOrderID({ orderId: o.id ?? "" })).clientOrderId).toBe(`kp-${keyId}`);
      const clock = await new trading.ClockApi(config).legacyClock();
      expect(typeof clock.isOpen).toBe("boolean");
      // a malformed order id reads like Alpaca's own 422
      const err = await orders.getOrderByOrderID({ orderId: "not-a-uuid" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(422);
    }
  });
});
