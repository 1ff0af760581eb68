/**
 * Crypto through the gateway as through Alpaca: `BTC/USD` orders under crypto's rules (gtc or
 * ioc, fractional quantities, around the clock), positions addressed as `BTC%2FUSD`, and the
 * risk check pricing a pair from the crypto feed through the market-data cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

const order = (extra: Record<string, unknown>) =>
  JSON.stringify({ symbol: "BTC/USD", side: "buy", type: "market", time_in_force: "gtc", ...extra });

beforeAll(async () => {
  gw = await startGateway({
    accounts: 2,
    configure: (raw) => {
      const accounts = raw.accounts as Array<Record<string, unknown>>;
      accounts[1]!.limits = { maxOrderNotional: 100 };
      raw.streams = { recordTradeUpdates: false };
    },
  });
  // crypto trades around the clock: the stock session is closed
  await gw.simCall("POST", "/_sim/clock", { open: false });
});
afterAll(() => gw.close());

describe("crypto through the gateway", () => {
  it("places a fractional BTC/USD order and reads its position by the encoded pair", async () => {
    const placed = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: order({ qty: "0.0015", client_order_id: "btc-1" }),
    });
    expect(placed.status).toBe(200);
    const body = (await placed.json()) as { symbol: string; qty: string; asset_class: string };
    expect(body).toMatchObject({ symbol: "BTC/USD", qty: "0.0015", asset_class: "crypto" });
    const position = await gw.call("/v1/accounts/acct-001/v2/positions/BTC%2FUSD");
    expect(position.status).toBe(200);
    expect(((await position.json()) as { qty: string }).qty).toBe("0.0015");
    expect((await gw.simStats()).orders.byClientOrderId["btc-1"]).toBe(1);
  });

  it("refuses what Alpaca refuses for crypto before it leaves", async () => {
    const before = (await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0;
    const day = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: order({ qty: "0.01", time_in_force: "day" }),
    });
    expect(day.status).toBe(422);
    expect(((await day.json()) as { message: string }).message).toContain("time_in_force");
    expect((await gw.simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(before);
  });

  it("prices a pair for the risk check from the crypto feed", async () => {
    const tooBig = await gw.call("/v1/accounts/acct-002/v2/orders", {
      method: "POST",
      body: order({ qty: "0.01" }),
    });
    expect(tooBig.status).toBe(403);
    expect(((await tooBig.json()) as { message: string }).message).toMatch(/maxOrderNotional: order value/);
    const small = await gw.call("/v1/accounts/acct-002/v2/orders", {
      method: "POST",
      body: order({ qty: "0.0001" }),
    });
    expect(small.status).toBe(200);
    expect((await gw.simStats()).requests.byPath["GET /v1beta3/crypto/us/latest/trades"]).toBeGreaterThan(0);
  });
});
