/**
 * Issue 6, breakers and kill switches end to end (real gateway, real simulator faults):
 * under 100% upstream failures the breaker opens, answers at once with 503 + Retry-After
 * from the gateway while sending nothing upstream, and closes by itself within its probe
 * interval once the faults are cleared. With the breaker open or the account halted, a new
 * order is refused at once while a cancel still reaches the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const HALF_OPEN_AFTER_MS = 500;
const FAULT_LATENCY_MS = 150;

let gw: TestGateway;

const sim = (method: string, path: string, body?: unknown) => gw.simCall(method, path, body);
const simStats = () => gw.simStats();
const accountView = (id: string) => gw.accountView(id);
const timed = async (fn: () => Promise<Response>): Promise<{ res: Response; ms: number }> => {
  const t = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  return { res, ms: performance.now() - t };
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const getAccount = () => gw.call("/v1/accounts/acct-001/v2/account");
const orderBody = (coid: string) =>
  JSON.stringify({
    symbol: "AAPL",
    qty: "1",
    side: "buy",
    type: "limit",
    limit_price: "1.00",
    time_in_force: "gtc",
    client_order_id: coid,
  });
const placeOrder = async (coid: string): Promise<string> => {
  const res = await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body: orderBody(coid) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
};

/** Fails GET /v2/account until the gateway answers with its own 503; returns the failing upstream latencies. */
const openBreaker = async (): Promise<number[]> => {
  await sim("POST", "/_sim/faults", {
    errorRate: 1,
    status: 500,
    latencyMs: FAULT_LATENCY_MS,
    paths: ["/v2/account"],
  });
  const upstreamFailures: number[] = [];
  for (let i = 0; i < 50; i++) {
    const { res, ms } = await timed(getAccount);
    if (res.status === 503 && res.headers.get("x-paddock-source") === "gateway") return upstreamFailures;
    expect(res.status).toBe(500); // Alpaca's (the simulator's) answer, passed through
    upstreamFailures.push(ms);
  }
  throw new Error("the breaker never opened");
};

const waitClosed = async (): Promise<number> => {
  const cleared = performance.now();
  await sim("DELETE", "/_sim/faults");
  for (;;) {
    const res = await getAccount();
    await res.arrayBuffer();
    if (res.status === 200) return performance.now() - cleared;
    expect(res.status).toBe(503);
    if (performance.now() - cleared > 10_000) throw new Error("the breaker did not close");
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  gw = await startGateway({
    accounts: 2,
    logLevel: "warn",
    configure: (raw) => {
      raw.upstream = {
        ...(raw.upstream as object),
        breakerMinimumRequests: 5,
        breakerWindowMs: 2000,
        breakerHalfOpenAfterMs: HALF_OPEN_AFTER_MS,
        maxRetries: 1,
        retryBaseDelayMs: 10,
        retryMaxDelayMs: 20,
      };
      // the breaker counts only this test's requests, not the trade-update recorder's snapshots
      raw.streams = { ...(raw.streams as object), recordTradeUpdates: false };
    },
  });
  await sim("POST", "/_sim/clock", { open: true });
}, 30_000);
afterAll(async () => {
  await sim("DELETE", "/_sim/faults");
  await gw?.close();
});

describe("circuit breaker through the gateway", () => {
  it("opens under 100% failures, fails fast without calling upstream, and recovers by itself", async () => {
    const upstreamFailures = await openBreaker();
    const openedAt = performance.now();
    expect(upstreamFailures.length).toBeGreaterThanOrEqual(2);
    expect((await accountView("acct-001")).breaker).toBe("open");
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/paddock_breaker_state\{scope="account:acct-001"\} 2/);

    // what acct-001 sends (health probes may go through its healthy neighbour meanwhile)
    const key = gw.gateway.fleet.get("acct-001")!.credentials().keyId;
    const sentBy001 = async () => (await simStats()).requests.byKey[key] ?? 0;
    const before = await sentBy001();
    const fast: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { res, ms } = await timed(getAccount);
      expect(res.status).toBe(503);
      expect(res.headers.get("x-paddock-source")).toBe("gateway");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      fast.push(ms);
    }
    const failFast = await getAccount();
    const body = (await failFast.json()) as { code: number; message: string };
    expect(typeof body.code).toBe("number");
    expect(body.message).toBeTruthy();
    // nothing was sent while open, but the one probe per half-open period (on a slow machine the
    // loop above can outlast a period; each probe fails and re-opens the breaker)
    const periods = Math.floor((performance.now() - openedAt) / HALF_OPEN_AFTER_MS);
    expect((await sentBy001()) - before).toBeLessThanOrEqual(periods);
    // relative, not absolute: refusing locally beats waiting for a failing upstream by far
    expect(median(fast)).toBeLessThan(median(upstreamFailures) / 2);

    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push((await timed(() => fetch(`${gw.url}/livez`))).ms);

    const recoveryMs = await waitClosed();
    expect(recoveryMs).toBeLessThan(HALF_OPEN_AFTER_MS + 2000);
    expect((await accountView("acct-001")).breaker).toBe("closed");
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(
      /paddock_breaker_state\{scope="account:acct-001"\} 0/,
    );
    console.log(
      `[resilience-breaker] failing_upstream_p50_ms=${median(upstreamFailures).toFixed(1)} ` +
        `open_fail_fast_p50_ms=${median(fast).toFixed(2)} open_fail_fast_max_ms=${Math.max(...fast).toFixed(2)} ` +
        `livez_p50_ms=${median(baseline).toFixed(2)} ` +
        `recovery_after_faults_cleared_ms=${recoveryMs.toFixed(0)} (half-open after ${HALF_OPEN_AFTER_MS} ms)`,
    );
  }, 30_000);

  it("with the breaker open a new order is refused at once, but a cancel still reaches the simulator", async () => {
    const id = await placeOrder("res-breaker-cancel");
    await openBreaker();
    const sendsBefore = (await simStats()).requests.byPath["POST /v2/orders"] ?? 0;
    const refused = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: orderBody("res-breaker-refused"),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("x-paddock-source")).toBe("gateway");
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect((await simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(sendsBefore);

    const cancel = await gw.call(`/v1/accounts/acct-001/v2/orders/${id}`, { method: "DELETE" });
    expect(cancel.status).toBe(204);
    expect((await simStats()).requests.byPath[`DELETE /v2/orders/${id}`]).toBe(1);
    expect((await accountView("acct-001")).breaker).toBe("open"); // a cancel never moves an open breaker
    await waitClosed();
  }, 30_000);

  it("with the account halted a new order is refused at once, but a cancel still reaches the simulator", async () => {
    const id = await placeOrder("res-halt-cancel");
    const halt = await gw.call("/v1/admin/accounts/acct-001/halt", { method: "POST" });
    expect(halt.status).toBe(200);
    expect(await accountView("acct-001")).toMatchObject({ halted: true, status: "halted" });
    const sendsBefore = (await simStats()).requests.byPath["POST /v2/orders"] ?? 0;
    const refused = await gw.call("/v1/accounts/acct-001/v2/orders", {
      method: "POST",
      body: orderBody("res-halt-refused"),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-paddock-source")).toBe("gateway");
    expect(((await refused.json()) as { message: string }).message).toMatch(/halt/);
    expect((await simStats()).requests.byPath["POST /v2/orders"] ?? 0).toBe(sendsBefore);
    // other accounts still trade
    const other = await gw.call("/v1/accounts/acct-002/v2/orders", {
      method: "POST",
      body: orderBody("res-halt-other"),
    });
    expect(other.status).toBe(200);

    const cancel = await gw.call(`/v1/accounts/acct-001/v2/orders/${id}`, { method: "DELETE" });
    expect(cancel.status).toBe(204);
    expect((await simStats()).requests.byPath[`DELETE /v2/orders/${id}`]).toBe(1);
    const resume = await gw.call("/v1/admin/accounts/acct-001/resume", { method: "POST" });
    expect(resume.status).toBe(200);
    expect((await accountView("acct-001")).halted).toBe(false);
  }, 30_000);
});
