/**
 * Hand-built JWTs for tests, including bad ones: a key pair written to a temp
 * dir (so it can be configured as a PEM file), and signing of arbitrary claims
 * and headers with node:crypto (no JWT library, so nothing refuses to build a
 * malformed or malicious token).
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type TestAlg = "RS256" | "ES256" | "EdDSA";
export type Fields = Record<string, unknown>;

export const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString("base64url");
export const segment = (value: unknown): string => b64url(JSON.stringify(value));

/** Drops keys whose override is `undefined`, so `{ sub: undefined }` removes `sub`. */
function merge(base: Fields, overrides: Fields): Fields {
  const out: Fields = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Valid claims issued at `nowSeconds` for one hour, with overrides (`undefined` removes a claim). */
export function testClaims(nowSeconds: number, overrides: Fields = {}): Fields {
  return merge(
    { sub: "bot-1", iat: nowSeconds, exp: nowSeconds + 3600, scope: "read trade", accounts: ["acct-001"] },
    overrides,
  );
}

function generatePemPair(alg: TestAlg): { publicKey: string; privateKey: string } {
  const publicKeyEncoding = { type: "spki", format: "pem" } as const;
  const privateKeyEncoding = { type: "pkcs8", format: "pem" } as const;
  switch (alg) {
    case "RS256":
      return generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding });
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "prime256v1", publicKeyEncoding, privateKeyEncoding });
    case "EdDSA":
      return generateKeyPairSync("ed25519", { publicKeyEncoding, privateKeyEncoding });
  }
}

export interface TokenSigner {
  readonly alg: TestAlg;
  readonly kid: string;
  readonly dir: string;
  readonly publicKeyPath: string;
  readonly privateKeyPath: string;
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
  /** Signs `claims` with header `{alg, kid, typ}` merged with `header` (`undefined` removes a field). */
  sign(claims: Fields, header?: Fields): string;
  /** The public key as a JWK with kid, alg and use. */
  publicJwk(): Fields;
  cleanup(): Promise<void>;
}

export async function createTokenSigner(options: { alg?: TestAlg; kid?: string } = {}): Promise<TokenSigner> {
  const alg = options.alg ?? "RS256";
  const kid = options.kid ?? `test-${alg.toLowerCase()}`;
  const pair = generatePemPair(alg);
  const dir = await mkdtemp(join(tmpdir(), "paddock-auth-"));
  const publicKeyPath = join(dir, `${kid}.pub.pem`);
  const privateKeyPath = join(dir, `${kid}.pem`);
  await writeFile(publicKeyPath, pair.publicKey);
  await writeFile(privateKeyPath, pair.privateKey, { mode: 0o600 });
  const privateKey = createPrivateKey(pair.privateKey);

  return {
    alg,
    kid,
    dir,
    publicKeyPath,
    privateKeyPath,
    publicKeyPem: pair.publicKey,
    privateKeyPem: pair.privateKey,
    sign(claims, header = {}) {
      const input = `${segment(merge({ alg, kid, typ: "JWT" }, header))}.${segment(claims)}`;
      const signature =
        alg === "RS256"
          ? sign("sha256", Buffer.from(input), privateKey)
          : alg === "ES256"
            ? sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" })
            : sign(null, Buffer.from(input), privateKey);
      return `${input}.${b64url(signature)}`;
    },
    publicJwk() {
      return { ...createPublicKey(pair.publicKey).export({ format: "jwk" }), kid, alg, use: "sig" };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `alg: none` (or any header) with an empty signature: `header.payload.` */
export function unsignedToken(claims: Fields, header: Fields = { alg: "none", typ: "JWT" }): string {
  return `${segment(header)}.${segment(claims)}.`;
}

/** HMAC-SHA256 with any secret, e.g. an RSA public key PEM (the algorithm-confusion attack). */
export function hmacToken(claims: Fields, secret: string | Uint8Array, header: Fields = {}): string {
  const input = `${segment(merge({ alg: "HS256", typ: "JWT" }, header))}.${segment(claims)}`;
  return `${input}.${b64url(createHmac("sha256", secret).update(input).digest())}`;
}
