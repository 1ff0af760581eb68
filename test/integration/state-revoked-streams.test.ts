/**
 * A revoked token loses its open streams too, not only its next HTTP request: the gateway
 * closes a trading stream and a market-data stream opened with it (1008 "token revoked")
 * within a second of `POST /v1/admin/revocations`, and leaves other subjects' streams open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ accounts: 1 });
});
afterAll(() => gw.close());

interface Open {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
}

const open = async (path: string, token: string): Promise<Open> => {
  const ws = new WebSocket(`${gw.url.replace(/^http/, "ws")}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, closed };
};

describe("revocation and open streams", () => {
  it("closes the revoked subject's trading and data streams within a second, and only those", async () => {
    const revoked = await gw.token({ sub: "bot-ws", scopes: ["read", "data"], accounts: ["acct-001"] });
    const other = await gw.token({ sub: "bot-other", scopes: ["read"], accounts: ["acct-001"] });
    const trading = await open("/v1/accounts/acct-001/stream", revoked);
    const data = await open("/v1/data/stream/v2/test", revoked);
    const bystander = await open("/v1/accounts/acct-001/stream", other);

    const asked = Date.now();
    const res = await gw.call("/v1/admin/revocations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "bot-ws" }),
    });
    expect(res.status).toBe(201);
    const [t, d] = await Promise.all([trading.closed, data.closed]);
    for (const c of [t, d]) {
      expect(c).toMatchObject({ code: 1008, reason: "token revoked" });
      expect(c.at - asked).toBeLessThan(1000);
    }
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    bystander.ws.close();
    await bystander.closed;
  });
});
