import { describe, expect, it } from "vitest";
import { createClientKeyPairs, type OAuthClient } from "../../../src/auth/client-credentials.js";
import { hashClientSecret, verifyClientSecret } from "../../../src/auth/client-secret.js";

const SECRET = "key-pair-secret-0123456789";

async function setup() {
  const client: OAuthClient = {
    id: "bot-9",
    secretHash: await hashClientSecret(SECRET),
    scopes: ["read", "trade"],
    accounts: ["acct-001"],
    ttlSeconds: 600,
  };
  let clients: OAuthClient[] = [client];
  let t = 1_800_000_000_000;
  let checks = 0;
  const pairs = createClientKeyPairs({
    clients: () => clients,
    now: () => t,
    verifySecret: (s, h) => {
      checks++;
      return verifyClientSecret(s, h);
    },
  });
  return {
    pairs,
    checks: () => checks,
    advance: (ms: number) => {
      t += ms;
    },
    setClients: (c: OAuthClient[]) => {
      clients = c;
    },
    client,
  };
}

describe("registered clients as Alpaca key pairs", () => {
  it("gives the principal a client-credentials token would carry, checking the secret once", async () => {
    const s = await setup();
    const p = await s.pairs.verify("bot-9", SECRET);
    expect(p).toMatchObject({ sub: "bot-9", clientId: "bot-9" });
    expect([...p!.scopes]).toEqual(["read", "trade"]);
    expect(p!.accounts).toEqual(new Set(["acct-001"]));
    expect(p!.exp - p!.iat).toBe(600);
    expect(await s.pairs.verify("bot-9", SECRET)).toBe(p);
    expect(s.checks()).toBe(1);
  });

  it("checks again once the client's token lifetime has passed", async () => {
    const s = await setup();
    await s.pairs.verify("bot-9", SECRET);
    s.advance(601_000);
    expect(await s.pairs.verify("bot-9", SECRET)).toBeDefined();
    expect(s.checks()).toBe(2);
  });

  it("refuses unknown ids and wrong secrets, remembering a wrong pair briefly", async () => {
    const s = await setup();
    expect(await s.pairs.verify("nobody", SECRET)).toBeUndefined();
    expect(await s.pairs.verify("bot-9", "wrong")).toBeUndefined();
    expect(await s.pairs.verify("bot-9", "wrong")).toBeUndefined();
    expect(await s.pairs.verify("bot-9", "")).toBeUndefined();
    expect(s.checks()).toBe(1);
  });

  it("forgets a client removed or re-keyed by a reload", async () => {
    const s = await setup();
    expect(await s.pairs.verify("bot-9", SECRET)).toBeDefined();
    s.setClients([]);
    expect(await s.pairs.verify("bot-9", SECRET)).toBeUndefined();
    s.setClients([{ ...s.client, secretHash: await hashClientSecret("another-secret-value-000") }]);
    expect(await s.pairs.verify("bot-9", SECRET)).toBeUndefined();
  });
});
