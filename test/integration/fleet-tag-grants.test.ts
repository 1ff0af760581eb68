/** A token whose `accounts` lists `tag:NAME` on the trade-update streams, per account and native. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";
import { connectClient } from "../unit/streams/ws-client.js";

let gw: TestGateway;
let token: string;
const wsUrl = () => gw.url.replace(/^http/, "ws");

beforeAll(async () => {
  gw = await startGateway({
    accounts: 3,
    configure: (raw) => {
      (raw.accounts as Array<{ tags: string[] }>)[0]!.tags = ["alpha"];
    },
  });
  await gw.simCall("POST", "/_sim/clock", { open: true });
  token = await gw.token({ scopes: ["read"], accounts: ["tag:alpha"] });
});
afterAll(() => gw.close());

type Msg = { stream?: string; account_id?: string; data?: { event?: string } };

describe("tag grants on streams", () => {
  it("the native endpoint lets a tag token listen to tagged accounts only, and delivers their updates", async () => {
    const c = await connectClient(`${wsUrl()}/v1/stream/trade_updates`);
    c.send({ action: "authenticate", data: { key_id: "bot", secret_key: token } });
    await c.waitFor((m) => (m as Msg).stream === "authorization");
    c.send({ action: "listen", data: { streams: ["trade_updates"], accounts: ["acct-002"] } });
    await c.waitFor((m) => JSON.stringify(m).includes("account not allowed: acct-002"));
    c.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await c.waitFor((m) => (m as Msg).stream === "listening");
    const placed = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(placed.status).toBe(200);
    await c.waitFor((m) => (m as Msg).stream === "trade_updates" && (m as Msg).account_id === "acct-001");
    c.close();
  });

  it("the per-account stream admits the tagged account and refuses the others", async () => {
    const ok = await connectClient(`${wsUrl()}/v1/accounts/acct-001/stream`, { token });
    ok.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await ok.waitFor((m) => (m as Msg).stream === "listening");
    ok.close();
    const refused = await gw.call("/v1/accounts/acct-002/v2/orders", { token });
    expect(refused.status).toBe(403);
  });
});
