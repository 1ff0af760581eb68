import { describe, expect, it } from "vitest";
import type { Account, UpstreamRequest, UpstreamResponse } from "../../../src/accounts/types.js";
import type { AuditEntryInput } from "../../../src/audit/record.js";
import { isPaddockError } from "../../../src/errors.js";
import { createOrderLedger } from "../../../src/trading/order-ledger.js";
import { createOrderService, type TradingCall } from "../../../src/trading/order-service.js";

const ok = (body: unknown, status = 200): UpstreamResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: Buffer.from(JSON.stringify(body)),
});

function fixture(opts: { halted?: boolean; auditBlocked?: string; limits?: Account["limits"] } = {}) {
  const sent: UpstreamRequest[] = [];
  const audited: AuditEntryInput[] = [];
  const priced: string[] = [];
  const account = {
    id: "acct-001",
    mode: "paper",
    tags: [],
    feed: "iex",
    limits: opts.limits ?? {},
    tradingUrl: "http://upstream",
    streamUrl: "ws://upstream/stream",
    async request(req: UpstreamRequest) {
      sent.push(req);
      if (req.method === "POST") {
        const body = JSON.parse(String(req.body)) as { client_order_id: string; symbol: string };
        return ok({ id: "order-1", client_order_id: body.client_order_id, symbol: body.symbol });
      }
      if (req.method === "PATCH") return ok({ id: "order-2", client_order_id: "c-2" });
      return ok({ ok: true });
    },
    status: () => ({
      budget: { limit: 200, remaining: 200, resetAt: 0, queued: 0 },
      breaker: "closed",
      halted: false,
    }),
    credentials: () => ({ keyId: "k", secretKey: "s" }),
  } as unknown as Account; // only what the order service touches
  const service = createOrderService({
    ledger: createOrderLedger({ keyPrefix: "t:" }),
    audit: {
      async append(e) {
        audited.push(e);
      },
    },
    isHalted: () => opts.halted === true,
    ...(opts.auditBlocked ? { auditBlocked: () => opts.auditBlocked } : {}),
    price: async (symbol) => {
      priced.push(symbol);
      return 100;
    },
    settings: () => ({ maxRetries: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 2 }),
    now: () => 1_000,
  });
  const call = (over: Partial<TradingCall>): TradingCall => ({
    account,
    method: "GET",
    path: "/v2/account",
    body: undefined,
    kind: { action: undefined, priority: "read", idempotent: true },
    requestId: "req-1",
    subject: "bot-1",
    log: { info() {}, warn() {}, error() {} },
    ...over,
  });
  return { service, sent, audited, priced, call };
}

const submit = { action: "order.submit", priority: "order", idempotent: false } as const;
const orderBody = (extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day", ...extra }),
  );

describe("order service", () => {
  it("passes a read through with its abort signal and records nothing", async () => {
    const f = fixture();
    const signal = new AbortController().signal;
    const out = await f.service.handle(f.call({ signal }));
    expect(out.res.status).toBe(200);
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0]?.signal).toBe(signal);
    expect(f.audited).toHaveLength(0);
  });

  it("places an order once, names its client_order_id and audits it as accepted", async () => {
    const f = fixture();
    const out = await f.service.handle(
      f.call({
        method: "POST",
        path: "/v2/orders",
        body: orderBody({ client_order_id: "c-1" }),
        kind: submit,
      }),
    );
    expect(out.res.status).toBe(200);
    expect(out.headers?.["x-paddock-client-order-id"]).toBe("c-1");
    expect(f.sent.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(f.audited).toMatchObject([
      {
        action: "order.submit",
        outcome: "accepted",
        clientOrderId: "c-1",
        orderId: "order-1",
        subject: "bot-1",
      },
    ]);
  });

  it("refuses an order on a halted account before it leaves, auditing the scrubbed body and its client_order_id", async () => {
    const f = fixture({ halted: true });
    const err = await f.service
      .handle(
        f.call({
          method: "POST",
          path: "/v2/orders",
          body: orderBody({ client_order_id: "c-halt", secret_key: "hunter2" }),
          kind: submit,
        }),
      )
      .catch((e: unknown) => e);
    expect(isPaddockError(err, "PADDOCK_HALTED")).toBe(true);
    expect(f.sent).toHaveLength(0);
    expect(f.audited).toHaveLength(1);
    const rec = f.audited[0]!;
    expect(rec).toMatchObject({
      action: "order.submit",
      outcome: "rejected",
      source: "gateway",
      clientOrderId: "c-halt",
    });
    const body = (rec.request as { body: Record<string, unknown> }).body;
    expect(body.symbol).toBe("AAPL");
    expect(JSON.stringify(rec)).not.toContain("hunter2");
  });

  it("audits an invalid order body with what could be read of it", async () => {
    const f = fixture();
    const err = await f.service
      .handle(
        f.call({
          method: "POST",
          path: "/v2/orders",
          body: orderBody({ qty: "-1", client_order_id: "c-bad" }),
          kind: submit,
        }),
      )
      .catch((e: unknown) => e);
    expect(isPaddockError(err)).toBe(true);
    expect(f.sent).toHaveLength(0);
    expect(f.audited[0]).toMatchObject({ outcome: "rejected", clientOrderId: "c-bad" });
  });

  it("refuses orders while the audit trail cannot be written (audit.required)", async () => {
    const f = fixture({ auditBlocked: "disk full" });
    const err = await f.service
      .handle(f.call({ method: "POST", path: "/v2/orders", body: orderBody(), kind: submit }))
      .catch((e: unknown) => e);
    expect(isPaddockError(err, "PADDOCK_UNAVAILABLE")).toBe(true);
    expect(f.sent).toHaveLength(0);
  });

  it("holds a replacement on a halted account but lets a cancel through", async () => {
    const f = fixture({ halted: true });
    const replace = await f.service
      .handle(
        f.call({
          method: "PATCH",
          path: "/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d",
          body: Buffer.from(JSON.stringify({ qty: "2" })),
          kind: { action: "order.replace", priority: "order", idempotent: false },
        }),
      )
      .catch((e: unknown) => e);
    expect(isPaddockError(replace, "PADDOCK_HALTED")).toBe(true);
    const cancel = await f.service.handle(
      f.call({
        method: "DELETE",
        path: "/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d",
        kind: { action: "order.cancel", priority: "order", idempotent: true },
      }),
    );
    expect(cancel.res.status).toBe(200);
    expect(f.sent.map((r) => r.method)).toEqual(["DELETE"]);
    expect(f.audited.map((a) => [a.action, a.outcome, a.orderId])).toEqual([
      ["order.replace", "rejected", undefined],
      ["order.cancel", "accepted", "61e69015-8549-4bfd-b9c3-01e75843f47d"],
    ]);
  });

  it("prices a risk check through the injected (cached) price, not the account", async () => {
    const f = fixture({ limits: { maxOrderNotional: 50 } as Account["limits"] });
    const err = await f.service
      .handle(f.call({ method: "POST", path: "/v2/orders", body: orderBody(), kind: submit }))
      .catch((e: unknown) => e);
    expect(isPaddockError(err, "PADDOCK_RISK_REJECTED")).toBe(true);
    // the price came from the injected lookup (100 × 1 > 50), not from a failed or missing one
    expect(f.priced).toEqual(["AAPL"]);
    expect((err as Error).message).toContain("order value 100 exceeds 50");
    expect(f.sent).toHaveLength(0);
  });
});
