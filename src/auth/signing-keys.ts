/** Key pairs for the gateway's own signing key (`paddock init`). */
import { generateKeyPair } from "node:crypto";
import { PaddockError } from "../errors.js";
import type { SigningAlgorithm } from "./types.js";

const PEM = {
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
} as const;

type PemPair = { privateKeyPem: string; publicKeyPem: string };

const done =
  (resolve: (p: PemPair) => void, reject: (e: Error) => void) =>
  (err: Error | null, publicKeyPem: string, privateKeyPem: string): void => {
    if (err) reject(err);
    else resolve({ privateKeyPem, publicKeyPem });
  };

/** PEM (SPKI public, PKCS#8 private). RS256 uses a 2048-bit modulus, ES256 P-256, EdDSA Ed25519. */
export function generateSigningKeyPair(alg: SigningAlgorithm = "RS256"): Promise<PemPair> {
  return new Promise<PemPair>((resolve, reject) => {
    switch (alg) {
      case "RS256":
        generateKeyPair("rsa", { modulusLength: 2048, ...PEM }, done(resolve, reject));
        return;
      case "ES256":
        generateKeyPair("ec", { namedCurve: "prime256v1", ...PEM }, done(resolve, reject));
        return;
      case "EdDSA":
        generateKeyPair("ed25519", PEM, done(resolve, reject));
        return;
      default:
        reject(new PaddockError("PADDOCK_USAGE", { detail: "alg: one of RS256, ES256, EdDSA" }));
    }
  });
}
