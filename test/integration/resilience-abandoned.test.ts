/**
 * Issue 14, an abandoned queued read is never sent (the gateway's real fleet and
 * transport against the simulator): a read waiting for budget whose caller aborts leaves
 * the account's queue, never reaches Alpaca, and spends no budget; the next waiter gets
 * the slot instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamRequest } from "../../src/accounts/types.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    accounts: 2,
    logLevel: "warn",
    configure: (raw) => {
      // these counts are this test's own requests: no trade-update recorder (its snapshots and streams)
      raw.streams = { ...(raw.streams as object), recordTradeUpdates: false };
      raw.upstream = { ...(raw.upstream as object), queueMaxWaitMs: 120_000 };
      const accounts = raw.accounts as Array<Record<string, unknown>>;
      accounts[0]!.rateLimitPerMinute = 2;
    },
  });
}, 30_000);
afterAll(async () => {
  await gw?.close();
});

const read = (path: string, signal?: AbortSignal): UpstreamRequest => ({
  method: "GET",
  path,
  kind: "trading",
  priority: "read",
  idempotent: true,
  ...(signal ? { signal } : {}),
});

describe("abandoned requests", () => {
  it("a queued read whose client went away is dropped before it is sent and spends no budget", async () => {
    const account = gw.gateway.fleet.get("acct-001")!;
    const key = account.credentials().keyId;
    for (let i = 0; i < 2; i++) expect((await account.request(read("/v2/account"))).status).toBe(200);
    expect(account.status().budget.remaining).toBe(0);

    const ac = new AbortController();
    const abandoned = account.request(read("/v2/positions", ac.signal));
    const queuedAfter = account.request(read("/v2/clock"));
    // it waits for the first slot to free (a minute) and is rejected at close: not this test's business
    queuedAfter.catch(() => undefined);
    await expect.poll(() => account.status().budget.queued).toBe(2);
    ac.abort(new Error("client went away"));
    await expect(abandoned).rejects.toThrow("client went away");
    expect(account.status().budget.queued).toBe(1);

    const stats = await gw.simStats();
    expect(stats.requests.byPath["GET /v2/positions"] ?? 0).toBe(0);
    expect(stats.requests.byKey[key]).toBe(2);
    expect(account.status().budget.remaining).toBe(0); // nothing spent for it
  });

  // The pass-through route passes an AbortSignal that fires when the client's socket closes.
  it("gateway: a client that disconnects while its read is queued costs Alpaca nothing", async () => {
    const account = gw.gateway.fleet.get("acct-002")!;
    const key = account.credentials().keyId;
    for (let i = 0; i < 200; i++) await account.request(read("/v2/account"));
    const ac = new AbortController();
    const pending = gw
      .call("/v1/accounts/acct-002/v2/positions", { signal: ac.signal })
      .catch(() => undefined);
    await expect.poll(() => account.status().budget.queued).toBe(1);
    ac.abort();
    await pending;
    await expect.poll(() => account.status().budget.queued).toBe(0);
    expect((await gw.simStats()).requests.byKey[key]).toBe(200);
  });
});
