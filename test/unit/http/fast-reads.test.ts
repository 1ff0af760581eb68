/**
 * The fast path on its own, over a real socket: what it serves (and then Fastify never sees),
 * what it declines (and the fallback answers), and the answer it writes itself — so a fast
 * path that silently declined everything would fail here, though the gateway would still answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Account, Fleet, UpstreamRequest } from "../../../src/accounts/types.js";
import type { Principal } from "../../../src/auth/types.js";
import { PaddockError } from "../../../src/errors.js";
import { createFastReads } from "../../../src/http/fast-reads.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { accessLogger } from "../../../src/observability/request-logger.js";
import { createRequestRecorder } from "../../../src/observability/request-record.js";
import type { OrderService, TradingCall } from "../../../src/trading/order-service.js";
import { memoryStream } from "../../helpers/capture.js";

const account: Account = {
  id: "acct-001",
  mode: "paper",
  tags: [],
  feed: "iex",
  limits: { pdtCheck: false },
  tradingUrl: "http://upstream",
  streamUrl: "ws://upstream/stream",
  request: (_req: UpstreamRequest) => Promise.reject(new Error("the order service is faked")),
  status: () => ({
    budget: { limit: 200, remaining: 150, resetAt: 1_800_000_000_000, queued: 0 },
    breaker: "closed",
    halted: false,
  }),
  credentials: () => ({ keyId: "k", secretKey: "s" }),
};
const fleet: Fleet = {
  get: (id) => (id === account.id ? account : undefined),
  list: () => [account],
  dataAccounts: () => [account],
  onChange: () => () => {},
};

let calls: TradingCall[] = [];
let fallbacks: string[] = [];
let refuse: PaddockError | undefined;
let disabled = false;
const mem = memoryStream();
const logger = createLogger({ level: "info", destination: mem.stream });
const metrics = createMetrics({ defaultMetrics: false });
const orders: OrderService = {
  async handle(call) {
    calls.push(call);
    if (refuse) throw refuse;
    return {
      res: {
        status: 200,
        headers: {
          "content-type": "application/json",
          "x-ratelimit-remaining": "9",
          connection: "keep-alive",
        },
        body: Buffer.from('{"from":"upstream"}'),
      },
    };
  },
};
const principal: Principal = { sub: "bot", scopes: ["read"], accounts: "*" } as unknown as Principal;
const tryServe = createFastReads({
  fleet,
  auth: {
    authenticateHeaders: async (headers) => {
      if (headers.authorization !== "Bearer good") throw new PaddockError("PADDOCK_AUTH_INVALID");
      return principal;
    },
  },
  orders,
  logger,
  record: createRequestRecorder({ metrics, logger, access: accessLogger(logger) }),
  disabled: () => disabled,
});

let server: Server;
let base: string;
const fallback = (req: IncomingMessage, res: ServerResponse) => {
  fallbacks.push(`${req.method} ${req.url}`);
  res.writeHead(599).end();
};

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!tryServe(req, res, fallback)) fallback(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  calls = [];
  fallbacks = [];
  refuse = undefined;
  disabled = false;
});

const get = (path: string, headers: Record<string, string> = { authorization: "Bearer good" }) =>
  fetch(`${base}${path}`, { headers });

describe("the fast path for pass-through reads", () => {
  it("serves a read itself: the service's answer, the account's budget headers, the request id, metrics and log", async () => {
    const res = await get("/v1/accounts/acct-001/v2/orders?status=open", {
      authorization: "Bearer good",
      "x-request-id": "unit-1",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ from: "upstream" });
    expect(fallbacks).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: "GET",
      path: "/v2/orders?status=open",
      subject: "bot",
      requestId: "unit-1",
    });
    expect(calls[0]?.kind.action).toBeUndefined();
    expect(res.headers.get("x-request-id")).toBe("unit-1");
    expect(res.headers.get("x-ratelimit-limit")).toBe("200");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("150");
    expect(res.headers.get("x-ratelimit-reset")).toBe("1800000000");
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /paddock_http_requests_total\{route="\/v1\/accounts\/:accountId\/v2\/\*",method="GET",status_class="2xx",code="none"\} 1/,
    );
    const line = mem
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.reqId === "unit-1");
    expect(line).toMatchObject({
      sub: "bot",
      account: "acct-001",
      url: "/v1/accounts/acct-001/v2/orders",
      status: 200,
    });
  });

  it("answers the service's refusal in Alpaca's envelope with Retry-After", async () => {
    refuse = new PaddockError("PADDOCK_RATE_LIMITED", { retryAfterSeconds: 12.2 });
    const res = await get("/v1/accounts/acct-001/v2/account");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("13");
    expect(res.headers.get("x-paddock-source")).toBe("gateway");
    const body = (await res.json()) as { code: number; request_id: string };
    expect(body.code).toBe(42910000);
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
    expect(fallbacks).toEqual([]);
  });

  it("declines what it does not serve, and hands a failed authentication to the fallback untouched", async () => {
    const declined = [
      (await fetch(`${base}/v1/accounts/acct-001/v2/orders`, { method: "POST", body: "{}" })).status,
      (await get("/v1/accounts/acct-002/v2/account")).status,
      (await get("/v1/accounts/acct-001/v2/%61ccount")).status,
      (await get("/v1/accounts/acct-001/v2/no-such-route")).status,
      (await get("/v1/portfolio")).status,
      (await get("/v1/accounts/acct-001/v2/account", { authorization: "Bearer bad" })).status,
    ];
    disabled = true;
    declined.push((await get("/v1/accounts/acct-001/v2/account")).status);
    expect(declined).toEqual([599, 599, 599, 599, 599, 599, 599]);
    expect(fallbacks).toHaveLength(7);
    expect(calls).toEqual([]);
  });
});
