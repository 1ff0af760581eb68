/**
 * Reads PEM key files for the verifier and the issuer. Errors name the option
 * (`auth.publicKeyFiles[0].path`) and never carry the file's contents.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type CryptoKey, importPKCS8, importSPKI } from "jose";
import { PaddockError } from "../errors.js";
import type { SigningAlgorithm } from "./types.js";

const ASYMMETRIC: ReadonlyArray<SigningAlgorithm> = ["RS256", "ES256", "EdDSA"];

export const isSigningAlgorithm = (value: unknown): value is SigningAlgorithm =>
  typeof value === "string" && (ASYMMETRIC as ReadonlyArray<string>).includes(value);

/** The one JWS algorithm a key of this type verifies; undefined for key types Paddock does not accept. */
export function algorithmForKey(key: KeyObject): SigningAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return "RS256";
    case "ec":
      return key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? "ES256" : undefined;
    case "ed25519":
      return "EdDSA";
    default:
      return undefined;
  }
}

export async function readKeyFile(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "read error";
    throw new PaddockError("PADDOCK_CONFIG_IO", {
      detail: `${field}: cannot read the key file (${code})`,
      cause,
    });
  }
}

export interface LoadedPublicKey {
  readonly alg: SigningAlgorithm;
  readonly key: CryptoKey;
  /** PEM (SPKI) text of the public key, normalised. */
  readonly spki: string;
}

/**
 * Parses a PEM public key (or certificate) and imports it for exactly one
 * algorithm. A private key is refused: verification needs only the public half.
 */
export async function importPublicPem(pem: string, field: string, alg?: string): Promise<LoadedPublicKey> {
  if (pem.includes("PRIVATE KEY")) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `${field}: is a private key; give the public key`,
    });
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey(pem);
  } catch (cause) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `${field}: not a PEM public key`, cause });
  }
  return importKeyObject(keyObject, field, alg);
}

async function importKeyObject(keyObject: KeyObject, field: string, alg?: string): Promise<LoadedPublicKey> {
  const inferred = algorithmForKey(keyObject);
  if (inferred === undefined) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `${field}: unsupported key type ${keyObject.asymmetricKeyType ?? "unknown"} (RSA, EC P-256 or Ed25519)`,
    });
  }
  if (alg !== undefined && alg !== inferred) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `${field}: a ${keyObject.asymmetricKeyType} key cannot verify ${alg} (it verifies ${inferred})`,
    });
  }
  if (inferred === "RS256") {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) {
      throw new PaddockError("PADDOCK_CONFIG_INVALID", {
        detail: `${field}: RSA key of ${bits} bits is too short (2048 at least)`,
      });
    }
  }
  const spki = keyObject.export({ format: "pem", type: "spki" }).toString();
  const key = await importSPKI(spki, inferred, { extractable: true });
  return { alg: inferred, key, spki };
}

export interface LoadedPrivateKey {
  readonly key: CryptoKey;
  /** The public half derived from the private key, to check it against the configured public key. */
  readonly publicSpki: string;
}

export async function importPrivatePem(
  pem: string,
  field: string,
  alg: SigningAlgorithm,
): Promise<LoadedPrivateKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (cause) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `${field}: not a PEM private key`, cause });
  }
  const inferred = algorithmForKey(keyObject);
  if (inferred !== alg) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `${field}: a ${keyObject.asymmetricKeyType ?? "unknown"} key cannot sign ${alg}`,
    });
  }
  const pkcs8 = keyObject.export({ format: "pem", type: "pkcs8" }).toString();
  const publicSpki = createPublicKey(keyObject).export({ format: "pem", type: "spki" }).toString();
  return { key: await importPKCS8(pkcs8, alg), publicSpki };
}
