import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UpstreamResponse } from "../../../src/accounts/types.js";
import { isPaddockError, PaddockError } from "../../../src/errors.js";
import { createOrderLedger, type OrderLedger } from "../../../src/trading/order-ledger.js";
import { submitOrder } from "../../../src/trading/order-submit.js";

const ORDER = { id: "ord-1", client_order_id: "cid-1", symbol: "AAPL", qty: "1", status: "accepted" };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: Buffer.from(JSON.stringify(body)),
});
const ok = () => json(200, ORDER);
const notFound = () => json(404, { code: 40410000, message: "order not found" });
const timeout = () => new PaddockError("PADDOCK_UPSTREAM_TIMEOUT", { detail: "UND_ERR_HEADERS_TIMEOUT" });
const reset = () => new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", { detail: "ECONNRESET" });

type Step = UpstreamResponse | Error;

/** A scripted upstream that also keeps the event log the safety property is checked on. */
function upstream(sendSteps: Step[], lookupSteps: Step[]) {
  const events: string[] = [];
  let s = 0;
  let l = 0;
  const take = async (steps: Step[], i: number, name: string): Promise<UpstreamResponse> => {
    const step = steps[Math.min(i, steps.length - 1)];
    if (step === undefined) throw new Error(`unexpected ${name}`);
    if (step instanceof Error) {
      events.push(`${name}:error`);
      throw step;
    }
    events.push(`${name}:${step.status}`);
    return step;
  };
  return {
    events,
    send: () => take(sendSteps, s++, "send"),
    lookup: () => take(lookupSteps, l++, "lookup"),
    sends: () => s,
    lookups: () => l,
  };
}

const deps = (
  u: ReturnType<typeof upstream>,
  ledger: OrderLedger,
  over: Partial<Parameters<typeof submitOrder>[0]> = {},
) => {
  const sleeps: number[] = [];
  return {
    sleeps,
    d: {
      accountId: "acct-001",
      clientOrderId: "cid-1",
      fingerprint: "fp-1",
      ledger,
      send: u.send,
      lookup: u.lookup,
      maxRetries: 3,
      backoff: { baseMs: 100, maxMs: 1000 },
      sleep: async (ms: number) => void sleeps.push(ms),
      random: () => 0.5,
      ...over,
    },
  };
};

const memLedger = () => createOrderLedger({ keyPrefix: "t:", now: () => 1000 });

describe("submitOrder", () => {
  it("sends once and records the acknowledged answer", async () => {
    const ledger = memLedger();
    const u = upstream([ok()], []);
    const res = await submitOrder(deps(u, ledger).d);
    expect(res.status).toBe(200);
    expect(u.events).toEqual(["send:200"]);
    expect(await ledger.get("acct-001", "cid-1")).toMatchObject({
      state: "acknowledged",
      orderId: "ord-1",
      status: 200,
    });
  });

  it("a repeated submission with the same client_order_id gets the original order, not a second one", async () => {
    const ledger = memLedger();
    const u = upstream([ok()], []);
    await submitOrder(deps(u, ledger).d);
    const again = await submitOrder(deps(u, ledger).d);
    expect(u.sends()).toBe(1);
    expect(again.status).toBe(200);
    expect(again.headers["x-paddock-replayed"]).toBe("true");
    expect(JSON.parse(again.body.toString())).toEqual(ORDER);
  });

  it("refuses the same client_order_id for a different order (422 naming it)", async () => {
    const ledger = memLedger();
    const u = upstream([ok()], []);
    await submitOrder(deps(u, ledger).d);
    const err = await submitOrder(deps(u, ledger, { fingerprint: "fp-other" }).d).catch((e: unknown) => e);
    expect(isPaddockError(err, "PADDOCK_CLIENT_ORDER_ID_DUPLICATE")).toBe(true);
    expect((err as PaddockError).status).toBe(422);
    // Alpaca's own code and message
    expect((err as PaddockError).toBody()).toMatchObject({
      code: 40010001,
      message: "client_order_id must be unique",
      client_order_id: "cid-1",
    });
    expect(u.sends()).toBe(1);
  });

  it("a definite rejection (403) is returned and recorded, never retried", async () => {
    const ledger = memLedger();
    const u = upstream([json(403, { code: 40310000, message: "insufficient buying power" })], []);
    const res = await submitOrder(deps(u, ledger).d);
    expect(res.status).toBe(403);
    expect(u.events).toEqual(["send:403"]);
    expect((await ledger.get("acct-001", "cid-1"))?.state).toBe("rejected");
  });

  it("timeout then found: returns the order as a 200 submit answer without resending", async () => {
    const ledger = memLedger();
    const u = upstream([timeout()], [ok()]);
    const { d, sleeps } = deps(u, ledger);
    const res = await submitOrder(d);
    expect(res.status).toBe(200);
    expect(res.headers["x-paddock-resolved-by"]).toBe("lookup");
    expect(JSON.parse(res.body.toString()).id).toBe("ord-1");
    expect(u.events).toEqual(["send:error", "lookup:200"]);
    expect(sleeps).toHaveLength(1);
    expect((await ledger.get("acct-001", "cid-1"))?.state).toBe("resolved");
  });

  it("timeout then 404 then resend: the second send only after the lookup said 404", async () => {
    const ledger = memLedger();
    const u = upstream([timeout(), ok()], [notFound()]);
    const res = await submitOrder(deps(u, ledger).d);
    expect(res.status).toBe(200);
    expect(u.events).toEqual(["send:error", "lookup:404", "send:200"]);
    expect((await ledger.get("acct-001", "cid-1"))?.state).toBe("acknowledged");
  });

  it("5xx is ambiguous too: looked up before any resend", async () => {
    const ledger = memLedger();
    const u = upstream([json(503, { message: "unavailable" }), ok()], [notFound()]);
    await submitOrder(deps(u, ledger).d);
    expect(u.events).toEqual(["send:503", "lookup:404", "send:200"]);
  });

  it("lookups that keep failing end in PADDOCK_ORDER_AMBIGUOUS with the client_order_id, never a resend", async () => {
    const ledger = memLedger();
    const u = upstream([reset()], [json(500, {}), reset()]);
    const err = await submitOrder(deps(u, ledger).d).catch((e: unknown) => e);
    expect(isPaddockError(err, "PADDOCK_ORDER_AMBIGUOUS")).toBe(true);
    expect((err as PaddockError).extra).toEqual({ client_order_id: "cid-1" });
    expect((err as Error).message).toMatch(/client_order_id cid-1/);
    expect(u.sends()).toBe(1);
    expect(u.lookups()).toBe(4); // maxRetries + 1 lookups
    expect((await ledger.get("acct-001", "cid-1"))?.state).toBe("ambiguous");
  });

  it("a restarted gateway resolves an ambiguous entry by lookup instead of resending", async () => {
    const ledger = memLedger();
    await ledger.begin("acct-001", "cid-1", "fp-1");
    await ledger.update("acct-001", "cid-1", { state: "ambiguous" });
    const u = upstream([ok()], [ok()]);
    const res = await submitOrder(deps(u, ledger).d);
    expect(res.status).toBe(200);
    expect(u.events).toEqual(["lookup:200"]);
  });

  it("a 'sent' entry whose order is absent upstream is sent (after the 404)", async () => {
    const ledger = memLedger();
    await ledger.begin("acct-001", "cid-1", "fp-1");
    const u = upstream([ok()], [notFound()]);
    await submitOrder(deps(u, ledger).d);
    expect(u.events).toEqual(["lookup:404", "send:200"]);
  });

  it("a concurrent duplicate that loses Alpaca's uniqueness check (422) returns the winner's order", async () => {
    const ledger = memLedger();
    await ledger.begin("acct-001", "cid-1", "fp-1"); // another request is in flight
    const u = upstream(
      [json(422, { code: 42210000, message: "client_order_id must be unique" })],
      [notFound(), ok()],
    );
    const res = await submitOrder(deps(u, ledger).d);
    expect(res.status).toBe(200);
    expect(u.events).toEqual(["lookup:404", "send:422", "lookup:200"]);
  });

  it("429 from Alpaca is answered at once with Retry-After: no wait, no lookup, no resend", async () => {
    const ledger = memLedger();
    const reset = String(Math.floor(Date.now() / 1000) + 7);
    const u = upstream(
      [json(429, { code: 42910000, message: "rate limit exceeded" }, { "x-ratelimit-reset": reset }), ok()],
      [notFound()],
    );
    const { d, sleeps } = deps(u, ledger);
    const res = await submitOrder(d);
    expect(res.status).toBe(429);
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(6);
    expect(Number(res.headers["retry-after"])).toBeLessThanOrEqual(8);
    expect(JSON.parse(res.body.toString())).toEqual({ code: 42910000, message: "rate limit exceeded" });
    expect(u.events).toEqual(["send:429"]);
    expect(sleeps).toEqual([]);
    // Alpaca's own Retry-After is kept
    const u2 = upstream([json(429, {}, { "retry-after": "3" })], []);
    const again = await submitOrder(deps(u2, memLedger()).d);
    expect(again.headers["retry-after"]).toBe("3");
  });

  it("the client's retry after a 429 looks the id up before the one new send", async () => {
    const ledger = memLedger();
    const u = upstream([json(429, {}), ok()], [notFound()]);
    expect((await submitOrder(deps(u, ledger).d)).status).toBe(429);
    expect((await submitOrder(deps(u, ledger).d)).status).toBe(200);
    expect(u.events).toEqual(["send:429", "lookup:404", "send:200"]);
  });

  it("the gateway's own refusal (budget, breaker) is passed through: nothing was sent", async () => {
    const ledger = memLedger();
    const refusal = new PaddockError("PADDOCK_BREAKER_OPEN", { retryAfterSeconds: 5 });
    const u = upstream([refusal], []);
    await expect(submitOrder(deps(u, ledger).d)).rejects.toBe(refusal);
    expect(u.lookups()).toBe(0);
  });

  it("a refusal after an ambiguous send is reported as ambiguous", async () => {
    const ledger = memLedger();
    const u = upstream([timeout(), new PaddockError("PADDOCK_BREAKER_OPEN")], [notFound()]);
    await expect(submitOrder(deps(u, ledger).d)).rejects.toMatchObject({ code: "PADDOCK_ORDER_AMBIGUOUS" });
  });

  it("stops after maxRetries resends and returns the last answer when the order is known absent", async () => {
    const ledger = memLedger();
    const u = upstream([json(502, {})], [notFound()]);
    const res = await submitOrder(deps(u, ledger, { maxRetries: 2 }).d);
    expect(res.status).toBe(502);
    expect(u.sends()).toBe(3);
    expect(u.events.filter((e) => e.startsWith("lookup"))).toHaveLength(3);
  });

  it("refuses (503) without sending when the ledger cannot record the claim", async () => {
    const broken: OrderLedger = {
      begin: async () => {
        throw new Error("redis down");
      },
      update: async () => undefined,
      get: async () => undefined,
    };
    const u = upstream([ok()], []);
    await expect(submitOrder(deps(u, broken).d)).rejects.toMatchObject({ code: "PADDOCK_UNAVAILABLE" });
    expect(u.sends()).toBe(0);
  });

  it("property: never two sends without a 404 lookup between them, whatever the upstream does", async () => {
    const step = fc.oneof(
      fc.constant<() => Step>(ok),
      fc.constant<() => Step>(notFound),
      fc.constant<() => Step>(timeout),
      fc.constant<() => Step>(reset),
      fc.constantFrom(400, 403, 408, 422, 429, 500, 502, 503, 504).map((st) => () => json(st, {})),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        async (sendSteps, lookupSteps, maxRetries, preexisting) => {
          const ledger = memLedger();
          if (preexisting) await ledger.begin("acct-001", "cid-1", "fp-1");
          const u = upstream(
            sendSteps.map((f) => f()),
            lookupSteps.map((f) => f()),
          );
          const outcome = await submitOrder(deps(u, ledger, { maxRetries }).d).then(
            (r) => r,
            (e: unknown) => e,
          );
          let lastSendSeen = false;
          let lookup404Since = true;
          for (const e of u.events) {
            if (e.startsWith("send")) {
              if (lastSendSeen) expect(lookup404Since).toBe(true);
              lastSendSeen = true;
              lookup404Since = false;
            } else if (e === "lookup:404") lookup404Since = true;
          }
          expect(u.sends()).toBeLessThanOrEqual(maxRetries + 1);
          // a thrown outcome is always a PaddockError a client can act on
          if (!(outcome && typeof outcome === "object" && "status" in outcome && "body" in outcome)) {
            expect(outcome).toBeInstanceOf(PaddockError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
