/**
 * A JWKS URL served by a real local HTTP server: fetched once and cached,
 * refetched once on an unknown kid, rate-limited by the cooldown, refreshed
 * after jwksRefreshSeconds, and an unreachable identity provider is a 503.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createVerifier, type Verifier } from "../../../src/auth/index.js";
import { createTokenSigner, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions, manualClock, rejectsWith } from "./fixtures.js";

const clock = manualClock();
const claims = (sub = "bot-1") => testClaims(clock.seconds(), { sub });

let rs: TokenSigner;
let rotated: TokenSigner;
let server: Server;
let url: string;
let requests = 0;
let status = 200;
let published: unknown[] = [];
const verifiers: Verifier[] = [];

beforeAll(async () => {
  [rs, rotated] = await Promise.all([
    createTokenSigner({ kid: "idp-2026-01" }),
    createTokenSigner({ kid: "idp-2026-02" }),
  ]);
  server = createServer((req, res) => {
    requests++;
    if (req.url !== "/.well-known/jwks.json" || status !== 200) {
      res.writeHead(req.url === "/.well-known/jwks.json" ? status : 404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterEach(() => {
  for (const v of verifiers.splice(0)) v.close();
  vi.useRealTimers();
  status = 200;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([rs.cleanup(), rotated.cleanup()]);
});

async function verifierFor(cooldownMs?: number, refreshSeconds = 600): Promise<Verifier> {
  requests = 0;
  published = [rs.publicJwk()];
  const v = await createVerifier(authOptions({ jwksUrl: url, jwksRefreshSeconds: refreshSeconds }), {
    now: clock.now,
    ...(cooldownMs === undefined ? {} : { jwksCooldownMs: cooldownMs }),
  });
  verifiers.push(v);
  return v;
}

describe("JWKS URL", () => {
  it("is fetched once, then every token is checked against the cached set", async () => {
    const v = await verifierFor(0);
    expect(requests).toBe(0); // lazily, on the first token
    for (let i = 0; i < 5; i++) expect((await v.verify(rs.sign(claims(`bot-${i}`)))).sub).toBe(`bot-${i}`);
    expect(requests).toBe(1);
    expect(v.stats().jwksFetches).toBe(1);
  });

  it("an unknown kid triggers exactly one refresh, then is refused", async () => {
    const v = await verifierFor(0);
    await v.verify(rs.sign(claims()));
    expect(requests).toBe(1);
    const err = await rejectsWith(v.verify(rs.sign(claims(), { kid: "ghost" })), "PADDOCK_AUTH_INVALID");
    expect(err.message).toMatch(/no trusted RS256 key/);
    expect(requests).toBe(2);
  });

  it("a rotated key is picked up by that one refresh, and later tokens need no fetch", async () => {
    const v = await verifierFor(0);
    await v.verify(rs.sign(claims()));
    published = [rs.publicJwk(), rotated.publicJwk()];
    expect((await v.verify(rotated.sign(claims("new-key")))).sub).toBe("new-key");
    expect(requests).toBe(2);
    await v.verify(rotated.sign(claims("again")));
    await v.verify(rs.sign(claims("old-key")));
    expect(requests).toBe(2);
  });

  it("concurrent tokens with a new kid share one refresh", async () => {
    const v = await verifierFor(0);
    await v.verify(rs.sign(claims()));
    published = [rs.publicJwk(), rotated.publicJwk()];
    const subs = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const ps = await Promise.all(subs.map((s) => v.verify(rotated.sign(claims(s)))));
    expect(ps.map((p) => p.sub)).toEqual(subs);
    expect(requests).toBe(2);
  });

  it("with the default 30 s cooldown, a flood of random kids right after a fetch causes no request", async () => {
    const v = await verifierFor();
    await v.verify(rs.sign(claims()));
    for (let i = 0; i < 30; i++) {
      await rejectsWith(v.verify(rs.sign(claims(), { kid: `random-${i}` })), "PADDOCK_AUTH_INVALID");
    }
    expect(requests).toBe(1);
  });

  it("is fetched again once jwksRefreshSeconds have passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const v = await verifierFor(undefined, 60);
    await v.verify(rs.sign(claims("a")));
    vi.setSystemTime(Date.now() + 59_000);
    await v.verify(rs.sign(claims("b")));
    expect(requests).toBe(1);
    vi.setSystemTime(Date.now() + 2_000);
    await v.verify(rs.sign(claims("c")));
    expect(requests).toBe(2);
  });

  it("an identity provider answering 500 makes verification PADDOCK_UNAVAILABLE, not a 401", async () => {
    const v = await verifierFor(0);
    status = 500;
    await rejectsWith(v.verify(rs.sign(claims())), "PADDOCK_UNAVAILABLE");
  });

  it("an unreachable identity provider is PADDOCK_UNAVAILABLE", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const v = await createVerifier(authOptions({ jwksUrl: `http://127.0.0.1:${port}/jwks` }), {
      now: clock.now,
    });
    verifiers.push(v);
    await rejectsWith(v.verify(rs.sign(claims())), "PADDOCK_UNAVAILABLE");
  });

  it("uses the injected fetch", async () => {
    let calls = 0;
    const v = await createVerifier(authOptions({ jwksUrl: "https://idp.invalid/jwks" }), {
      now: clock.now,
      fetch: async () => {
        calls++;
        return new Response(JSON.stringify({ keys: [rs.publicJwk()] }), {
          headers: { "content-type": "application/json" },
        });
      },
    });
    verifiers.push(v);
    expect((await v.verify(rs.sign(claims()))).sub).toBe("bot-1");
    expect(calls).toBe(1);
  });
});
