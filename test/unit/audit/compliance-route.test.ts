/**
 * POST /v1/admin/gdpr/erase over a real socket, with the real JWT verifier and
 * authenticator, a real subject key store and audit log.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Fleet } from "../../../src/accounts/types.js";
import { type AuditLog, createAuditLog } from "../../../src/audit/audit-log.js";
import { createFileKv } from "../../../src/audit/file-kv.js";
import { createSealer, ERASED, openRecord } from "../../../src/audit/personal-data.js";
import { createSubjectKeyStore } from "../../../src/audit/subject-keys.js";
import { createVerifier, type Verifier } from "../../../src/auth/verifier.js";
import { makeKeyRing, parseMasterKey } from "../../../src/config/secrets.js";
import { createAuthenticator } from "../../../src/http/authenticator.js";
import { installErrorHandling } from "../../../src/http/error-handler.js";
import { complianceRoutes } from "../../../src/http/routes/compliance.js";
import { createTokenSigner, type TokenSigner, testClaims } from "../../helpers/token-signer.js";
import { authOptions } from "../auth/fixtures.js";
import { readLines, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let signer: TokenSigner;
let verifier: Verifier;
let app: FastifyInstance;
let url: string;
let log: AuditLog;
const ring = makeKeyRing(parseMasterKey(randomBytes(32).toString("base64"), "test"));
let store: ReturnType<typeof createSubjectKeyStore>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  signer = await createTokenSigner({ alg: "ES256" });
  verifier = await createVerifier(
    authOptions({ algorithms: ["ES256"], publicKeyFiles: [{ path: signer.publicKeyPath }] }),
  );
  store = createSubjectKeyStore(createFileKv(join(dir, "subject-keys.json")), ring);
  const sealer = createSealer(store);
  log = await createAuditLog({ dir, durability: "fsync" }, { sealer });
  app = Fastify();
  installErrorHandling(app);
  const noFleet = { get: () => undefined } as unknown as Fleet; // the route never names an account
  await app.register(
    complianceRoutes({
      auth: createAuthenticator(verifier, noFleet),
      erase: async (subject) => {
        const n = await store.erase(subject);
        sealer.forget(subject);
        return n;
      },
      audit: log,
    }),
  );
  url = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterEach(async () => {
  await app.close();
  await log.close();
  verifier.close();
  await signer.cleanup();
  await cleanup();
});

const token = (claims: Record<string, unknown>) =>
  signer.sign(
    testClaims(Math.floor(Date.now() / 1000), { sub: "ops-1", scope: "admin", accounts: "*", ...claims }),
  );

const erase = (body: unknown, claims: Record<string, unknown> = {}) =>
  fetch(`${url}/v1/admin/gdpr/erase`, {
    method: "POST",
    headers: { authorization: `Bearer ${token(claims)}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("POST /v1/admin/gdpr/erase", () => {
  it("destroys the subject's key (their records read [erased]) and audits the erasure without naming them", async () => {
    await log.append({ action: "order.submit", outcome: "accepted", subject: "alice", clientOrderId: "a-1" });
    const res = await erase({ subject: "alice" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ erased: true, keys_destroyed: 1 });
    const [first, second] = (await readLines(log.path)).map((l) => JSON.parse(l));
    expect((await openRecord(first, store)).subject).toBe(ERASED);
    expect(second).toMatchObject({ action: "gdpr.erase", request: { keys_destroyed: 1 } });
    expect((await openRecord(second, store)).subject).toBe("ops-1");
    expect(JSON.stringify(second)).not.toContain("alice");
    const again = await erase({ subject: "alice" });
    expect(await again.json()).toEqual({ erased: false, keys_destroyed: 0 });
  });

  it("needs admin over every account, and a subject", async () => {
    const narrow = await erase({ subject: "alice" }, { accounts: ["acct-001"] });
    expect(narrow.status).toBe(403);
    expect(((await narrow.json()) as { message: string }).message).toMatch(/accounts: "\*"/);
    expect((await erase({ subject: "alice" }, { scope: "trade" })).status).toBe(403);
    const missing = await erase({});
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { message: string }).message).toMatch(/^invalid request: subject:/);
    const unauthenticated = await fetch(`${url}/v1/admin/gdpr/erase`, { method: "POST" });
    expect(unauthenticated.status).toBe(401);
  });
});
