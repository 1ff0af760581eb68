/** OAuth2 client credentials end to end: a configured client gets a scoped JWT that the gateway accepts. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashClientSecret } from "../../src/auth/client-secret.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
const SECRET = "s3cret-client-value-0123456789";

beforeAll(async () => {
  const secretHash = await hashClientSecret(SECRET);
  gw = await startGateway({
    accounts: 2,
    configure: (raw) => {
      (raw.auth as Record<string, unknown>).clients = [
        { id: "bot-7", secretHash, scopes: ["read", "data"], accounts: ["acct-002"], ttlSeconds: 600 },
      ];
    },
  });
});
afterAll(() => gw.close());

const form = (body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(body).toString(),
  });

describe("POST /v1/auth/token", () => {
  it("issues a token limited to the client's scopes and accounts", async () => {
    const res = await form({ grant_type: "client_credentials", client_id: "bot-7", client_secret: SECRET });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      scope: string;
    };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "read data" });
    const token = body.access_token;
    expect((await gw.call("/v1/accounts/acct-002/v2/account", { token })).status).toBe(200);
    expect((await gw.call("/v1/accounts/acct-001/v2/account", { token })).status).toBe(403);
    expect(
      (await gw.call("/v1/accounts/acct-002/v2/orders", { method: "POST", token, body: "{}" })).status,
    ).toBe(403);
  });

  it("answers RFC 6749 errors", async () => {
    const wrong = await form({ grant_type: "client_credentials", client_id: "bot-7", client_secret: "nope" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
    const grant = await form({ grant_type: "password", client_id: "bot-7", client_secret: SECRET });
    expect(await grant.json()).toMatchObject({ error: "unsupported_grant_type" });
    const scope = await form({
      grant_type: "client_credentials",
      client_id: "bot-7",
      client_secret: SECRET,
      scope: "trade",
    });
    expect(await scope.json()).toMatchObject({ error: "invalid_scope" });
    const basic = await form(
      { grant_type: "client_credentials" },
      { authorization: `Basic ${Buffer.from(`bot-7:${encodeURIComponent(SECRET)}`).toString("base64")}` },
    );
    expect(basic.status).toBe(200);
  });
});
