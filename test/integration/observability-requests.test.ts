/**
 * Request ids, request log lines and the protected /metrics endpoint, over real sockets against the
 * simulator: the caller's sane X-Request-Id comes back (a fresh one otherwise, errors included),
 * log lines carry the request id, the subject and the account, and /metrics wants its token.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("request ids and request logs", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ accounts: 2, logLevel: "info" });
  });
  afterAll(() => gw?.close());

  it("echoes a sane X-Request-Id and replaces anything else", async () => {
    const own = await gw.call("/v1/accounts/acct-001/v2/account", {
      headers: { "x-request-id": "abc-123.X_9" },
    });
    expect(own.status).toBe(200);
    expect(own.headers.get("x-request-id")).toBe("abc-123.X_9");
    for (const bad of ["a".repeat(129), "has space", "semi;colon", "ünï"]) {
      const res = await gw.call("/livez", {
        headers: { "x-request-id": encodeURI(bad) === bad ? bad : "ok%20no" },
      });
      expect(res.headers.get("x-request-id"), bad).toMatch(UUID);
    }
    const none = await gw.call("/livez");
    expect(none.headers.get("x-request-id")).toMatch(UUID);
  });

  it("carries the request id on errors too (401, 404) and in the error body", async () => {
    const unauth = await gw.call("/v1/accounts/acct-001/v2/account", {
      token: "",
      headers: { "x-request-id": "req-401" },
    });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("x-request-id")).toBe("req-401");
    expect(((await unauth.json()) as { request_id: string }).request_id).toBe("req-401");
    const missing = await gw.call("/nowhere", { headers: { "x-request-id": "req-404" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toBe("req-404");
  });

  it("log lines carry the request id, the subject and the account", async () => {
    const token = await gw.token({ sub: "alice@desk" });
    const res = await gw.call("/v1/accounts/acct-002/v2/account", {
      token,
      headers: { "x-request-id": "log-1" },
    });
    expect(res.status).toBe(200);
    const lines = gw
      .logs()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.find((l) => l.reqId === "log-1" && l.msg === "request");
    expect(access).toMatchObject({ reqId: "log-1", sub: "alice@desk", account: "acct-002", status: 200 });
    // a refused caller has no subject, but the line still names the account it asked for
    await gw.call("/v1/accounts/acct-001/v2/account", { token: "", headers: { "x-request-id": "log-2" } });
    const refused = gw
      .logs()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.reqId === "log-2" && l.msg === "request");
    expect(refused).toMatchObject({ account: "acct-001", status: 401, code: "PADDOCK_AUTH_MISSING" });
    expect(refused?.sub).toBeUndefined();
  });

  it("counts requests by status class and error code", async () => {
    const text = await (await gw.call("/metrics")).text();
    expect(text).toMatch(
      /paddock_http_requests_total\{route="\/v1\/accounts\/:accountId\/v2\/\*",method="GET",status_class="4xx",code="PADDOCK_AUTH_MISSING"\} [1-9]/,
    );
    expect(text).toMatch(
      /paddock_upstream_requests_total\{account="acct-002",status_class="2xx",code="none"\} [1-9]/,
    );
    expect(text).toMatch(/paddock_breaker_state\{scope="account:acct-001"\} 0/);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });
});

describe("/metrics protection", () => {
  it("requires the token from metrics.tokenFile", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-metrics-"));
    await writeFile(join(dir, "token"), "s3cret-scrape-token\n", { mode: 0o600 });
    const gw = await startGateway({
      accounts: 1,
      configure: (raw) => {
        raw.metrics = { tokenFile: join(dir, "token") };
      },
    });
    try {
      expect((await gw.call("/metrics", { token: "" })).status).toBe(401);
      expect((await gw.call("/metrics", { token: "wrong" })).status).toBe(401);
      const ok = await gw.call("/metrics", { token: "s3cret-scrape-token" });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("paddock_accounts 1");
      expect((await gw.call("/livez", { token: "" })).status).toBe(200);
    } finally {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("listens on its own port with metrics.port and leaves the API port without /metrics", async () => {
    const gw = await startGateway({
      accounts: 1,
      configure: (raw) => {
        raw.metrics = { port: 0, perAccount: false };
      },
    });
    try {
      const addr = gw.gateway.metricsAddress();
      expect(addr?.port).toBeGreaterThan(0);
      expect((await gw.call("/metrics")).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${addr?.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("paddock_accounts 1");
      expect(text).not.toContain('account="acct-001"');
      expect((await fetch(`http://127.0.0.1:${addr?.port}/other`)).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});
