/**
 * The stream endpoints with the gateway's real JWT verifier and authenticator:
 * the token on the upgrade (Bearer, or Alpaca's key-pair headers) or as the auth
 * message's secret, scopes, the account list, unknown accounts answering like a
 * bad token, and a connection closed when its token expires.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hmacToken, testClaims } from "../../helpers/token-signer.js";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame } from "./ws-client.js";

const SECRET = "stream-test-secret-0123456789abcdef";
let fake: FakeAlpaca;
let gw: Harness;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  gw = await startHarness({ upstreamUrl: fake.url, hs256Secret: SECRET });
});
afterEach(async () => {
  await gw.close();
  await fake.close();
});

const jwt = (overrides: Record<string, unknown>) =>
  hmacToken(testClaims(Math.floor(Date.now() / 1000), overrides), SECRET);

describe("stream auth with real JWTs", () => {
  it("accepts the JWT on the upgrade and as the auth secret, with the right scope only", async () => {
    const data = jwt({ scope: "data", accounts: [] });
    const a = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token: data });
    await a.waitFor(hasFrame((f) => f.msg === "authenticated"));
    const b = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`);
    b.send({ action: "auth", key: "bot", secret: data });
    await b.waitFor(hasFrame((f) => f.msg === "authenticated"));
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`);
    c.send({ action: "auth", key: "bot", secret: jwt({ scope: "read", accounts: "*" }) });
    await c.waitFor(hasFrame((f) => f.T === "error" && f.code === 402));
    await expect(
      connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, {
        token: jwt({ scope: "read trade", accounts: "*" }),
      }),
    ).rejects.toThrow(/403/);
    await expect(connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token: `${data}x` })).rejects.toThrow(
      /401/,
    );
    for (const x of [a, b, c]) x.close();
  });

  it("checks the account list on the trading stream; an unknown account answers like a bad token", async () => {
    const mine = jwt({ scope: "read", accounts: ["acct-1"] });
    await expect(connectClient(`${gw.wsUrl}/v1/accounts/acct-2/stream`, { token: mine })).rejects.toThrow(
      /403/,
    );
    // not in the token's list: the same 403 whether the account exists or not
    await expect(connectClient(`${gw.wsUrl}/v1/accounts/nope/stream`, { token: mine })).rejects.toThrow(
      /403/,
    );
    // a bad token: the same 401 for a known and an unknown account (no enumeration before authentication)
    for (const id of ["acct-1", "nope"]) {
      await expect(
        connectClient(`${gw.wsUrl}/v1/accounts/${id}/stream`, { token: `${mine}x` }),
      ).rejects.toThrow(/401/);
    }
    // without credentials the upgrade succeeds for any account id; the auth message decides
    const all = jwt({ scope: "read", accounts: "*" });
    for (const [id, secret] of [
      ["nope", all],
      ["acct-1", `${all}x`],
    ] as const) {
      const u = await connectClient(`${gw.wsUrl}/v1/accounts/${id}/stream`);
      u.send({ action: "authenticate", data: { key_id: "bot", secret_key: secret } });
      await u.waitFor((m) => JSON.stringify(m).includes('"unauthorized"'));
      expect(u.messages).toEqual([
        { stream: "authorization", data: { status: "unauthorized", action: "authenticate" } },
      ]);
      expect((await u.closed).code).toBe(1008);
    }
    // once authenticated over every account, an unknown one is a 404 like on REST
    await expect(connectClient(`${gw.wsUrl}/v1/accounts/nope/stream`, { token: all })).rejects.toThrow(/404/);
    const t = await connectClient(`${gw.wsUrl}/v1/accounts/acct-2/stream`);
    t.send({ action: "authenticate", data: { key_id: "bot", secret_key: mine } });
    await t.waitFor((m) => JSON.stringify(m).includes('"unauthorized"'));
    expect((await t.closed).code).toBe(1008);
    const ok = await connectClient(`${gw.wsUrl}/v1/accounts/acct-1/stream`);
    ok.send({ action: "authenticate", data: { key_id: "bot", secret_key: mine } });
    await ok.waitFor((m) => JSON.stringify(m).includes('"authorized"'));
    ok.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await ok.waitFor((m) => (m as { stream: string }).stream === "listening");
    ok.close();
  });

  it("takes Alpaca's key-pair headers on the upgrade: the JWT as the secret, any key id", async () => {
    const data = jwt({ scope: "data", accounts: [] });
    const pair = (secret: string) => ({ "apca-api-key-id": "paddock", "apca-api-secret-key": secret });
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { headers: pair(data) });
    await c.waitFor(hasFrame((f) => f.msg === "authenticated"));
    await expect(
      connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { headers: pair(`${data}x`) }),
    ).rejects.toThrow(/401/);
    const read = jwt({ scope: "read", accounts: ["acct-1"] });
    const t = await connectClient(`${gw.wsUrl}/v1/accounts/acct-1/stream`, { headers: pair(read) });
    t.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await t.waitFor((m) => (m as { stream: string }).stream === "listening");
    for (const x of [c, t]) x.close();
  });

  it("closes a connection when its token expires", async () => {
    const now = Math.floor(Date.now() / 1000);
    const short = hmacToken(testClaims(now, { scope: "data", accounts: [], exp: now + 2 }), SECRET);
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token: short });
    await c.waitFor(hasFrame((f) => f.msg === "authenticated"));
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1008, reason: "token expired" });
  });
});
