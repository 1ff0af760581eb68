/**
 * Issues 6 and 14, the per-account budget seen from a client (real gateway, real simulator
 * that would answer 429 itself): Alpaca's 200 per minute can be spent as one burst and the
 * 201st is the first the gateway refuses; the budget left shows in `GET /v1/accounts` and
 * in the `paddock_budget_remaining` metric; /livez, /readyz and /metrics answer however
 * spent the budgets are, and the simulator never has to say 429. (Priority of cancels
 * over queued reads is proven in test/unit/resilience/budget.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
      // an idle account: the trade-update recorder's start-up snapshot would spend one request
      raw.streams = { ...(raw.streams as object), recordTradeUpdates: false };
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
  it("200 concurrent reads on an idle account are all served with 0 upstream 429s; the 201st is the first refused", async () => {
    const statuses = await Promise.all(
      Array.from({ length: LIMIT }, async () => {
        const res = await gw.call("/v1/accounts/acct-002/v2/account");
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const before = await simStats();
    expect(before.rateLimited.total).toBe(0);
    const next = await gw.call("/v1/accounts/acct-002/v2/account");
    expect(next.status).toBe(429);
    expect(next.headers.get("x-paddock-source")).toBe("gateway");
    // the oldest slot frees a minute after the burst: the gateway says so
    expect(Number(next.headers.get("retry-after"))).toBeGreaterThanOrEqual(55);
    await next.arrayBuffer();
    const after = await simStats();
    expect(after.requests.byPath["GET /v2/account"]).toBe(before.requests.byPath["GET /v2/account"]);
    expect((await accountView("acct-002")).budget).toMatchObject({ remaining: 0, queued: 0 });
    console.log(
      `[resilience-budget] burst=${LIMIT} served=${statuses.filter((s) => s === 200).length} upstream_429s=${after.rateLimited.total} 201st=${next.status}`,
    );
  }, 30_000);

  it("health and metrics answer while an account's budget is spent (they are never rate limited)", async () => {
    // spend acct-001's budget and go past it: the gateway answers 429 itself
    const limited: Response[] = [];
    burst = Promise.all(
      Array.from({ length: LIMIT + 60 }, async () => {
        const res = await gw.call("/v1/accounts/acct-001/v2/clock");
        await res.arrayBuffer();
        if (res.status === 429) limited.push(res);
        return res.status;
      }),
    );
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
    const statuses = await burst;
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(limited).toHaveLength(60);
    for (const r of limited) {
      expect(r.headers.get("x-paddock-source")).toBe("gateway");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string };
    expect(ready.status).not.toBe("down");
    console.log(
      `[resilience-budget] gateway_429s_while_saturated=${limited.length} ` +
        `health_requests=${answers.length} health_non_200=0 readyz=${ready.status}`,
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
