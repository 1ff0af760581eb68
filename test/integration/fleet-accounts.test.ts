/**
 * Accounts managed by API against a running gateway and simulator: keys checked with
 * GET /v2/account, sealed into the YAML file (with .bak), applied by reload without a
 * restart, audited, never echoed; removal asks about open orders; halts by tag.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ accounts: 2 });
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(() => gw.close());

const post = (path: string, body: unknown) => gw.call(path, { method: "POST", body: JSON.stringify(body) });
const ids = async () =>
  ((await (await gw.call("/v1/accounts")).json()) as { accounts: Array<{ id: string; tags: string[] }> })
    .accounts;
const auditText = async () => {
  const dir = join(gw.dir, "audit");
  await gw.gateway.audit.flush();
  const names = await readdir(dir);
  return (await Promise.all(names.map((n) => readFile(join(dir, n), "utf8")))).join("");
};

describe("POST /v1/admin/accounts", () => {
  it("checks the keys with Alpaca, stores them sealed, applies without restart and never echoes them", async () => {
    const res = await post("/v1/admin/accounts", {
      id: "acct-new",
      mode: "paper",
      keyId: "PKNEWKEY000001",
      secretKey: "s3cr3t-new-secret-value",
      tags: ["added"],
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const body = JSON.parse(text) as { id: string; account_number: string };
    expect(body.id).toBe("acct-new");
    expect(body.account_number).toMatch(/\w+/);
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain("PKNEWKEY");
    expect((await ids()).map((a) => a.id)).toContain("acct-new");
    expect((await gw.call("/v1/accounts/acct-new/v2/account")).status).toBe(200);
    const yaml = await readFile(gw.configPath, "utf8");
    expect(yaml).toContain("acct-new");
    expect(yaml).not.toContain("s3cr3t-new-secret-value");
    expect(yaml).not.toContain("PKNEWKEY000001");
    expect(await readFile(`${gw.configPath}.bak`, "utf8")).not.toContain("acct-new");
    const audit = await auditText();
    expect(audit).toContain("admin.account_add");
    expect(audit).not.toContain("s3cr3t-new-secret-value");
  });

  it("refuses keys Alpaca refuses (422 naming keyId), a duplicate id (409), and live without confirm_live", async () => {
    await gw.simCall("POST", "/_sim/faults", {
      errorRate: 1,
      status: 401,
      keys: ["PKREFUSED"],
      paths: ["/v2/account"],
    });
    try {
      const refused = await post("/v1/admin/accounts", {
        id: "acct-bad",
        keyId: "PKREFUSED",
        secretKey: "x",
      });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { message: string }).message).toContain("keyId");
    } finally {
      await gw.simCall("DELETE", "/_sim/faults");
    }
    expect((await ids()).map((a) => a.id)).not.toContain("acct-bad");
    const dup = await post("/v1/admin/accounts", { id: "acct-001", keyId: "PKDUP", secretKey: "y" });
    expect(dup.status).toBe(409);
    const live = await post("/v1/admin/accounts", {
      id: "acct-live",
      mode: "live",
      keyId: "PKL",
      secretKey: "z",
    });
    expect(live.status).toBe(422);
    expect(((await live.json()) as { message: string }).message).toContain("confirm_live");
    const missing = await post("/v1/admin/accounts", { id: "acct-x", keyId: "PKX" });
    expect(((await missing.json()) as { message: string }).message).toContain("secretKey");
  });

  it("PATCH changes tags and rotates keys (checked, answered with the account number)", async () => {
    const tags = await gw.call("/v1/admin/accounts/acct-new", {
      method: "PATCH",
      body: JSON.stringify({ tags: ["added", "growth"] }),
    });
    expect(tags.status).toBe(200);
    expect((await ids()).find((a) => a.id === "acct-new")?.tags).toEqual(["added", "growth"]);
    const rotated = await gw.call("/v1/admin/accounts/acct-new", {
      method: "PATCH",
      body: JSON.stringify({ keyId: "PKROTATED0001", secretKey: "rotated-secret" }),
    });
    const r = (await rotated.json()) as { account_number?: string };
    expect(rotated.status).toBe(200);
    expect(r.account_number).toMatch(/\w+/);
    const half = await gw.call("/v1/admin/accounts/acct-new", {
      method: "PATCH",
      body: JSON.stringify({ keyId: "K" }),
    });
    expect(half.status).toBe(422);
  });

  it("imports accounts from CSV, all checked before anything is written", async () => {
    const csv =
      "id,mode,keyId,secretKey,tags\nacct-csv1,paper,PKCSV1,sec1,imported;csv\nacct-csv2,paper,PKCSV2,sec2,imported\n";
    const res = await gw.call("/v1/admin/accounts:import", {
      method: "POST",
      body: csv,
      headers: { "content-type": "text/csv" },
    });
    const body = (await res.json()) as { imported: Array<{ id: string; account_number: string }> };
    expect(res.status).toBe(200);
    expect(body.imported.map((a) => a.id)).toEqual(["acct-csv1", "acct-csv2"]);
    const now = await ids();
    expect(now.find((a) => a.id === "acct-csv1")?.tags).toEqual(["imported", "csv"]);
    const again = await post("/v1/admin/accounts:import", [
      { id: "acct-csv3", keyId: "A", secretKey: "B" },
      { id: "acct-csv1", keyId: "A", secretKey: "B" },
    ]);
    expect(again.status).toBe(409);
    expect((await ids()).map((a) => a.id)).not.toContain("acct-csv3");
  });
});

describe("DELETE /v1/admin/accounts/{id}", () => {
  it("answers 409 naming how many orders are open, keeps the account, then cancels them when told", async () => {
    const order = await gw.call("/v1/accounts/acct-csv2/v2/orders", {
      method: "POST",
      body: JSON.stringify({
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "day",
      }),
    });
    expect(order.status).toBe(200);
    const placed = (await order.json()) as { id: string };
    const busy = await gw.call("/v1/admin/accounts/acct-csv2", { method: "DELETE" });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { message: string }).message).toContain("1 open order");
    expect((await ids()).map((a) => a.id)).toContain("acct-csv2");
    expect(await readFile(gw.configPath, "utf8")).toContain("acct-csv2");
    const gone = await gw.call("/v1/admin/accounts/acct-csv2?open_orders=cancel", { method: "DELETE" });
    expect(gone.status).toBe(200);
    expect((await ids()).map((a) => a.id)).not.toContain("acct-csv2");
    const audit = await auditText();
    expect(audit).toContain('"order.cancel_all"');
    expect(placed.id).toBeTruthy();
    expect((await gw.call("/v1/admin/accounts/acct-csv2", { method: "DELETE" })).status).toBe(404);
  });
});

describe("halts by tag", () => {
  it("POST /v1/admin/tags/{tag}/halt halts every tagged account: an order there is refused", async () => {
    const halt = await post("/v1/admin/tags/imported/halt", {});
    expect(((await halt.json()) as { accounts: string[] }).accounts).toEqual(["acct-csv1"]);
    const order = await gw.call("/v1/accounts/acct-csv1/v2/orders", {
      method: "POST",
      body: JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" }),
    });
    expect(order.status).toBe(403);
    expect((await gw.accountView("acct-001")).halted).toBe(false);
    await post("/v1/admin/tags/imported/resume", {});
    expect((await gw.accountView("acct-csv1")).halted).toBe(false);
    expect((await post("/v1/admin/tags/nobody/halt", {})).status).toBe(404);
  });

  it("the global kill switch shows on every account and in global_halt", async () => {
    await post("/v1/admin/halt", {});
    try {
      const res = (await (await gw.call("/v1/accounts?status=active")).json()) as {
        total: number;
        global_halt: boolean;
      };
      expect(res).toMatchObject({ total: 0, global_halt: true });
      expect((await gw.accountView("acct-001")).status).toBe("halted");
    } finally {
      await post("/v1/admin/resume", {});
    }
    expect((await gw.accountView("acct-001")).halted).toBe(false);
  });
});
