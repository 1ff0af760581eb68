/** scrypt client-secret hashes: self-describing, salted, constant-time verified, bounded. */
import { describe, expect, it } from "vitest";
import { hashClientSecret, parseSecretHash, verifyClientSecret } from "../../../src/auth/index.js";

const FAST = { N: 1024, r: 8, p: 1 };

describe("hashClientSecret / verifyClientSecret", () => {
  it("produces scrypt$N$r$p$salt$hash with the default parameters", async () => {
    const h = await hashClientSecret("s3cret-value");
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(h).not.toContain("s3cret");
    expect(await verifyClientSecret("s3cret-value", h)).toBe(true);
    expect(await verifyClientSecret("s3cret-valuE", h)).toBe(false);
    expect(await verifyClientSecret("", h)).toBe(false);
  });

  it("salts: the same secret hashes differently, and both verify", async () => {
    const [a, b] = await Promise.all([
      hashClientSecret("x", { params: FAST }),
      hashClientSecret("x", { params: FAST }),
    ]);
    expect(a).not.toBe(b);
    expect(await verifyClientSecret("x", a)).toBe(true);
    expect(await verifyClientSecret("x", b)).toBe(true);
  });

  it("is deterministic for a given salt, and honours the parameters it records", async () => {
    const salt = Buffer.alloc(16, 7);
    const a = await hashClientSecret("x", { params: FAST, salt });
    expect(await hashClientSecret("x", { params: FAST, salt })).toBe(a);
    expect(a.startsWith("scrypt$1024$8$1$")).toBe(true);
    expect(parseSecretHash(a)).toMatchObject({ N: 1024, r: 8, p: 1 });
  });

  it.each([
    ["empty", ""],
    ["another scheme", "argon2id$v=19$m=65536$abc$def"],
    [
      "N not a power of two",
      "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    ["N too large", "scrypt$2097152$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["r too large", "scrypt$1024$64$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a leading zero", "scrypt$01024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a short salt", "scrypt$1024$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a bad character", "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+AA"],
    ["too few parts", "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA"],
  ])("a malformed hash (%s) never verifies", async (_name, stored) => {
    expect(parseSecretHash(stored)).toBeUndefined();
    expect(await verifyClientSecret("anything", stored)).toBe(false);
  });
});
