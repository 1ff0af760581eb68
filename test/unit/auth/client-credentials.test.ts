/** OAuth2 client-credentials grant (RFC 6749 §4.4) with RFC 6749 error bodies. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClientCredentialsGrant,
  createClientCredentialsGrant,
  createTokenIssuer,
  createVerifier,
  generateSigningKeyPair,
  hashClientSecret,
  type OAuthClient,
  type SigningOptions,
  type TokenIssuer,
  type Verifier,
} from "../../../src/auth/index.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

const clock = manualClock();
const SECRET = "c0rrect-horse:battery staple+%";
let dir: string;
let issuer: TokenIssuer;
let verifier: Verifier;
let grant: ClientCredentialsGrant;
let clients: OAuthClient[];

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-cc-"));
  const { privateKeyPem, publicKeyPem } = await generateSigningKeyPair("ES256");
  const signing: SigningOptions = {
    privateKeyFile: join(dir, "k.pem"),
    publicKeyFile: join(dir, "k.pub.pem"),
    kid: "gw-1",
    algorithm: "ES256",
  };
  await writeFile(signing.privateKeyFile, privateKeyPem);
  await writeFile(signing.publicKeyFile, publicKeyPem);
  issuer = await createTokenIssuer(signing, { now: clock.now });
  verifier = await createVerifier(authOptions({ algorithms: ["ES256"], signing }), { now: clock.now });
  clients = [
    {
      id: "bot-fleet",
      secretHash: await hashClientSecret(SECRET),
      scopes: ["read", "trade"],
      accounts: ["acct-001", "acct-002"],
      ttlSeconds: 900,
    },
    {
      id: "dashboard",
      secretHash: await hashClientSecret("dash-secret"),
      scopes: ["read", "data"],
      accounts: "*",
    },
  ];
  grant = createClientCredentialsGrant(clients, issuer);
});
afterAll(async () => {
  verifier.close();
  await rm(dir, { recursive: true, force: true });
});

describe("success", () => {
  it("form credentials get a Bearer token carrying the client's scopes and accounts", async () => {
    const r = await grant.grant({
      grant_type: "client_credentials",
      client_id: "bot-fleet",
      client_secret: SECRET,
    });
    expect(r.status).toBe(200);
    expect(r.headers["Cache-Control"]).toBe("no-store");
    expect(r.body).toMatchObject({ token_type: "Bearer", expires_in: 900, scope: "read trade" });
    const p = await verifier.verify(String(r.body.access_token));
    expect(p).toMatchObject({ sub: "bot-fleet", clientId: "bot-fleet", exp: clock.seconds() + 900 });
    expect(p.accounts).toEqual(new Set(["acct-001", "acct-002"]));
    expect([...p.scopes]).toEqual(["read", "trade"]);
  });

  it("HTTP Basic credentials (form-urlencoded inside, RFC 6749 §2.3.1) work", async () => {
    const r = await grant.grant({ grant_type: "client_credentials" }, basic("bot-fleet", SECRET));
    expect(r.status).toBe(200);
    expect((await verifier.verify(String(r.body.access_token))).sub).toBe("bot-fleet");
  });

  it("Basic plus a matching client_id in the form is accepted", async () => {
    const r = await grant.grant(
      { grant_type: "client_credentials", client_id: "dashboard" },
      basic("dashboard", "dash-secret"),
    );
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBe(3600);
  });

  it("a narrower scope can be requested", async () => {
    const r = await grant.grant({
      grant_type: "client_credentials",
      client_id: "bot-fleet",
      client_secret: SECRET,
      scope: "read",
    });
    expect(r.body.scope).toBe("read");
    expect([...(await verifier.verify(String(r.body.access_token))).scopes]).toEqual(["read"]);
  });
});

describe("RFC 6749 errors", () => {
  const form = (o: Record<string, unknown>) => ({ grant_type: "client_credentials", ...o });

  it("a wrong secret and an unknown client answer the same invalid_client 401", async () => {
    const wrong = await grant.grant(form({ client_id: "bot-fleet", client_secret: "nope" }));
    const unknown = await grant.grant(form({ client_id: "who", client_secret: "nope" }));
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
      expect(r.headers["WWW-Authenticate"]).toMatch(/^Basic/);
    }
    const wrongBasic = await grant.grant({ grant_type: "client_credentials" }, basic("bot-fleet", "nope"));
    expect(wrongBasic.body).toEqual(wrong.body);
  });

  it("the secret never appears in an error", async () => {
    const r = await grant.grant(form({ client_id: "bot-fleet", client_secret: "leaky-secret-value" }));
    expect(JSON.stringify(r)).not.toContain("leaky-secret-value");
  });

  it.each([
    ["no grant_type", {}, 400, "invalid_request"],
    ["another grant_type", { grant_type: "password" }, 400, "unsupported_grant_type"],
    ["authorization_code", { grant_type: "authorization_code" }, 400, "unsupported_grant_type"],
    ["no credentials", form({}), 401, "invalid_client"],
    ["a client_id without secret", form({ client_id: "bot-fleet" }), 401, "invalid_client"],
    [
      "a repeated parameter",
      form({ client_id: ["bot-fleet", "dashboard"], client_secret: SECRET }),
      400,
      "invalid_request",
    ],
  ] as const)("%s → %i %s", async (_name, body, status, error) => {
    const r = await grant.grant(body);
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(typeof r.body.error_description).toBe("string");
  });

  it("scope escalation is invalid_scope, after authentication", async () => {
    const r = await grant.grant(form({ client_id: "bot-fleet", client_secret: SECRET, scope: "read admin" }));
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
    expect(String(r.body.error_description)).toContain('"admin"');
    const unknown = await grant.grant(form({ client_id: "bot-fleet", client_secret: SECRET, scope: "root" }));
    expect(unknown).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
    // An unauthenticated caller learns nothing about scopes.
    const anon = await grant.grant(form({ client_id: "bot-fleet", client_secret: "x", scope: "admin" }));
    expect(anon.body.error).toBe("invalid_client");
  });

  it("Basic and client_secret together are invalid_request", async () => {
    const r = await grant.grant(form({ client_secret: SECRET }), basic("bot-fleet", SECRET));
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });

  it("a client_id that differs from the Basic one is invalid_request", async () => {
    const r = await grant.grant(form({ client_id: "dashboard" }), basic("bot-fleet", SECRET));
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });

  it.each(["Basic !!!", `Basic ${Buffer.from("no-colon").toString("base64")}`, "Bearer abc", "Basic %%"])(
    "a malformed Authorization header (%s) is invalid_client 401",
    async (header) => {
      const r = await grant.grant({ grant_type: "client_credentials" }, header);
      expect(r).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    },
  );
});

describe("configuration", () => {
  it.each([
    [
      "a malformed secret hash",
      [{ id: "a", secretHash: "plain", scopes: ["read"], accounts: "*" }],
      /clients\[0\]\.secretHash/,
    ],
    [
      "a duplicate id",
      [{ id: "a", secretHash: "", scopes: ["read"], accounts: "*" }],
      /clients\[1\]\.id: duplicate/,
    ],
    [
      "an unknown scope",
      [{ id: "b", secretHash: "", scopes: ["root"], accounts: "*" }],
      /clients\[0\]\.scopes/,
    ],
    [
      "a ttl over 24 h",
      [{ id: "b", secretHash: "", scopes: ["read"], accounts: "*", ttlSeconds: 90_000 }],
      /ttlSeconds/,
    ],
  ])("refuses %s, naming the field", async (_name, list, detail) => {
    const good = clients[0] as OAuthClient;
    const fixed = (list as unknown as OAuthClient[]).map((c) =>
      c.secretHash === "" ? { ...c, secretHash: good.secretHash } : c,
    );
    const all = detail.source.includes("duplicate") ? [{ ...good, id: "a" }, ...fixed] : fixed;
    await rejectsWith(
      (async () => createClientCredentialsGrant(all, issuer))(),
      "PADDOCK_CONFIG_INVALID",
    ).then((err) => expect(err.message).toMatch(detail));
  });
});
