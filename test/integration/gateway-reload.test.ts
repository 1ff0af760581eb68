/**
 * A reload applies every setting it accepts and names the ones that need a restart; an
 * invalid file is a 4xx naming its problems; an account with open orders is removed only
 * when the operator says what happens to them; fleet-wide admin needs every account.
 */
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let raw: Record<string, unknown> & { accounts: Array<Record<string, unknown>> };

const limitOrder = (id: string) =>
  JSON.stringify({
    symbol: "AAPL",
    qty: "1",
    side: "buy",
    type: "limit",
    limit_price: "1.00",
    time_in_force: "gtc",
    client_order_id: id,
  });

const reload = (query = "", token?: string) =>
  gw.call(`/v1/admin/reload${query}`, { method: "POST", ...(token ? { token } : {}) });
const write = (cfg: unknown) => writeFile(gw.configPath, stringify(cfg));

beforeAll(async () => {
  gw = await startGateway({ accounts: 3 });
  raw = parse(await readFile(gw.configPath, "utf8")) as typeof raw;
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(() => gw.close());

describe("reload", () => {
  it("answers an invalid configuration with 422 naming each problem, and keeps running", async () => {
    await write({ ...raw, upstream: { ...(raw.upstream as object), maxRetries: "three", retrys: 1 } });
    const res = await reload();
    expect(res.status).toBe(422);
    expect(res.headers.get("x-paddock-source")).toBe("gateway");
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain("upstream.maxRetries");
    expect(body.message).toContain("upstream.retrys");
    expect((await gw.call("/v1/accounts/acct-001/v2/account")).status).toBe(200);
    await write(raw);
  });

  it("applies what it can and names the settings that need a restart", async () => {
    const server = raw.server as Record<string, unknown>;
    const auth = raw.auth as Record<string, unknown>;
    await write({
      ...raw,
      server: { ...server, bodyLimitBytes: 123_456 },
      auth: { ...auth, maxLifetimeSeconds: 600 },
      upstream: { ...(raw.upstream as object), maxRetries: 2 },
    });
    const res = await reload();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { applied: string[]; restartRequired: string[] };
    expect(body.applied).toEqual(expect.arrayContaining(["auth.maxLifetimeSeconds", "upstream.maxRetries"]));
    expect(body.restartRequired).toEqual(["server.bodyLimitBytes"]);
    expect(gw.gateway.config().upstream.maxRetries).toBe(2);
    // the new token limit is in force at once: a one-hour token is now too long-lived
    const hour = await gw.token({ ttlSeconds: 3600 });
    expect((await gw.call("/v1/accounts/acct-001/v2/account", { token: hour })).status).toBe(401);
    const short = await gw.token({ ttlSeconds: 300, scopes: ["read", "admin"], accounts: "*" });
    expect((await gw.call("/v1/accounts/acct-001/v2/account", { token: short })).status).toBe(200);
    await write(raw);
    expect((await reload("", short)).status).toBe(200);
    expect((await gw.call("/v1/accounts/acct-001/v2/account", { token: hour })).status).toBe(200);
  });

  it("refuses to remove an account with open orders until told to cancel or keep them", async () => {
    const placed = await gw.call("/v1/accounts/acct-003/v2/orders", {
      method: "POST",
      body: limitOrder("rl-1"),
    });
    expect(placed.status).toBe(200);
    await write({ ...raw, accounts: raw.accounts.slice(0, 2) });
    const refused = await reload();
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain("acct-003 has 1 open order");
    expect(gw.gateway.fleet.get("acct-003")).toBeDefined();
    expect((await reload("?open_orders=later")).status).toBe(422);

    const cancelled = await reload("?open_orders=cancel");
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ removed: ["acct-003"] });
    expect(gw.gateway.fleet.get("acct-003")).toBeUndefined();
    await gw.gateway.audit.flush();
    const trail = await readFile(gw.gateway.audit.path, "utf8");
    expect(trail).toContain('"action":"order.cancel_all"');
    expect(trail).toContain('"action":"admin.account_remove"');
    await write(raw);
    expect(await (await reload()).json()).toMatchObject({ added: ["acct-003"] });
    // the order was cancelled at the simulator before the account left
    const open = await gw.call("/v1/accounts/acct-003/v2/orders?status=open");
    expect(await open.json()).toEqual([]);
  });

  it("keeps the open orders working when told to keep them", async () => {
    expect(
      (await gw.call("/v1/accounts/acct-003/v2/orders", { method: "POST", body: limitOrder("rl-2") })).status,
    ).toBe(200);
    await write({ ...raw, accounts: raw.accounts.slice(0, 2) });
    expect((await reload("?open_orders=keep")).status).toBe(200);
    await write(raw);
    expect((await reload()).status).toBe(200);
    const open = (await (await gw.call("/v1/accounts/acct-003/v2/orders?status=open")).json()) as Array<{
      client_order_id: string;
    }>;
    expect(open.map((o) => o.client_order_id)).toEqual(["rl-2"]);
  });
});

describe("fleet-wide admin follows the token's accounts", () => {
  it("lets an admin of acct-001 halt acct-001 only; global halt and reload need every account", async () => {
    const token = await gw.token({ scopes: ["admin"], accounts: ["acct-001"] });
    expect((await gw.call("/v1/admin/halt", { method: "POST", token })).status).toBe(403);
    expect((await gw.call("/v1/admin/reload", { method: "POST", token })).status).toBe(403);
    expect((await gw.call("/v1/admin/accounts/acct-002/halt", { method: "POST", token })).status).toBe(403);
    expect((await gw.call("/v1/admin/accounts/acct-001/halt", { method: "POST", token })).status).toBe(200);
    expect((await gw.call("/v1/admin/accounts/acct-001/resume", { method: "POST", token })).status).toBe(200);
  });
});
