import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  isEncrypted,
  makeKeyRing,
  parseMasterKey,
} from "../../../src/config/secrets.js";
import { isPaddockError } from "../../../src/errors.js";

const keyA = parseMasterKey(generateMasterKey(), "a");
const keyB = parseMasterKey(generateMasterKey(), "b");

describe("secret envelopes", () => {
  it("round-trips and names the sealing key", () => {
    const env = encryptSecret("PKSECRET123", "acct-001", keyA);
    expect(isEncrypted(env)).toBe(true);
    expect(env.startsWith(`enc:v1:${keyA.id}:`)).toBe(true);
    expect(env).not.toContain("PKSECRET123");
    expect(decryptSecret(env, "acct-001", makeKeyRing(keyA), "x")).toBe("PKSECRET123");
  });

  it("uses a fresh nonce each time", () => {
    expect(encryptSecret("s", "a", keyA)).not.toBe(encryptSecret("s", "a", keyA));
  });

  it("refuses a value moved to another account", () => {
    const env = encryptSecret("s3cret", "acct-001", keyA);
    expect(() => decryptSecret(env, "acct-002", makeKeyRing(keyA), "accounts[1].secretKey")).toThrow(
      /accounts\[1\]\.secretKey: authentication failed/,
    );
  });

  it("decrypts with either key during a rotation, and not with an unknown one", () => {
    const old = encryptSecret("v", "o", keyA);
    const ring = makeKeyRing(keyB, [keyA]);
    expect(decryptSecret(old, "o", ring, "f")).toBe("v");
    expect(() => decryptSecret(old, "o", makeKeyRing(keyB), "f")).toThrow(/not loaded/);
  });

  it("detects any single-byte tampering (property)", () => {
    const env = encryptSecret("secret-value", "acct", keyA);
    const prefix = env.slice(0, env.lastIndexOf(":") + 1);
    const payload = Buffer.from(env.slice(prefix.length), "base64url");
    fc.assert(
      fc.property(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const copy = Buffer.from(payload);
        copy[i] = (copy[i] ?? 0) ^ x;
        let failed = false;
        try {
          decryptSecret(prefix + copy.toString("base64url"), "acct", makeKeyRing(keyA), "f");
        } catch (err) {
          failed = isPaddockError(err, "PADDOCK_SECRET_DECRYPT");
        }
        return failed;
      }),
    );
  });

  it("detects an edit of any character of the envelope text, spare bits included", () => {
    const env = encryptSecret("secret-value", "acct", keyA);
    const start = env.lastIndexOf(":") + 1;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let i = start; i < env.length; i++) {
      const other = alphabet[(alphabet.indexOf(env[i]!) + 1) % alphabet.length]!;
      const edited = env.slice(0, i) + other + env.slice(i + 1);
      expect(() => decryptSecret(edited, "acct", makeKeyRing(keyA), "f")).toThrow(
        /authentication failed|truncated/,
      );
    }
  });

  it("rejects non-envelopes, truncation and bad master keys", () => {
    expect(() => decryptSecret("plain", "o", makeKeyRing(keyA), "f")).toThrow(/not an encrypted value/);
    expect(() => decryptSecret(`enc:v1:${keyA.id}:AAAA`, "o", makeKeyRing(keyA), "f")).toThrow(/truncated/);
    expect(() => parseMasterKey("c2hvcnQ=", "k")).toThrow(/32 bytes/);
    expect(parseMasterKey("ab".repeat(32), "hex").key.length).toBe(32);
  });
});
