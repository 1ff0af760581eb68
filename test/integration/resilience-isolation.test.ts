/**
 * Issue 14, breakers per account (real gateway, real simulator faults on one account's
 * key): 5xx answers on one account open that account's breaker only; its neighbours on
 * the same upstream host keep getting exactly the answers they got before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

const status = async (id: string): Promise<number> => {
  const res = await gw.call(`/v1/accounts/${id}/v2/account`);
  await res.arrayBuffer();
  return res.status;
};

beforeAll(async () => {
  gw = await startGateway({
    accounts: 3,
    logLevel: "warn",
    configure: (raw) => {
      // these counts are this test's own requests: no trade-update recorder (its snapshots and streams)
      raw.streams = { ...(raw.streams as object), recordTradeUpdates: false };
      raw.upstream = {
        ...(raw.upstream as object),
        breakerMinimumRequests: 5,
        breakerWindowMs: 5000,
        breakerHalfOpenAfterMs: 5000,
        maxRetries: 0,
      };
    },
  });
}, 30_000);
afterAll(async () => {
  await gw?.simCall("DELETE", "/_sim/faults");
  await gw?.close();
});

describe("breakers isolate accounts", () => {
  it("failures on one account leave its neighbours' answers unchanged", async () => {
    const neighbours = ["acct-002", "acct-003"];
    const before = await Promise.all(neighbours.map(status));
    expect(before).toEqual([200, 200]);

    const key = gw.gateway.fleet.get("acct-001")!.credentials().keyId;
    const fault = await gw.simCall("POST", "/_sim/faults", { errorRate: 1, status: 500, keys: [key] });
    expect(fault.status).toBe(200);
    const seen: number[] = [];
    for (let i = 0; i < 20 && !seen.includes(503); i++) seen.push(await status("acct-001"));
    expect(seen.filter((s) => s === 500).length).toBeGreaterThanOrEqual(5); // Alpaca's answers, passed through
    expect(seen.at(-1)).toBe(503); // then the account's own breaker
    expect((await gw.accountView("acct-001")).breaker).toBe("open");

    // the neighbours, on the same host, during the failures: unchanged
    const during: number[] = [];
    for (let i = 0; i < 10; i++) during.push(...(await Promise.all(neighbours.map(status))));
    expect(during.every((s) => s === 200)).toBe(true);
    for (const id of neighbours) expect((await gw.accountView(id)).breaker).toBe("closed");
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/paddock_breaker_state\{scope="account:acct-001"\} 2/);
    expect(metrics).not.toMatch(/paddock_breaker_state\{scope="host:[^"]*"\} [12]/);
    console.log(
      `[resilience-isolation] failing_account_answers=${seen.join(",")} neighbour_answers_200=${during.length}/${during.length}`,
    );
  }, 30_000);
});
