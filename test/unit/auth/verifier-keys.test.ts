/** Key sources: PEM files (RS256, ES256, EdDSA), a JWKS file, HS256, and start-up refusals of bad key config. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "../../../src/auth/index.js";
import { createTokenSigner, hmacToken, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

const clock = manualClock();
let rs: TokenSigner;
let rs2: TokenSigner;
let ec: TokenSigner;
let ed: TokenSigner;

beforeAll(async () => {
  [rs, rs2, ec, ed] = await Promise.all([
    createTokenSigner({ alg: "RS256", kid: "rs" }),
    createTokenSigner({ alg: "RS256", kid: "rs2" }),
    createTokenSigner({ alg: "ES256", kid: "ec" }),
    createTokenSigner({ alg: "EdDSA", kid: "ed" }),
  ]);
});
afterAll(async () => {
  await Promise.all([rs, rs2, ec, ed].map((s) => s.cleanup()));
});

const claims = (o: Record<string, unknown> = {}) => testClaims(clock.seconds(), o);

describe("PEM public key files", () => {
  it("ES256 and EdDSA keys verify their tokens, the algorithm inferred from the key", async () => {
    const v = await createVerifier(
      authOptions({
        algorithms: ["ES256", "EdDSA"],
        publicKeyFiles: [{ path: ec.publicKeyPath }, { path: ed.publicKeyPath, kid: "ed" }],
      }),
      { now: clock.now },
    );
    expect((await v.verify(ec.sign(claims()))).sub).toBe("bot-1");
    expect((await v.verify(ed.sign(claims()))).sub).toBe("bot-1");
    expect((await v.verify(ed.sign(claims(), { kid: undefined }))).sub).toBe("bot-1");
  });

  it("a token is only offered keys of its header's algorithm", async () => {
    const v = await createVerifier(
      authOptions({ algorithms: ["ES256", "EdDSA"], publicKeyFiles: [{ path: ed.publicKeyPath }] }),
      { now: clock.now },
    );
    // An EdDSA signature presented as ES256: no ES256 key exists, so nothing is tried.
    const [, p, s] = ed.sign(claims()).split(".");
    const relabeled = `${Buffer.from(JSON.stringify({ alg: "ES256" })).toString("base64url")}.${p}.${s}`;
    await rejectsWith(v.verify(relabeled), "PADDOCK_AUTH_INVALID");
    expect(v.stats().signatureChecks).toBe(0);
  });

  it("a key without a configured kid also answers tokens whose kid matches nothing else", async () => {
    const v = await createVerifier(
      authOptions({ publicKeyFiles: [{ path: rs2.publicKeyPath, kid: "rs2" }, { path: rs.publicKeyPath }] }),
      { now: clock.now },
    );
    expect((await v.verify(rs.sign(claims(), { kid: "whatever" }))).sub).toBe("bot-1");
    // With no kid in the token, every RS256 key is tried in turn.
    expect((await v.verify(rs.sign(claims({ sub: "nokid" }), { kid: undefined }))).sub).toBe("nokid");
    expect(v.stats().signatureChecks).toBe(3);
  });

  it.each([
    [
      "a missing file",
      () => ({ publicKeyFiles: [{ path: "/nonexistent/key.pem" }] }),
      "PADDOCK_CONFIG_IO",
      /publicKeyFiles\[0\]\.path/,
    ],
    [
      "a private key",
      () => ({ publicKeyFiles: [{ path: rs.privateKeyPath }] }),
      "PADDOCK_CONFIG_INVALID",
      /private key/,
    ],
    [
      "an alg that does not fit the key",
      () => ({ publicKeyFiles: [{ path: rs.publicKeyPath, alg: "ES256" }] }),
      "PADDOCK_CONFIG_INVALID",
      /cannot verify ES256/,
    ],
    [
      "a key whose algorithm is not allow-listed",
      () => ({ publicKeyFiles: [{ path: ec.publicKeyPath }] }),
      "PADDOCK_CONFIG_INVALID",
      /ES256 is not in auth.algorithms/,
    ],
    ["no key at all", () => ({}), "PADDOCK_CONFIG_INVALID", /no verification key/],
    [
      "HS256 without a secret",
      () => ({ algorithms: ["HS256"] as const }),
      "PADDOCK_CONFIG_INVALID",
      /hs256Secret: required/,
    ],
    [
      "a short HS256 secret",
      () => ({ algorithms: ["HS256"] as const, hs256Secret: "short" }),
      "PADDOCK_CONFIG_INVALID",
      /shorter than 32/,
    ],
    [
      "a PEM as HS256 secret",
      () => ({ algorithms: ["HS256"] as const, hs256Secret: rs.publicKeyPem }),
      "PADDOCK_CONFIG_INVALID",
      /looks like a PEM/,
    ],
    [
      "a plain-http JWKS URL off loopback",
      () => ({ jwksUrl: "http://idp.example.com/jwks" }),
      "PADDOCK_CONFIG_INVALID",
      /must be https/,
    ],
    [
      "an unsupported algorithm",
      () => ({ algorithms: ["none"] as unknown as ["RS256"] }),
      "PADDOCK_CONFIG_INVALID",
      /algorithms\[0\]/,
    ],
  ] as const)("start-up refuses %s, naming the field", async (_name, opts, code, detail) => {
    const err = await rejectsWith(createVerifier(authOptions(opts())), code);
    expect(err.message).toMatch(detail);
  });

  it("the file contents never appear in a start-up error", async () => {
    const path = join(rs.dir, "broken.pem");
    await writeFile(
      path,
      "-----BEGIN PUBLIC KEY-----\nc2VjcmV0LWxvb2tpbmctc3R1ZmY=\n-----END PUBLIC KEY-----\n",
    );
    const err = await rejectsWith(
      createVerifier(authOptions({ publicKeyFiles: [{ path }] })),
      "PADDOCK_CONFIG_INVALID",
    );
    expect(err.message).not.toContain("c2VjcmV0");
  });
});

describe("HS256", () => {
  const secret = "ssssssssssssssss-a-long-enough-hs256-secret";

  it("verifies with the configured secret and refuses another secret", async () => {
    const v = await createVerifier(authOptions({ algorithms: ["HS256"], hs256Secret: secret }), {
      now: clock.now,
    });
    expect((await v.verify(hmacToken(claims(), secret))).sub).toBe("bot-1");
    await rejectsWith(v.verify(hmacToken(claims(), `${secret}x`)), "PADDOCK_AUTH_INVALID");
  });

  it("is ignored entirely when HS256 is not allow-listed, even with a secret configured", async () => {
    const v = await createVerifier(
      authOptions({ hs256Secret: secret, publicKeyFiles: [{ path: rs.publicKeyPath }] }),
      { now: clock.now },
    );
    const err = await rejectsWith(v.verify(hmacToken(claims(), secret)), "PADDOCK_AUTH_INVALID");
    expect(err.message).toMatch(/alg is not one of/);
  });
});

describe("a JWKS file", () => {
  async function jwksFile(keys: unknown[], name: string): Promise<string> {
    const path = join(rs.dir, name);
    await writeFile(path, JSON.stringify({ keys }));
    return path;
  }

  it("verifies tokens of each key by kid and refuses an unknown kid", async () => {
    const path = await jwksFile([rs.publicJwk(), ec.publicJwk()], "set.json");
    const v = await createVerifier(authOptions({ algorithms: ["RS256", "ES256"], jwksFile: path }), {
      now: clock.now,
    });
    expect((await v.verify(rs.sign(claims()))).sub).toBe("bot-1");
    expect((await v.verify(ec.sign(claims()))).sub).toBe("bot-1");
    const err = await rejectsWith(
      v.verify(rs.sign(claims({ sub: "x" }), { kid: "nope" })),
      "PADDOCK_AUTH_INVALID",
    );
    expect(err.message).toMatch(/no trusted RS256 key/);
  });

  it("with several keys matching a kid-less token, tries each", async () => {
    const { kid: _a, ...k1 } = rs.publicJwk();
    const { kid: _b, ...k2 } = rs2.publicJwk();
    const path = await jwksFile([k1, k2], "nokid.json");
    const v = await createVerifier(authOptions({ jwksFile: path }), { now: clock.now });
    expect((await v.verify(rs2.sign(claims(), { kid: undefined }))).sub).toBe("bot-1");
    expect(v.stats().signatureChecks).toBe(2);
  });

  it.each([
    ["private key members", () => [{ ...rs.publicJwk(), d: "AAAA" }], /private key/],
    ["a symmetric key", () => [{ kty: "oct", k: "c2VjcmV0", kid: "h" }], /symmetric/],
  ])("refuses a file with %s", async (_n, keys, detail) => {
    const path = await jwksFile(keys(), "bad.json");
    const err = await rejectsWith(createVerifier(authOptions({ jwksFile: path })), "PADDOCK_CONFIG_INVALID");
    expect(err.message).toMatch(detail);
  });

  it("refuses a file that is not a key set", async () => {
    const path = join(rs.dir, "notjson.json");
    await writeFile(path, "{ nope");
    await rejectsWith(createVerifier(authOptions({ jwksFile: path })), "PADDOCK_CONFIG_INVALID");
    await writeFile(path, JSON.stringify({ nokeys: true }));
    await rejectsWith(createVerifier(authOptions({ jwksFile: path })), "PADDOCK_CONFIG_INVALID");
  });
});
