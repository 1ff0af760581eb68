/**
 * Operating the gateway: the audit trail of trading actions, secrets absent from
 * debug logs, kill switches, config reload, health, metrics and docs.
 */
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { openRecord } from "../../src/audit/personal-data.js";
import { verifyAuditFiles } from "../../src/audit/verify.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
const order = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day", ...extra });

beforeAll(async () => {
  gw = await startGateway({
    accounts: 2,
    configure: (raw) => ((raw.audit as Record<string, unknown>).durability = "fsync"),
  });
  await fetch(`${gw.sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify({ open: true }) });
});
afterAll(() => gw.close());

describe("audit trail", () => {
  it("records accepted, upstream-rejected and gateway-rejected actions in a verifiable chain", async () => {
    const ok = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: order({ client_order_id: "audit-1" }),
    });
    expect(ok.status).toBe(200);
    const placed = (await ok.json()) as { id: string };
    const invalid = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: order({ side: "hold" }),
    });
    expect(invalid.status).toBe(422);
    const dup = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: order({ client_order_id: "audit-1", qty: "5" }),
    });
    expect(dup.status).toBe(422);
    const cancel = await gw.call(`/v1/accounts/acct-001/v2/orders/${placed.id}`, { method: "DELETE" });
    expect([204, 422]).toContain(cancel.status);
    await gw.gateway.audit.flush();
    const raw = await readFile(gw.gateway.audit.path, "utf8");
    // personal fields of what a subject did are sealed per data subject on disk; the subject's key
    // opens them (trade updates recorded from Alpaca's stream carry no subject: docs/compliance.md)
    expect(raw).not.toContain("test-admin");
    for (const line of raw
      .trim()
      .split("\n")
      .filter((l) => l.includes('"action":"order.'))) {
      expect(line).not.toContain('"audit-1"');
    }
    const keys = gw.gateway.trail.subjectKeys!;
    const lines = await Promise.all(
      raw
        .trim()
        .split("\n")
        .map((l) => openRecord(JSON.parse(l) as Record<string, unknown>, keys)),
    );
    const submits = lines.filter((l) => l.action === "order.submit");
    expect(submits[0]).toMatchObject({
      outcome: "accepted",
      clientOrderId: "audit-1",
      orderId: placed.id,
      upstreamStatus: 200,
      account: "acct-001",
      subject: "test-admin",
    });
    expect(submits[1]).toMatchObject({ outcome: "rejected", source: "gateway" });
    expect(submits[2]).toMatchObject({ outcome: "rejected", clientOrderId: "audit-1" });
    expect(lines.some((l) => l.action === "order.cancel" && l.orderId === placed.id)).toBe(true);
    expect(await verifyAuditFiles([gw.gateway.audit.path])).toMatchObject({ ok: true });
  });
});

describe("secrets never logged", () => {
  it("keeps Alpaca keys and tokens out of debug logs across the trading paths", async () => {
    const token = await gw.token({ scopes: ["read", "trade"] });
    await gw.call("/v1/accounts/acct-001/v2/account", { token });
    await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", token, body: order() });
    await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", token, body: "{bad" });
    await gw.call("/v1/accounts/acct-002/v2/account", { token: "garbage.token.value" });
    const logs = gw.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const account of gw.gateway.config().accounts) {
      expect(logs).not.toContain(account.keyId);
      expect(logs).not.toContain(account.secretKey);
    }
    expect(logs).not.toContain(token);
    expect(logs).not.toContain("garbage.token.value");
  });
});

describe("kill switches", () => {
  it("refuse new orders at once while cancels still reach upstream, and are audited", async () => {
    const open = (await (
      await gw.call("/v1/accounts/acct-002/v2/orders", {
        method: "POST",
        body: order({ type: "limit", limit_price: "1", time_in_force: "gtc" }),
      })
    ).json()) as { id: string };
    expect((await gw.call("/v1/admin/accounts/acct-002/halt", { method: "POST" })).status).toBe(200);
    const refused = await gw.call("/v1/accounts/acct-002/v2/orders", { method: "POST", body: order() });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain("trading halted");
    const other = await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body: order() });
    expect(other.status).toBe(200);
    const cancel = await gw.call(`/v1/accounts/acct-002/v2/orders/${open.id}`, { method: "DELETE" });
    expect(cancel.status).toBe(204);
    expect((await gw.call("/v1/admin/halt", { method: "POST" })).status).toBe(200);
    expect((await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body: order() })).status).toBe(
      403,
    );
    const token = await gw.token({ scopes: ["read", "trade"] });
    expect((await gw.call("/v1/admin/resume", { method: "POST", token })).status).toBe(403);
    await gw.call("/v1/admin/resume", { method: "POST" });
    await gw.call("/v1/admin/accounts/acct-002/resume", { method: "POST" });
    expect((await gw.call("/v1/accounts/acct-002/v2/orders", { method: "POST", body: order() })).status).toBe(
      200,
    );
    await gw.gateway.audit.flush();
    const text = await readFile(gw.gateway.audit.path, "utf8");
    expect(text).toContain('"action":"admin.halt"');
    expect(text).toContain('"action":"admin.resume"');
  });
});

describe("config reload", () => {
  it("adds accounts from a changed file and keeps the running config when the file is invalid", async () => {
    const raw = parse(await readFile(gw.configPath, "utf8")) as { accounts: Array<Record<string, unknown>> };
    const extra = { ...raw.accounts[0]!, id: "acct-001-copy" };
    // moving a sealed secret to another account id must fail (AAD), so the reload is refused
    await writeFile(gw.configPath, stringify({ ...raw, accounts: [...raw.accounts, extra] }));
    const refused = await gw.call("/v1/admin/reload", { method: "POST" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toContain("accounts[2].secretKey");
    expect(gw.gateway.fleet.list().map((a) => a.id)).toEqual(["acct-001", "acct-002"]);
    // removing an account works and keeps the others serving
    await writeFile(gw.configPath, stringify({ ...raw, accounts: [raw.accounts[0]] }));
    const ok = await gw.call("/v1/admin/reload", { method: "POST" });
    expect(await ok.json()).toMatchObject({ reloaded: true, removed: ["acct-002"], added: [] });
    expect((await gw.call("/v1/accounts/acct-002/v2/account")).status).toBe(404);
    expect((await gw.call("/v1/accounts/acct-001/v2/account")).status).toBe(200);
    await writeFile(gw.configPath, stringify(raw));
    expect(await (await gw.call("/v1/admin/reload", { method: "POST" })).json()).toMatchObject({
      added: ["acct-002"],
    });
  });
});

describe("health, metrics and docs", () => {
  it("serves /livez, /readyz with components, /metrics, /openapi.json and /docs", async () => {
    expect((await fetch(`${gw.url}/livez`)).status).toBe(200);
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as {
      status: string;
      components: Array<{ name: string }>;
    };
    expect(ready.status).toBe("up");
    expect(ready.components.map((c) => c.name)).toEqual(expect.arrayContaining(["audit", "upstream-paper"]));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('paddock_component_up{component="audit"} 1');
    expect(metrics).toContain("paddock_http_requests_total");
    // the audit test above appended accepted and rejected records through the counted trail
    expect(metrics).toMatch(/paddock_audit_records_total\{outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/paddock_audit_records_total\{outcome="rejected"\} [1-9]/);
    const spec = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/v1/accounts", "/v1/portfolio", "/v1/auth/token"]),
    );
    expect((await fetch(`${gw.url}/docs`)).status).toBeLessThan(400);
    const jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys[0]?.kid).toBe("paddock-1");
  });
});
