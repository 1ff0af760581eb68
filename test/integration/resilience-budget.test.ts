/**
 * Issue 6, the per-account budget seen from a client (real gateway, real simulator that
 * would answer 429 itself): a cancel sent while the account's queue is full of reads is
 * served before them; the budget left shows in `GET /v1/accounts` and in the
 * `paddock_budget_remaining` metric; /livez, /readyz and /metrics answer however spent the
 * budgets are, and the simulator never has to say 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planWindows } from "../../src/resilience/window-plan.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const LIMIT = 200;

let gw: TestGateway;
/** The saturating burst of the health test: its queued requests finish in the background. */
let burst: Promise<number[]> | undefined;

const sim = (method: string, path: string, body?: unknown) => gw.simCall(method, path, body);
const simStats = () => gw.simStats();
const accountView = (id: string) => gw.accountView(id);
const budgetMetric = async (id: string): Promise<number | undefined> => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = new RegExp(`^paddock_budget_remaining\\{account="${id}"\\} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
};

beforeAll(async () => {
  gw = await startGateway({
    accounts: 3,
    logLevel: "warn",
    simRateLimit: LIMIT, // the simulator answers 429 if the gateway ever lets too much through
    configure: (raw) => {
      raw.upstream = {
        ...(raw.upstream as object),
        rateLimitPerMinute: LIMIT,
        queueMaxWaitMs: 15_000,
        connectionsPerAccount: 8,
      };
    },
  });
  await sim("POST", "/_sim/clock", { open: true });
}, 30_000);
afterAll(async () => {
  const statuses = (await burst) ?? [];
  // every burst request was either served or refused by the gateway: none reached a 429 upstream
  expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  const stats = gw ? await simStats() : undefined;
  console.log(`[resilience-budget] upstream_429s_total=${stats?.rateLimited.total}`);
  expect(stats?.rateLimited.total).toBe(0);
  await gw?.close();
});

describe("the per-account budget through the gateway", () => {
  it("health and metrics answer while an account's budget is spent (they are never rate limited)", async () => {
    const plan = planWindows(LIMIT);
    // spend acct-001's window and queue past the wait limit: the gateway answers 429 itself
    const limited: Response[] = [];
    burst = Promise.all(
      Array.from({ length: plan.points * 8 }, async () => {
        const res = await gw.call("/v1/accounts/acct-001/v2/clock");
        await res.arrayBuffer();
        if (res.status === 429) limited.push(res);
        return res.status;
      }),
    );
    for (
      let i = 0;
      i < 200 && (limited.length === 0 || (await accountView("acct-001")).budget.queued === 0);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const view = await accountView("acct-001");
    expect(view.budget.queued).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r.headers.get("x-paddock-source")).toBe("gateway");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // while acct-001 is saturated: health, readiness and metrics answer every time
    const paths = ["/livez", "/readyz", "/metrics"];
    const answers = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const res = await fetch(`${gw.url}${paths[i % paths.length]}`);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string };
    expect(ready.status).not.toBe("down");
    console.log(
      `[resilience-budget] gateway_429s_while_saturated=${limited.length} queued=${view.budget.queued} ` +
        `health_requests=${answers.length} health_non_200=0 readyz=${ready.status}`,
    );
  }, 30_000);

  it("a cancel sent while the queue is full of reads completes before them", async () => {
    const plan = planWindows(LIMIT);
    const placed = await gw.call("/v1/accounts/acct-002/v2/orders", {
      method: "POST",
      body: JSON.stringify({
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "limit",
        limit_price: "1.00",
        time_in_force: "gtc",
      }),
    });
    expect(placed.status).toBe(200);
    const orderId = ((await placed.json()) as { id: string }).id;

    // three windows' worth of reads: one window goes now, two wait in the queue
    const reads = 3 * plan.points;
    const finished: Array<{ what: "read" | "cancel"; status: number; at: number }> = [];
    const readsDone = Array.from({ length: reads }, async () => {
      const res = await gw.call("/v1/accounts/acct-002/v2/account");
      await res.arrayBuffer();
      finished.push({ what: "read", status: res.status, at: performance.now() });
    });
    // wait until the reads are queued behind the spent window
    for (let i = 0; i < 100 && (await accountView("acct-002")).budget.queued < plan.points; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const queuedBefore = (await accountView("acct-002")).budget.queued;
    expect(queuedBefore).toBeGreaterThanOrEqual(plan.points);
    const sent = performance.now();
    const cancel = await gw.call(`/v1/accounts/acct-002/v2/orders/${orderId}`, { method: "DELETE" });
    finished.push({ what: "cancel", status: cancel.status, at: performance.now() });
    await Promise.all(readsDone);

    expect(cancel.status).toBe(204);
    expect(finished.filter((f) => f.what === "read").every((f) => f.status === 200)).toBe(true);
    const cancelAt = finished.find((f) => f.what === "cancel")!.at;
    const readsAfterCancel = finished.filter((f) => f.what === "read" && f.at > cancelAt).length;
    // in FIFO order the cancel would come after every queued read; by priority it goes with the
    // next window, so at least the last window's reads (queued before it) finish after it
    expect(readsAfterCancel).toBeGreaterThanOrEqual(plan.points - 1);
    const stats = await simStats();
    expect(stats.requests.byPath[`DELETE /v2/orders/${orderId}`]).toBe(1);
    expect(stats.rateLimited.total).toBe(0);
    console.log(
      `[resilience-budget] reads_queued_before_cancel=${queuedBefore} reads_finished_after_cancel=${readsAfterCancel} ` +
        `cancel_wait_ms=${(cancelAt - sent).toFixed(0)} window=${plan.points}/${plan.windowSeconds}s upstream_429s=${stats.rateLimited.total}`,
    );
  }, 30_000);

  it("shows the budget left in GET /v1/accounts and the paddock_budget_remaining metric", async () => {
    const before = (await accountView("acct-003")).budget.remaining;
    expect(await budgetMetric("acct-003")).toBe(before);
    for (let i = 0; i < 3; i++) {
      const res = await gw.call("/v1/accounts/acct-003/v2/clock");
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const view = await accountView("acct-003");
    expect(view.budget.limit_per_minute).toBe(LIMIT);
    expect(view.budget.remaining).toBe(before - 3);
    expect(Date.parse(view.budget.reset_at)).toBeGreaterThan(Date.now());
    expect(view.breaker).toBe("closed");
    expect(await budgetMetric("acct-003")).toBe(before - 3);
    // every account is exported, whatever it spent
    for (const id of ["acct-001", "acct-002"]) {
      expect(await budgetMetric(id)).toBe((await accountView(id)).budget.remaining);
    }
  });
});
