/** Token revocations: by jti or by subject (iat at or before), checked on every verify, cached or not. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "../../../src/auth/index.js";
import { createRevocations, type Revocations, recordRevocation } from "../../../src/auth/revocations.js";
import { createMemoryStateStore } from "../../../src/state/memory-store.js";
import type { StateStore } from "../../../src/state/state-store.js";
import { createTokenSigner, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

let rs: TokenSigner;
beforeAll(async () => {
  rs = await createTokenSigner();
});
afterAll(async () => {
  await rs.cleanup();
});

const opened: Revocations[] = [];
afterAll(() => {
  for (const r of opened) r.close();
});

async function setup(store: StateStore = createMemoryStateStore(), clock = manualClock()) {
  const revocations = await createRevocations({
    store,
    pollIntervalMs: 50,
    maxLifetimeSeconds: 86_400,
    clockSkewSeconds: 30,
    now: clock.now,
  });
  opened.push(revocations);
  const verifier = await createVerifier(authOptions({ publicKeyFiles: [{ path: rs.publicKeyPath }] }), {
    now: clock.now,
    isRevoked: (p) => revocations.isRevoked(p),
  });
  return { clock, store, revocations, verifier };
}

describe("revocations", () => {
  it("a revoked jti answers 401 even from the verified-token cache; other tokens still pass", async () => {
    const { clock, revocations, verifier } = await setup();
    const token = rs.sign(testClaims(clock.seconds(), { jti: "t-1" }));
    const other = rs.sign(testClaims(clock.seconds(), { jti: "t-2" }));
    await verifier.verify(token); // cached now
    await revocations.revoke({ jti: "t-1" }, "ops");
    const err = await rejectsWith(verifier.verify(token), "PADDOCK_AUTH_INVALID");
    expect(err.message).toMatch(/revoked/);
    expect(verifier.stats().signatureChecks).toBe(1); // the cache answered, the revocation still applied
    await verifier.verify(other);
  });

  it("a revoked subject loses every token issued at or before the revocation, not later ones", async () => {
    const { clock, revocations, verifier } = await setup();
    const before = rs.sign(testClaims(clock.seconds() - 100, { sub: "bot" }));
    const sameSecond = rs.sign(testClaims(clock.seconds(), { sub: "bot" }));
    const stranger = rs.sign(testClaims(clock.seconds(), { sub: "someone-else" }));
    await revocations.revoke({ sub: "bot" });
    await rejectsWith(verifier.verify(before), "PADDOCK_AUTH_INVALID");
    await rejectsWith(verifier.verify(sameSecond), "PADDOCK_AUTH_INVALID");
    await verifier.verify(stranger);
    clock.advance(1000);
    await verifier.verify(rs.sign(testClaims(clock.seconds(), { sub: "bot" })));
  });

  it("sees a revocation written by another instance (or the CLI) within one poll", async () => {
    const store = createMemoryStateStore();
    const { clock, revocations } = await setup(store);
    const principal = { sub: "remote", iat: clock.seconds() - 5 };
    expect(revocations.isRevoked(principal)).toBe(false);
    await recordRevocation(
      store,
      { sub: "remote" },
      { maxLifetimeSeconds: 86_400, clockSkewSeconds: 30, now: clock.now },
      "cli",
    );
    for (const deadline = Date.now() + 2000; !revocations.isRevoked(principal); ) {
      if (Date.now() > deadline) throw new Error("the poll never picked the revocation up");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(revocations.list()).toEqual([
      expect.objectContaining({ kind: "sub", value: "remote", by: "cli" }),
    ]);
  });

  it("keeps an entry exactly as long as a token it matches can live, then drops it", async () => {
    const clock = manualClock();
    const store = createMemoryStateStore({ now: clock.now });
    const { revocations } = await setup(store, clock);
    const r = await revocations.revoke({ jti: "x" });
    expect(r.expiresAt - r.revokedAt).toBe((86_400 + 30 + 1) * 1000);
    expect(revocations.list()).toHaveLength(1);
    clock.advance(r.expiresAt - r.revokedAt);
    expect(revocations.list()).toHaveLength(0);
    expect(await store.get("revocations", "jti:x")).toBeUndefined();
  });

  it("refuses an empty or oversized target by name", async () => {
    const { revocations } = await setup();
    await expect(revocations.revoke({ jti: "" })).rejects.toThrow(/jti: must be 1 to 256/);
    await expect(revocations.revoke({ sub: "x".repeat(257) })).rejects.toThrow(/sub: must be 1 to 256/);
  });

  it("answers 503 when the store cannot record it", async () => {
    const store = createMemoryStateStore();
    const { revocations } = await setup(store);
    store.put = async () => {
      throw new Error("disk gone");
    };
    await rejectsWith(revocations.revoke({ sub: "y" }), "PADDOCK_UNAVAILABLE");
  });
});
