/** The gateway's own tokens: issued, published as a JWKS, and verified by the verifier. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTokenIssuer,
  createVerifier,
  generateSigningKeyPair,
  type SigningAlgorithm,
  type SigningOptions,
} from "../../../src/auth/index.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

let dir: string;
const clock = manualClock();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paddock-issuer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function signingFor(
  alg: SigningAlgorithm,
  extra: Partial<SigningOptions> = {},
): Promise<SigningOptions> {
  const { privateKeyPem, publicKeyPem } = await generateSigningKeyPair(alg);
  const privateKeyFile = join(dir, `${alg}-${Math.random().toString(36).slice(2)}.pem`);
  const publicKeyFile = `${privateKeyFile}.pub`;
  await writeFile(privateKeyFile, privateKeyPem, { mode: 0o600 });
  await writeFile(publicKeyFile, publicKeyPem);
  return { privateKeyFile, publicKeyFile, kid: `paddock-${alg}`, algorithm: alg, ...extra };
}

describe.each(["RS256", "ES256", "EdDSA"] as const)("%s issuer", (alg) => {
  it("issues a token the verifier accepts, with kid in the header and iat/exp from the clock", async () => {
    const signing = await signingFor(alg);
    const issuer = await createTokenIssuer(signing, { now: clock.now, randomId: () => "jti-1" });
    const token = await issuer.issue({
      sub: "ops",
      scopes: ["read", "admin", "read"],
      accounts: ["acct-001", "acct-002"],
      ttlSeconds: 900,
      clientId: "ci",
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: `paddock-${alg}`, typ: "JWT" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: "ops",
      iat: clock.seconds(),
      exp: clock.seconds() + 900,
      jti: "jti-1",
    });
    expect(claims.scope).toBe("read admin");
    const v = await createVerifier(authOptions({ algorithms: [alg], signing }), { now: clock.now });
    const p = await v.verify(token);
    expect(p).toMatchObject({ sub: "ops", clientId: "ci", jti: "jti-1", exp: clock.seconds() + 900 });
    expect([...p.scopes]).toEqual(["read", "admin"]);
    expect(p.accounts).toEqual(new Set(["acct-001", "acct-002"]));
  });

  it("publishes only the public key, with kid, alg and use, and that JWKS verifies its tokens", async () => {
    const signing = await signingFor(alg);
    const issuer = await createTokenIssuer(signing, { now: clock.now });
    const jwks = issuer.jwks();
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kid: `paddock-${alg}`, alg, use: "sig" });
    for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(priv);
    const jwksFile = join(dir, `${alg}-jwks.json`);
    await writeFile(jwksFile, JSON.stringify(jwks));
    const v = await createVerifier(authOptions({ algorithms: [alg], jwksFile }), { now: clock.now });
    const token = await issuer.issue({ sub: "via-jwks", scopes: ["data"], accounts: "*", ttlSeconds: 60 });
    expect((await v.verify(token)).accounts).toBe("*");
  });
});

describe("issuer options and refusals", () => {
  it("sets iss and aud when configured, and the verifier checks them", async () => {
    const signing = await signingFor("RS256", { issuer: "paddock-gw", audience: "paddock-api" });
    const issuer = await createTokenIssuer(signing, { now: clock.now });
    const token = await issuer.issue({ sub: "s", scopes: ["read"], accounts: [], ttlSeconds: 60 });
    expect(decodeJwt(token)).toMatchObject({ iss: "paddock-gw", aud: "paddock-api" });
    const good = await createVerifier(
      authOptions({ signing, issuer: "paddock-gw", audience: "paddock-api" }),
      {
        now: clock.now,
      },
    );
    expect((await good.verify(token)).sub).toBe("s");
    const other = await createVerifier(authOptions({ signing, issuer: "someone-else" }), { now: clock.now });
    await rejectsWith(other.verify(token), "PADDOCK_AUTH_INVALID");
  });

  it.each([
    ["a ttl over 24 h", { ttlSeconds: 86_401 }, /24 h/],
    ["a zero ttl", { ttlSeconds: 0 }, /ttl/],
    ["a fractional ttl", { ttlSeconds: 1.5 }, /ttl/],
    ["an empty sub", { sub: "" }, /sub/],
    ["an unknown scope", { scopes: ["root"] }, /scopes/],
    ["an empty account id", { accounts: [""] }, /accounts/],
  ])("refuses %s with PADDOCK_USAGE", async (_name, o, detail) => {
    const issuer = await createTokenIssuer(await signingFor("ES256"), { now: clock.now });
    const req = { sub: "s", scopes: ["read"], accounts: "*", ttlSeconds: 60, ...o } as Parameters<
      typeof issuer.issue
    >[0];
    const err = await rejectsWith(issuer.issue(req), "PADDOCK_USAGE");
    expect(err.message).toMatch(detail);
  });

  it("accepts exactly 24 h", async () => {
    const issuer = await createTokenIssuer(await signingFor("ES256"), { now: clock.now });
    const token = await issuer.issue({ sub: "s", scopes: [], accounts: "*", ttlSeconds: 86_400 });
    const c = decodeJwt(token);
    expect((c.exp ?? 0) - (c.iat ?? 0)).toBe(86_400);
  });

  it("refuses a public key that does not match the private key", async () => {
    const a = await signingFor("RS256");
    const b = await signingFor("RS256");
    const err = await rejectsWith(
      createTokenIssuer({ ...a, publicKeyFile: b.publicKeyFile }),
      "PADDOCK_CONFIG_INVALID",
    );
    expect(err.message).toMatch(/publicKeyFile: does not match/);
  });

  it("refuses a key of the wrong type for the algorithm, naming the field", async () => {
    const rs = await signingFor("RS256");
    const err = await rejectsWith(createTokenIssuer({ ...rs, algorithm: "EdDSA" }), "PADDOCK_CONFIG_INVALID");
    expect(err.message).toMatch(/privateKeyFile/);
  });

  it("refuses a missing private key file without leaking anything", async () => {
    const rs = await signingFor("RS256");
    const err = await rejectsWith(
      createTokenIssuer({ ...rs, privateKeyFile: join(dir, "missing.pem") }),
      "PADDOCK_CONFIG_IO",
    );
    expect(err.message).toMatch(/auth\.signing\.privateKeyFile: cannot read/);
  });

  it("reads a PKCS#1 RSA private key too", async () => {
    const { createPrivateKey } = await import("node:crypto");
    const rs = await signingFor("RS256");
    const { readFile } = await import("node:fs/promises");
    const pkcs1 = createPrivateKey(await readFile(rs.privateKeyFile, "utf8")).export({
      format: "pem",
      type: "pkcs1",
    });
    const file = join(dir, "pkcs1.pem");
    await writeFile(file, pkcs1);
    const issuer = await createTokenIssuer({ ...rs, privateKeyFile: file });
    expect(await issuer.issue({ sub: "s", scopes: [], accounts: "*", ttlSeconds: 60 })).toMatch(/^eyJ/);
  });
});

describe("generateSigningKeyPair", () => {
  it.each([
    ["RS256", /BEGIN PUBLIC KEY/],
    ["ES256", /BEGIN PUBLIC KEY/],
    ["EdDSA", /BEGIN PUBLIC KEY/],
  ] as const)("%s gives a PKCS#8 private and SPKI public PEM", async (alg, pub) => {
    const pair = await generateSigningKeyPair(alg);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.publicKeyPem).toMatch(pub);
  });

  it("defaults to RS256 (2048-bit)", async () => {
    const { createPublicKey } = await import("node:crypto");
    const pair = await generateSigningKeyPair();
    const key = createPublicKey(pair.publicKeyPem);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
