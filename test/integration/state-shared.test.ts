/**
 * Halts and revocations made on one gateway reach another within a second, over real
 * sockets: two in-process gateways sharing a real Redis, and two sharing one embedded
 * state file (SQLite), in front of one simulator. Both gateways trust the same signing key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRedisUrl, uniquePrefix } from "../helpers/redis.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";
import { type SimHandle, startTestSim } from "../helpers/start-sim.js";
import { within } from "../helpers/wait.js";

const PROPAGATION_LIMIT_MS = 1000;

const jtiOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { jti: string }).jti;

/** Polls `check` until it holds; returns how long it took. */

const status = async (gw: TestGateway, path: string, token?: string, init: RequestInit = {}) => {
  const res = await gw.call(path, { ...init, ...(token === undefined ? {} : { token }) });
  await res.arrayBuffer();
  return res.status;
};

const limitOrder = JSON.stringify({
  symbol: "AAPL",
  qty: "1",
  side: "buy",
  type: "limit",
  limit_price: "1.00",
  time_in_force: "gtc",
});

function sharing(name: string, shared: () => Promise<(raw: Record<string, unknown>) => void>) {
  describe(`two gateways sharing ${name}`, () => {
    let sim: SimHandle;
    let a: TestGateway;
    let b: TestGateway;
    beforeAll(async () => {
      sim = await startTestSim({ rateLimitPerMinute: 0 });
      const configure = await shared();
      a = await startGateway({ sim, accounts: 1, logLevel: "warn", configure });
      b = await startGateway({
        sim,
        accounts: 1,
        logLevel: "warn",
        configure: (raw) => {
          configure(raw);
          const auth = raw.auth as { signing: Record<string, string> };
          auth.signing.privateKeyFile = join(a.dir, "jwt-private.pem");
          auth.signing.publicKeyFile = join(a.dir, "jwt-public.pem");
        },
      });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await sim?.close();
    });

    it("a subject revoked on A answers 401 on B within a second, cached tokens included", async () => {
      const sub = `bot-${Math.random().toString(36).slice(2)}`;
      const token = await a.token({ sub, scopes: ["read"] });
      const bystander = await a.token({ sub: `${sub}-other`, scopes: ["read"] });
      // B has verified (and cached) the token before the revocation
      expect(await status(b, "/v1/accounts", token)).toBe(200);
      const res = await a.call("/v1/admin/revocations", { method: "POST", body: JSON.stringify({ sub }) });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        sub: string;
        revoked_at: string;
        expires_at: string;
        revoked_by: string;
      };
      expect(body).toMatchObject({ sub, revoked_by: "test-admin" });
      expect(Date.parse(body.expires_at) - Date.parse(body.revoked_at)).toBeGreaterThan(24 * 3600 * 1000);
      expect(await status(a, "/v1/accounts", token)).toBe(401); // at once on A
      const tookMs = await within(
        PROPAGATION_LIMIT_MS,
        "revocation on B",
        async () => (await status(b, "/v1/accounts", token)) === 401,
      );
      console.log(`[state-shared] ${name}: revocation reached B in ${tookMs} ms`);
      const denied = await b.call("/v1/accounts", { token });
      expect(denied.headers.get("x-paddock-source")).toBe("gateway");
      expect(((await denied.json()) as { message: string }).message).toMatch(/revoked/);
      expect(await status(b, "/v1/accounts", bystander)).toBe(200);
      const list = (await (await b.call("/v1/admin/revocations")).json()) as {
        revocations: Array<{ sub?: string }>;
      };
      expect(list.revocations.some((r) => r.sub === sub)).toBe(true);
      // a token issued after the revocation's second is good again
      const revokedSecond = Math.floor(Date.parse(body.revoked_at) / 1000);
      await within(1100, "the next second", async () => Math.floor(Date.now() / 1000) > revokedSecond);
      expect(await status(b, "/v1/accounts", await a.token({ sub, scopes: ["read"] }))).toBe(200);
    });

    it("one token revoked by jti on B answers 401 on A; its subject's other tokens still work", async () => {
      const token = await a.token({ sub: "jti-bot", scopes: ["read"] });
      const sibling = await a.token({ sub: "jti-bot", scopes: ["read"] });
      expect(await status(a, "/v1/accounts", token)).toBe(200);
      const res = await b.call("/v1/admin/revocations", {
        method: "POST",
        body: JSON.stringify({ jti: jtiOf(token) }),
      });
      expect(res.status).toBe(201);
      await within(
        PROPAGATION_LIMIT_MS,
        "jti revocation on A",
        async () => (await status(a, "/v1/accounts", token)) === 401,
      );
      expect(await status(a, "/v1/accounts", sibling)).toBe(200);
    });

    it("refuses a bad revocation by field, and a token without every account", async () => {
      const post = (body: unknown, token?: string) =>
        a.call("/v1/admin/revocations", {
          method: "POST",
          body: JSON.stringify(body),
          ...(token ? { token } : {}),
        });
      for (const [body, field] of [
        [{ jti: "" }, /jti: must be a string/],
        [{ jti: "a", sub: "b" }, /exactly one/],
        [{ user: "x" }, /user: unknown field/],
        [["x"], /JSON object/],
      ] as const) {
        const res = await post(body);
        expect(res.status).toBe(422);
        expect(((await res.json()) as { message: string }).message).toMatch(field);
      }
      const narrow = await a.token({ sub: "narrow-admin", scopes: ["admin"], accounts: ["acct-001"] });
      expect((await post({ sub: "x" }, narrow)).status).toBe(403);
      expect(await status(a, "/v1/admin/revocations", narrow)).toBe(403);
      const noAdmin = await a.token({ sub: "reader", scopes: ["read"] });
      expect((await post({ sub: "x" }, noAdmin)).status).toBe(403);
    });

    it("a halt set on A refuses orders on B within a second; a resume on B reopens A", async () => {
      const trader = await a.token({ sub: "trader", scopes: ["read", "trade"] });
      const order = (gw: TestGateway) =>
        gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body: limitOrder, token: trader });
      expect((await a.call("/v1/admin/accounts/acct-001/halt", { method: "POST" })).status).toBe(200);
      expect((await a.accountView("acct-001")).halted).toBe(true);
      const tookMs = await within(
        PROPAGATION_LIMIT_MS,
        "account halt on B",
        async () => (await b.accountView("acct-001")).halted,
      );
      console.log(`[state-shared] ${name}: account halt reached B in ${tookMs} ms`);
      const refused = await order(b);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toMatch(/halted/);

      expect((await b.call("/v1/admin/accounts/acct-001/resume", { method: "POST" })).status).toBe(200);
      await within(
        PROPAGATION_LIMIT_MS,
        "resume on A",
        async () => !(await a.accountView("acct-001")).halted,
      );
      expect((await order(a)).status).toBe(200);

      expect((await b.call("/v1/admin/halt", { method: "POST" })).status).toBe(200);
      await within(PROPAGATION_LIMIT_MS, "global halt on A", async () => (await order(a)).status === 403);
      expect((await a.call("/v1/admin/resume", { method: "POST" })).status).toBe(200);
      await within(PROPAGATION_LIMIT_MS, "global resume on B", async () => (await order(b)).status === 200);
    });
  });
}

const redisUrl = await getRedisUrl();
describe.skipIf(redisUrl === undefined)("with Redis", () => {
  sharing("one Redis", async () => {
    const prefix = uniquePrefix("state-shared");
    return (raw) => {
      raw.cache = { redisUrl, redisKeyPrefix: prefix };
    };
  });
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
sharing("one embedded state file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "paddock-shared-state-"));
  dirs.push(dir);
  return (raw) => {
    raw.state = { dir };
  };
});
