/** The console's static assets and its audit-tail route, over real sockets. */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConsoleDir } from "../../src/http/routes/console.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  if (!defaultConsoleDir()) {
    const { build } = await import("vite");
    await build({ configFile: fileURLToPath(new URL("../../console/vite.config.ts", import.meta.url)) });
  }
  gw = await startGateway({ accounts: 1 });
});
afterAll(() => gw.close());

describe("/console", () => {
  it("serves the built console with a strict content security policy, and nothing outside it", async () => {
    const redirect = await fetch(`${gw.url}/console`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const index = await fetch(`${gw.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await index.text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${gw.url}${asset}`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    for (const probe of [
      "/console/assets/..%2f..%2fpackage.json",
      "/console/assets/%2e%2e/%2e%2e/paddock.yaml",
    ]) {
      expect((await fetch(`${gw.url}${probe}`)).status, probe).toBe(404);
    }
  });
});

describe("GET /v1/admin/audit/tail", () => {
  it("answers the newest records and the chain's verification, to admins only", async () => {
    await gw.call("/v1/admin/accounts/acct-001/halt", { method: "POST" });
    await gw.call("/v1/admin/accounts/acct-001/resume", { method: "POST" });
    await gw.gateway.audit.flush();
    const res = await gw.call("/v1/admin/audit/tail?limit=1");
    const body = (await res.json()) as { records: Array<{ action: string }>; verification: { ok: boolean } };
    expect(body.records.map((r) => r.action)).toEqual(["admin.resume"]);
    expect(body.verification.ok).toBe(true);
    const reader = await gw.token({ scopes: ["read"] });
    expect((await gw.call("/v1/admin/audit/tail", { token: reader })).status).toBe(403);
    expect((await gw.call("/v1/admin/audit/tail?limit=0")).status).toBe(422);
  });
});
