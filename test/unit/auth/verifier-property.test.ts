/** Property: a valid token altered in any single character never verifies. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../../../src/auth/index.js";
import { isPaddockError } from "../../../src/errors.js";
import { createTokenSigner, type TestAlg, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions, manualClock } from "./fixtures.js";

const clock = manualClock();
const signers: Partial<Record<TestAlg, TokenSigner>> = {};
let verifier: Verifier;

beforeAll(async () => {
  for (const alg of ["RS256", "ES256", "EdDSA"] as const) signers[alg] = await createTokenSigner({ alg });
  verifier = await createVerifier(
    authOptions({
      algorithms: ["RS256", "ES256", "EdDSA"],
      publicKeyFiles: Object.values(signers).map((s) => ({ path: s.publicKeyPath, kid: s.kid })),
    }),
    { now: clock.now },
  );
});
afterAll(async () => {
  verifier.close();
  await Promise.all(Object.values(signers).map((s) => s.cleanup()));
});

async function refusedCode(token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return "ACCEPTED";
  } catch (err) {
    if (!isPaddockError(err)) throw err;
    return err.code;
  }
}

describe.each(["RS256", "ES256", "EdDSA"] as const)("%s", (alg) => {
  it("any single-character change is refused", async () => {
    const signer = signers[alg] as TokenSigner;
    const token = signer.sign(testClaims(clock.seconds(), { scope: "read trade data admin", accounts: "*" }));
    expect(await refusedCode(token)).toBe("ACCEPTED"); // the unaltered token is good
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }),
        async (index, code) => {
          const replacement = String.fromCharCode(code);
          fc.pre(token[index] !== replacement);
          const altered = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(await refusedCode(altered)).toBe("PADDOCK_AUTH_INVALID");
        },
      ),
      { numRuns: 400 },
    );
  });

  it("regression: changing only the spare bits of the signature's last character is refused", async () => {
    const signer = signers[alg] as TokenSigner;
    const token = signer.sign(testClaims(clock.seconds(), { sub: "spare-bits" }));
    const sig = token.split(".")[2] ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = sig.at(-1) ?? "";
    const twin = [...alphabet].find(
      (c) =>
        c !== last && Buffer.from(sig.slice(0, -1) + c, "base64url").equals(Buffer.from(sig, "base64url")),
    );
    expect(twin, "a decoder-equal twin exists").toBeDefined();
    const altered = token.slice(0, -1) + twin;
    expect(await refusedCode(altered)).toBe("PADDOCK_AUTH_INVALID");
  });
});
