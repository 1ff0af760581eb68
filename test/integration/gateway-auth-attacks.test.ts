/**
 * The attack suite: every bad token or forbidden request gets the right 401/403/431
 * from the gateway itself, and the simulator's stats prove nothing reached upstream.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { importPKCS8, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let privatePem: string;
let publicPem: string;

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const nowS = () => Math.floor(Date.now() / 1000);

async function sign(claims: Record<string, unknown>, opts: { kid?: string; pem?: string } = {}) {
  const key = await importPKCS8(opts.pem ?? privatePem, "RS256");
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: opts.kid ?? "paddock-1" }).sign(key);
}

const good = () => ({
  sub: "attacker",
  iat: nowS(),
  exp: nowS() + 600,
  iss: "paddock",
  scope: "read trade data",
  accounts: ["acct-001"],
});

async function upstreamTotal(): Promise<number> {
  return (await gw.simStats()).requests.total;
}

beforeAll(async () => {
  gw = await startGateway({ accounts: 2 });
  privatePem = await readFile(join(gw.dir, "jwt-private.pem"), "utf8");
  publicPem = await readFile(join(gw.dir, "jwt-public.pem"), "utf8");
});
afterAll(() => gw.close());

describe("authentication and authorization never reach upstream", () => {
  const cases: Array<[string, () => Promise<string | undefined>, number, string?]> = [
    ["no token", async () => undefined, 401, "authorization required"],
    ["garbage", async () => "not-a-jwt", 401, "invalid token"],
    [
      "foreign key",
      async () => {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        return sign(good(), { pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() });
      },
      401,
    ],
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(good())}.`, 401],
    [
      "HS256 signed with the RSA public key (algorithm confusion)",
      async () => {
        const input = `${b64({ alg: "HS256", typ: "JWT", kid: "paddock-1" })}.${b64(good())}`;
        return `${input}.${createHmac("sha256", publicPem).update(input).digest("base64url")}`;
      },
      401,
    ],
    [
      "expired",
      async () => sign({ ...good(), iat: nowS() - 7200, exp: nowS() - 3600 }),
      401,
      "token expired",
    ],
    ["not yet valid", async () => sign({ ...good(), iat: nowS() + 3600, exp: nowS() + 7200 }), 401],
    ["lifetime over 24 h", async () => sign({ ...good(), exp: nowS() + 90_000 }), 401],
    ["larger than 8 KB", async () => sign({ ...good(), pad: "x".repeat(9000) }), 431],
    ["wrong issuer", async () => sign({ ...good(), iss: "someone-else" }), 401],
    ["missing sub", async () => sign({ ...good(), sub: undefined }), 401],
    ["missing scope", async () => sign({ ...good(), scope: "data" }), 403, "scope not granted"],
    ["another account", async () => sign({ ...good(), accounts: ["acct-002"] }), 403, "account not allowed"],
  ];

  for (const [name, make, status, message] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = await upstreamTotal();
      const token = await make();
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      const res = await fetch(`${gw.url}/v1/accounts/acct-001/v2/account`, { headers });
      expect(res.status).toBe(status);
      expect(res.headers.get("x-paddock-source")).toBe("gateway");
      const body = (await res.json()) as { code: number; message: string; request_id: string };
      expect(typeof body.code).toBe("number");
      expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
      if (message) expect(body.message).toContain(message);
      if (token) expect(JSON.stringify(body)).not.toContain(token);
      expect(await upstreamTotal()).toBe(before);
    });
  }

  it("an order with a trade-less token is refused before validation or upstream", async () => {
    const before = await upstreamTotal();
    const token = await gw.token({ scopes: ["read"] });
    const res = await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", token, body: "{}" });
    expect(res.status).toBe(403);
    expect(await upstreamTotal()).toBe(before);
  });

  it("an unknown account is 404 for a token that may use every account", async () => {
    const res = await gw.call("/v1/accounts/acct-999/v2/account");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain("unknown account: acct-999");
  });

  it("a valid token passes and is cached (one signature check per token)", async () => {
    const verifications = async (result: string): Promise<number> => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const m = new RegExp(`paddock_auth_verifications_total\\{result="${result}"\\} (\\d+)`).exec(text);
      return Number(m?.[1] ?? 0);
    };
    const token = await sign(good());
    const checksBefore = await verifications("signature_check");
    const hitsBefore = await verifications("cache_hit");
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/accounts/acct-001/v2/account`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
    }
    expect(await verifications("signature_check")).toBe(checksBefore + 1);
    expect(await verifications("cache_hit")).toBe(hitsBefore + 2);
  });
});
