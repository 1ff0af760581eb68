/** The Authenticator: Bearer, or Alpaca's key pair (gateway JWT as the secret, or a registered client). */
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import type { Fleet } from "../../../src/accounts/types.js";
import { createClientKeyPairs } from "../../../src/auth/client-credentials.js";
import { hashClientSecret } from "../../../src/auth/client-secret.js";
import { createVerifier } from "../../../src/auth/verifier.js";
import { isPaddockError } from "../../../src/errors.js";
import { createAuthenticator } from "../../../src/http/authenticator.js";
import { hmacToken, testClaims } from "../../helpers/token-signer.js";

const HS = "authenticator-test-hs256-secret-0123456789abcdef";
const CLIENT_SECRET = "registered-client-secret-0123456789";

async function setup() {
  const verifier = await createVerifier({
    algorithms: ["HS256"],
    clockSkewSeconds: 0,
    maxLifetimeSeconds: 86_400,
    maxTokenBytes: 8192,
    publicKeyFiles: [],
    jwksRefreshSeconds: 600,
    hs256Secret: HS,
    cacheMaxEntries: 100,
  });
  const fleet = {
    get: (id: string) => (id === "acct-001" || id === "acct-002" ? {} : undefined),
  } as unknown as Fleet; // only get() is used
  const clients = [
    {
      id: "bot-9",
      secretHash: await hashClientSecret(CLIENT_SECRET),
      scopes: ["read" as const],
      accounts: ["acct-002"],
      ttlSeconds: 600,
    },
  ];
  const auth = createAuthenticator(
    verifier,
    fleet,
    createClientKeyPairs({ clients: () => clients, now: Date.now }),
  );
  const token = hmacToken(testClaims(Math.floor(Date.now() / 1000)), HS);
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest; // only headers are read
  return { auth, token, request };
}

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (isPaddockError(err)) return err.code;
    throw err;
  }
  return "accepted";
};

describe("createAuthenticator", () => {
  it("takes the gateway JWT as APCA-API-SECRET-KEY with any key id", async () => {
    const { auth, token, request } = await setup();
    const p = await auth.authenticate(
      request({ "apca-api-key-id": "whatever", "apca-api-secret-key": token }),
      { scope: "read", accountId: "acct-001" },
    );
    expect(p.sub).toBe("bot-1");
    expect(await code(auth.verifyKeyPair("", token, { scope: "trade", accountId: "acct-001" }))).toBe(
      "accepted",
    );
    expect(await code(auth.verifyKeyPair("x", token, { scope: "admin" }))).toBe("PADDOCK_AUTH_SCOPE");
    expect(await code(auth.verifyKeyPair("x", token, { scope: "read", accountId: "acct-002" }))).toBe(
      "PADDOCK_AUTH_ACCOUNT",
    );
  });

  it("takes a registered client's id and secret as the pair", async () => {
    const { auth, request } = await setup();
    const p = await auth.authenticate(
      request({ "apca-api-key-id": "bot-9", "apca-api-secret-key": CLIENT_SECRET }),
      { scope: "read", accountId: "acct-002" },
    );
    expect(p).toMatchObject({ sub: "bot-9", clientId: "bot-9" });
    expect(await code(auth.verifyKeyPair("bot-9", CLIENT_SECRET, { scope: "trade" }))).toBe(
      "PADDOCK_AUTH_SCOPE",
    );
    expect(await code(auth.verifyKeyPair("bot-9", "wrong", { scope: "read" }))).toBe("PADDOCK_AUTH_INVALID");
    expect(await code(auth.verifyKeyPair("bot-8", CLIENT_SECRET, { scope: "read" }))).toBe(
      "PADDOCK_AUTH_INVALID",
    );
  });

  it("lets Authorization win over a key pair, and asks for credentials when there are none", async () => {
    const { auth, token, request } = await setup();
    expect(
      await code(
        auth.authenticate(request({ authorization: "Bearer nope", "apca-api-secret-key": token }), {
          scope: "read",
        }),
      ),
    ).toBe("PADDOCK_AUTH_INVALID");
    expect(await code(auth.authenticate(request({}), { scope: "read" }))).toBe("PADDOCK_AUTH_MISSING");
    expect(await code(auth.authenticate(request({ "apca-api-key-id": "k" }), { scope: "read" }))).toBe(
      "PADDOCK_AUTH_MISSING",
    );
    expect(
      await code(
        auth.authenticate(request({ "apca-api-secret-key": token }), {
          scope: "read",
          accountId: "acct-404",
        }),
      ),
    ).toBe("PADDOCK_AUTH_ACCOUNT");
  });
});
