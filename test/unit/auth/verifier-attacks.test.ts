/**
 * The attack suite at library level: every way a bad token can be presented,
 * against a verifier trusting one RS256 PEM key.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../../../src/auth/index.js";
import {
  createTokenSigner,
  hmacToken,
  segment,
  type TokenSigner,
  testClaims,
  unsignedToken,
} from "../../helpers/token-signer.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

const ISS = "https://idp.example.test";
const AUD = "paddock";
const HS_SECRET = "0123456789abcdef0123456789abcdef-hs256-test";

let signer: TokenSigner;
let stranger: TokenSigner;
let es: TokenSigner;
let verifier: Verifier;
let withHs: Verifier;
const clock = manualClock();
const claims = (o: Record<string, unknown> = {}) => testClaims(clock.seconds(), { iss: ISS, aud: AUD, ...o });

beforeAll(async () => {
  signer = await createTokenSigner({ kid: "idp-1" });
  stranger = await createTokenSigner({ kid: "idp-1" }); // same kid, different key
  es = await createTokenSigner({ alg: "ES256", kid: "idp-1" });
  const base = authOptions({
    issuer: ISS,
    audience: AUD,
    publicKeyFiles: [{ path: signer.publicKeyPath, kid: "idp-1" }],
  });
  verifier = await createVerifier(base, { now: clock.now });
  withHs = await createVerifier(
    { ...base, algorithms: ["RS256", "HS256"], hs256Secret: HS_SECRET },
    { now: clock.now },
  );
});

afterAll(async () => {
  verifier.close();
  withHs.close();
  await Promise.all([signer.cleanup(), stranger.cleanup(), es.cleanup()]);
});

/** Every failure: the right code, and nothing of the token in the message. */
async function refused(v: Verifier, token: string, code: Parameters<typeof rejectsWith>[1], detail?: RegExp) {
  const err = await rejectsWith(v.verify(token), code);
  for (const part of token.split(".")) if (part.length >= 8) expect(err.message).not.toContain(part);
  if (detail !== undefined) expect(err.message).toMatch(detail);
  return err;
}

describe("a valid token", () => {
  it("verifies into a frozen principal with its scopes and accounts", async () => {
    const p = await verifier.verify(signer.sign(claims({ scope: "read data", accounts: ["a1", "a2"] })));
    expect(p.sub).toBe("bot-1");
    expect([...p.scopes].sort()).toEqual(["data", "read"]);
    expect(p.accounts).toEqual(new Set(["a1", "a2"]));
    expect(p.exp - p.iat).toBe(3600);
    expect(Object.isFrozen(p)).toBe(true);
  });
});

describe("no token or garbage", () => {
  it("an empty token is PADDOCK_AUTH_MISSING", async () => {
    await refused(verifier, "", "PADDOCK_AUTH_MISSING");
  });

  it.each([
    ["one word", "garbage"],
    ["two parts", "abc.def"],
    ["empty parts", ".."],
    ["four parts", "a.b.c.d"],
    ["non-base64url characters", "ab$c.de+f.gh/i"],
    ["a header that is not JSON", `${Buffer.from("not json").toString("base64url")}.e30.c2ln`],
    ["a header that is a JSON array", `${segment([1])}.e30.c2ln`],
  ])("%s is PADDOCK_AUTH_INVALID", async (_name, token) => {
    await refused(verifier, token, "PADDOCK_AUTH_INVALID");
  });

  it("a header without alg is refused", async () => {
    await refused(
      verifier,
      signer.sign(claims(), { alg: undefined }),
      "PADDOCK_AUTH_INVALID",
      /"alg" is missing/,
    );
  });
});

describe("keys the gateway does not trust", () => {
  it("a token signed by another RSA key with the same kid fails the signature check", async () => {
    await refused(verifier, stranger.sign(claims()), "PADDOCK_AUTH_INVALID", /signature/);
  });

  it("a token carrying its own key in the header (jwk) is not verified with that key", async () => {
    const token = stranger.sign(claims(), { jwk: stranger.publicJwk() });
    await refused(verifier, token, "PADDOCK_AUTH_INVALID");
  });

  it("a token pointing at a key URL (jku) is not fetched, only checked against trusted keys", async () => {
    const token = stranger.sign(claims(), { jku: "http://127.0.0.1:1/keys" });
    await refused(verifier, token, "PADDOCK_AUTH_INVALID", /signature/);
  });

  it("a kid no trusted key answers to is refused", async () => {
    await refused(
      verifier,
      signer.sign(claims(), { kid: "other" }),
      "PADDOCK_AUTH_INVALID",
      /no trusted RS256 key/,
    );
  });

  it("an allow-listed algorithm with no key of that type is refused", async () => {
    const v = await createVerifier(
      authOptions({ algorithms: ["RS256", "ES256"], publicKeyFiles: [{ path: signer.publicKeyPath }] }),
      { now: clock.now },
    );
    await refused(
      v,
      es.sign(claims({ iss: undefined, aud: undefined })),
      "PADDOCK_AUTH_INVALID",
      /no trusted ES256/,
    );
  });
});

describe("alg none", () => {
  it.each(["none", "None", "NONE", "nOnE"])("alg %s is refused", async (alg) => {
    await refused(verifier, unsignedToken(claims(), { alg, typ: "JWT" }), "PADDOCK_AUTH_INVALID", /none/);
  });

  it("alg none with a signature appended is refused", async () => {
    const real = signer.sign(claims());
    const forged = `${segment({ alg: "none" })}.${segment(claims())}.${real.split(".")[2]}`;
    await refused(verifier, forged, "PADDOCK_AUTH_INVALID", /none/);
  });

  it("a valid RS256 token whose header is swapped for alg none is refused", async () => {
    const [, payload, sig] = signer.sign(claims()).split(".");
    await refused(
      verifier,
      `${segment({ alg: "none", kid: "idp-1" })}.${payload}.${sig}`,
      "PADDOCK_AUTH_INVALID",
    );
  });
});

describe("algorithm confusion: HS256 signed with the RSA public key PEM as the HMAC secret", () => {
  it("is refused when HS256 is not allow-listed", async () => {
    const token = hmacToken(claims(), signer.publicKeyPem, { kid: "idp-1" });
    await refused(verifier, token, "PADDOCK_AUTH_INVALID", /alg is not one of RS256/);
  });

  it("is refused when HS256 is allow-listed (the public key is never an HMAC key)", async () => {
    for (const secret of [
      signer.publicKeyPem,
      signer.publicKeyPem.trim(),
      Buffer.from(signer.publicKeyPem),
    ]) {
      const token = hmacToken(claims(), secret, { kid: "idp-1" });
      await refused(withHs, token, "PADDOCK_AUTH_INVALID", /signature/);
    }
  });

  it("also with the key in DER form as the secret", async () => {
    const der = Buffer.from(signer.publicKeyPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    await refused(withHs, hmacToken(claims(), der, { kid: "idp-1" }), "PADDOCK_AUTH_INVALID");
  });

  it("while a genuine HS256 token with the configured secret verifies (the control)", async () => {
    const p = await withHs.verify(hmacToken(claims({ sub: "hs-user" }), HS_SECRET));
    expect(p.sub).toBe("hs-user");
  });

  it("an RS256 header over an HMAC signature is refused", async () => {
    const token = hmacToken(claims(), signer.publicKeyPem, { alg: "RS256", kid: "idp-1" });
    await refused(withHs, token, "PADDOCK_AUTH_INVALID");
  });
});

describe("time", () => {
  const now = () => clock.seconds();

  it("an expired token is PADDOCK_AUTH_EXPIRED", async () => {
    const token = signer.sign(claims({ iat: now() - 7200, exp: now() - 3600 }));
    await refused(verifier, token, "PADDOCK_AUTH_EXPIRED", /exp/);
  });

  it("a token expired by less than the clock skew is still accepted", async () => {
    await expect(
      verifier.verify(signer.sign(claims({ iat: now() - 600, exp: now() - 10 }))),
    ).resolves.toBeDefined();
  });

  it("nbf in the future beyond the skew is refused", async () => {
    await refused(verifier, signer.sign(claims({ nbf: now() + 120 })), "PADDOCK_AUTH_INVALID", /nbf/);
  });

  it("iat in the future beyond the skew is refused", async () => {
    const token = signer.sign(claims({ iat: now() + 120, exp: now() + 3600 }));
    await refused(verifier, token, "PADDOCK_AUTH_INVALID", /"iat" is in the future/);
  });

  it("iat and nbf slightly ahead (within the skew) are accepted", async () => {
    const token = signer.sign(claims({ iat: now() + 10, nbf: now() + 10, exp: now() + 600 }));
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it("a lifetime over 24 h is refused, exactly 24 h is accepted", async () => {
    await refused(
      verifier,
      signer.sign(claims({ iat: now(), exp: now() + 86_401 })),
      "PADDOCK_AUTH_INVALID",
      /lifetime/,
    );
    await expect(
      verifier.verify(signer.sign(claims({ iat: now(), exp: now() + 86_400 }))),
    ).resolves.toBeDefined();
  });

  it("exp not after iat is refused", async () => {
    await refused(
      verifier,
      signer.sign(claims({ iat: now(), exp: now() })),
      "PADDOCK_AUTH_INVALID",
      /not after/,
    );
  });
});

describe("size", () => {
  it("a token over 8 KB is PADDOCK_AUTH_TOO_LARGE, even a genuinely signed one", async () => {
    const token = signer.sign(claims({ pad: "x".repeat(8200) }));
    expect(token.length).toBeGreaterThan(8192);
    await refused(verifier, token, "PADDOCK_AUTH_TOO_LARGE");
  });

  it("is checked before any parsing: 8193 bytes of garbage are TOO_LARGE, not INVALID, and no key is tried", async () => {
    const before = verifier.stats().signatureChecks;
    await refused(verifier, "x".repeat(8193), "PADDOCK_AUTH_TOO_LARGE");
    expect(verifier.stats().signatureChecks).toBe(before);
  });

  it("counts bytes, not characters", async () => {
    const token = "é".repeat(4097); // 4097 characters, 8194 bytes
    await refused(verifier, token, "PADDOCK_AUTH_TOO_LARGE");
  });

  it("a token of exactly the limit is parsed (and here refused as garbage)", async () => {
    await refused(verifier, "x".repeat(8192), "PADDOCK_AUTH_INVALID");
  });
});

describe("issuer and audience", () => {
  it.each([
    ["wrong iss", { iss: "https://evil.example" }, /"iss" does not match/],
    ["missing iss", { iss: undefined }, /"iss" is missing/],
    ["wrong aud", { aud: "someone-else" }, /"aud" does not match/],
    ["missing aud", { aud: undefined }, /"aud" is missing/],
  ])("%s is refused", async (_name, o, detail) => {
    await refused(verifier, signer.sign(claims(o)), "PADDOCK_AUTH_INVALID", detail);
  });

  it("an aud array containing the audience is accepted", async () => {
    await expect(verifier.verify(signer.sign(claims({ aud: ["x", AUD] })))).resolves.toBeDefined();
  });
});

describe("required and typed claims", () => {
  it.each(["sub", "exp", "iat"])("missing %s is refused and named", async (claim) => {
    await refused(
      verifier,
      signer.sign(claims({ [claim]: undefined })),
      "PADDOCK_AUTH_INVALID",
      new RegExp(claim),
    );
  });

  it.each([
    ["empty sub", { sub: "" }, /sub/],
    ["numeric sub", { sub: 42 }, /sub/],
    ["string exp", { exp: "tomorrow" }, /exp/],
    ["numeric scope", { scope: 7 }, /scope/],
    ["scope array with a number", { scope: ["read", 1] }, /scope/],
    ["accounts as a plain string", { accounts: "acct-001" }, /accounts/],
    ["accounts with a number", { accounts: ["a", 2] }, /accounts/],
    ["accounts with an empty id", { accounts: [""] }, /accounts/],
    ["numeric client_id", { client_id: 5 }, /client_id/],
    ["numeric jti", { jti: 5 }, /jti/],
  ])("%s is refused", async (_name, o, detail) => {
    await refused(verifier, signer.sign(claims(o)), "PADDOCK_AUTH_INVALID", detail);
  });

  it("a payload that is not a JSON object is refused", async () => {
    const token = signer.sign(claims());
    const [h] = token.split(".");
    const forged = stranger.sign(claims());
    await refused(
      verifier,
      `${h}.${segment("just a string")}.${forged.split(".")[2]}`,
      "PADDOCK_AUTH_INVALID",
    );
  });

  it("unknown scopes are ignored, a scope array is accepted, missing accounts means none", async () => {
    const p = await verifier.verify(signer.sign(claims({ scope: ["openid", "trade"], accounts: undefined })));
    expect([...p.scopes]).toEqual(["trade"]);
    expect(p.accounts).toEqual(new Set());
    const q = await verifier.verify(signer.sign(claims({ scope: "openid profile", accounts: "*" })));
    expect(q.scopes.size).toBe(0);
    expect(q.accounts).toBe("*");
  });

  it("an unknown critical header is refused", async () => {
    await refused(verifier, signer.sign(claims(), { crit: ["exp-v2"], "exp-v2": 1 }), "PADDOCK_AUTH_INVALID");
  });
});

describe("a weak RSA key", () => {
  it("a 1024-bit public key file is refused at start-up", async () => {
    const { publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 1024,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const { writeFile } = await import("node:fs/promises");
    const path = `${signer.dir}/weak.pem`;
    await writeFile(path, publicKey);
    await rejectsWith(createVerifier(authOptions({ publicKeyFiles: [{ path }] })), "PADDOCK_CONFIG_INVALID");
  });
});
