/**
 * Pass-through reads take the fast path (src/http/fast-reads.ts), before Fastify: over real
 * sockets against the simulator, the answer is the one the Fastify route gives — the body
 * Alpaca sent, the gateway's budget headers, X-Request-Id, the error envelope with
 * X-Paddock-Source and Retry-After — and the metrics and the access line see it. What the
 * fast path declines (a failed authentication, a non-canonical target, an order) Fastify
 * answers as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTracing } from "../../src/observability/tracing.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let token: string;

const SIM_KEY = { "APCA-API-KEY-ID": "direct-check", "APCA-API-SECRET-KEY": "secret" };

beforeAll(async () => {
  gw = await startGateway({
    accounts: 3,
    logLevel: "info",
    configure: (raw) => {
      raw.streams = { recordTradeUpdates: false };
      raw.accounts = (raw.accounts as Array<Record<string, unknown>>).map((a) =>
        a.id === "acct-003" ? { ...a, rateLimitPerMinute: 2 } : a,
      );
    },
  });
  token = await gw.token({ sub: "fast-bot", scopes: ["read", "trade"], accounts: "*" });
});
afterAll(() => gw.close());

const accessLines = () =>
  gw
    .logs()
    .split("\n")
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function metric(name: string, label: string): Promise<number> {
  const text = await (await gw.call("/metrics")).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name) && l.includes(label))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

describe("the pass-through's fast path for reads", () => {
  it("answers a read as Alpaca did, with the budget headers, the request id, metrics and the access line", async () => {
    const counted = await metric(
      "paddock_http_requests_total",
      'route="/v1/accounts/:accountId/v2/*",method="GET"',
    );
    const res = await gw.call("/v1/accounts/acct-001/v2/positions", {
      token,
      headers: { "x-request-id": "fast-read-1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("fast-read-1");
    expect(res.headers.get("x-ratelimit-limit")).toBe("200");
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("transfer-encoding")).toBeNull();
    const direct = await fetch(`${gw.sim.url}/v2/positions`, { headers: SIM_KEY });
    expect(await res.json()).toEqual(await direct.json());
    const line = accessLines().find((l) => l.reqId === "fast-read-1");
    expect(line).toMatchObject({
      sub: "fast-bot",
      account: "acct-001",
      method: "GET",
      url: "/v1/accounts/acct-001/v2/positions",
      status: 200,
    });
    expect(
      await metric("paddock_http_requests_total", 'route="/v1/accounts/:accountId/v2/*",method="GET"'),
    ).toBe(counted + 1);
    // the query goes upstream as sent, and never into the access line
    const orders = await gw.call("/v1/accounts/acct-001/v2/orders?status=all&limit=5", {
      token,
      headers: { "x-request-id": "fast-read-2" },
    });
    expect(orders.status).toBe(200);
    expect(accessLines().find((l) => l.reqId === "fast-read-2")?.url).toBe("/v1/accounts/acct-001/v2/orders");
  });

  it("answers the gateway's own refusal in Alpaca's envelope with Retry-After, without sending it", async () => {
    const before = (await gw.simStats()).requests.total;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await gw.call("/v1/accounts/acct-003/v2/clock", { token }));
    const refused = answers.find((r) => r.status === 429);
    expect(refused, "the third read within the minute is over a budget of 2").toBeDefined();
    expect(refused!.headers.get("x-paddock-source")).toBe("gateway");
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused!.json()) as { code: number; message: string; request_id: string };
    expect(body.request_id).toBe(refused!.headers.get("x-request-id"));
    expect(typeof body.code).toBe("number");
    expect((await gw.simStats()).requests.total - before).toBeLessThanOrEqual(2);
  });

  it("leaves what it declines to Fastify: bad tokens, other accounts' scopes, odd targets, unknown routes", async () => {
    const bad = await gw.call("/v1/accounts/acct-001/v2/account", { token: "not-a-jwt" });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("x-paddock-source")).toBe("gateway");
    const none = await fetch(`${gw.url}/v1/accounts/acct-001/v2/account`);
    expect(none.status).toBe(401);
    const narrow = await gw.token({ scopes: ["read"], accounts: ["acct-002"] });
    expect((await gw.call("/v1/accounts/acct-001/v2/account", { token: narrow })).status).toBe(403);
    expect((await gw.call("/v1/accounts/acct-001/v2/%61ccount", { token })).status).toBe(400);
    expect((await gw.call("/v1/accounts/acct-999/v2/account", { token })).status).toBe(404);
    const unknown = await gw.call("/v1/accounts/acct-001/v2/no-such-route", { token });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain("not an Alpaca trading route");
    // Alpaca's key pair with the token as the secret takes the fast path too
    const pair = await fetch(`${gw.url}/v1/accounts/acct-002/v2/account`, {
      headers: { "APCA-API-KEY-ID": "paddock", "APCA-API-SECRET-KEY": token },
    });
    expect(pair.status).toBe(200);
  });
});

describe("with tracing on", () => {
  it("stands aside so the request's span wraps it", async () => {
    const { InMemorySpanExporter } = await import("@opentelemetry/sdk-trace-base");
    const exporter = new InMemorySpanExporter();
    const traced = await startGateway({
      accounts: 1,
      configure: (raw) => {
        raw.streams = { recordTradeUpdates: false };
      },
      deps: { tracing: createTracing({ enabled: true, exporter, simple: true }) },
    });
    try {
      const t = await traced.token({ scopes: ["read"], accounts: "*" });
      expect((await traced.call("/v1/accounts/acct-001/v2/account", { token: t })).status).toBe(200);
      const names = exporter.getFinishedSpans().map((s) => s.name);
      expect(names).toContain("auth");
      expect(names.some((n) => n.startsWith("GET /v1/accounts/:accountId/v2/"))).toBe(true);
    } finally {
      await traced.close();
    }
  });
});
