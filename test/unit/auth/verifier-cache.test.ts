/** The verified-token cache: one signature check per token, never past exp, bounded. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenCache, createVerifier, tokenHash } from "../../../src/auth/index.js";
import { createTokenSigner, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

let rs: TokenSigner;
let foreign: TokenSigner;
beforeAll(async () => {
  rs = await createTokenSigner();
  foreign = await createTokenSigner();
});
afterAll(async () => {
  await Promise.all([rs.cleanup(), foreign.cleanup()]);
});

async function setup(cacheMaxEntries = 10_000) {
  const clock = manualClock();
  const v = await createVerifier(
    authOptions({ cacheMaxEntries, publicKeyFiles: [{ path: rs.publicKeyPath }] }),
    {
      now: clock.now,
    },
  );
  return { clock, v };
}

describe("verified-token cache", () => {
  it("a second verify of the same token does not check the signature again", async () => {
    const { clock, v } = await setup();
    const token = rs.sign(testClaims(clock.seconds()));
    const first = await v.verify(token);
    const second = await v.verify(token);
    expect(second).toBe(first);
    expect(v.stats()).toMatchObject({ signatureChecks: 1, cacheHits: 1, cacheMisses: 1, cacheSize: 1 });
    for (let i = 0; i < 100; i++) await v.verify(token);
    expect(v.stats()).toMatchObject({ signatureChecks: 1, cacheHits: 101 });
  });

  it("refuses a cached token once it has expired (past exp and the skew)", async () => {
    const { clock, v } = await setup();
    const token = rs.sign(testClaims(clock.seconds(), { exp: clock.seconds() + 60 }));
    await v.verify(token);
    clock.advance(91_000);
    await rejectsWith(v.verify(token), "PADDOCK_AUTH_EXPIRED");
    expect(v.stats().cacheSize).toBe(0);
  });

  it("never serves from the cache past exp: within the skew the token is re-verified, not cached", async () => {
    const { clock, v } = await setup();
    const token = rs.sign(testClaims(clock.seconds(), { exp: clock.seconds() + 60 }));
    await v.verify(token);
    clock.advance(70_000); // 10 s past exp, inside the 30 s skew
    await v.verify(token);
    await v.verify(token);
    expect(v.stats()).toMatchObject({ signatureChecks: 3, cacheHits: 0, cacheSize: 0 });
  });

  it("concurrent verifies of one new token share a single signature check", async () => {
    const { clock, v } = await setup();
    const token = rs.sign(testClaims(clock.seconds()));
    const results = await Promise.all(Array.from({ length: 25 }, () => v.verify(token)));
    expect(new Set(results).size).toBe(1);
    expect(v.stats()).toMatchObject({ signatureChecks: 1, cacheMisses: 1, cacheHits: 24 });
  });

  it("concurrent verifies of one bad token all fail, with one check", async () => {
    const { clock, v } = await setup();
    const bad = foreign.sign(testClaims(clock.seconds()));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => v.verify(bad)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(v.stats().signatureChecks).toBe(1);
    await rejectsWith(v.verify(bad), "PADDOCK_AUTH_INVALID");
    expect(v.stats().signatureChecks).toBe(2);
  });

  it("does not cache failures", async () => {
    const { clock, v } = await setup();
    const bad = foreign.sign(testClaims(clock.seconds()));
    await rejectsWith(v.verify(bad), "PADDOCK_AUTH_INVALID");
    await rejectsWith(v.verify(bad), "PADDOCK_AUTH_INVALID");
    expect(v.stats()).toMatchObject({ signatureChecks: 2, cacheSize: 0 });
  });

  it("stays within cacheMaxEntries, dropping the oldest", async () => {
    const { clock, v } = await setup(3);
    const tokens = Array.from({ length: 5 }, (_, i) =>
      rs.sign(testClaims(clock.seconds(), { sub: `s${i}` })),
    );
    for (const t of tokens) await v.verify(t);
    expect(v.stats().cacheSize).toBe(3);
    await v.verify(tokens[4] ?? "");
    expect(v.stats().signatureChecks).toBe(5);
    await v.verify(tokens[0] ?? "");
    expect(v.stats().signatureChecks).toBe(6);
  });

  it("cacheMaxEntries 0 turns the cache off", async () => {
    const { clock, v } = await setup(0);
    const token = rs.sign(testClaims(clock.seconds()));
    await v.verify(token);
    await v.verify(token);
    expect(v.stats()).toMatchObject({ signatureChecks: 2, cacheSize: 0 });
  });

  it("after close, verify fails and the cache is empty", async () => {
    const { clock, v } = await setup();
    const token = rs.sign(testClaims(clock.seconds()));
    await v.verify(token);
    v.close();
    expect(v.stats().cacheSize).toBe(0);
    await rejectsWith(v.verify(token), "PADDOCK_UNAVAILABLE");
  });
});

describe("createTokenCache", () => {
  const principal = (exp: number) =>
    Object.freeze({ sub: "s", scopes: new Set<never>(), accounts: "*" as const, iat: exp - 10, exp });

  it("sweeps expired entries before evicting live ones", () => {
    let now = 1_000_000;
    const cache = createTokenCache(2, () => now);
    cache.set("a", principal(1010)); // expires at 1 010 000 ms
    cache.set("b", principal(2000));
    now = 1_020_000;
    cache.set("c", principal(2000));
    expect(cache.get("b")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
    expect(cache.get("a")).toBeUndefined();
  });

  it("ignores entries already expired, and keys by a hash that hides the token", () => {
    const cache = createTokenCache(10, () => 5_000_000);
    cache.set("x", principal(4000));
    expect(cache.size).toBe(0);
    const h = tokenHash("header.payload.signature");
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h).not.toContain("payload");
  });
});
