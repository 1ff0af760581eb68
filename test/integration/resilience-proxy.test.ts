/**
 * Issue 14, the outbound proxy (real gateway, real simulator, a counting proxy in
 * between): with `upstream.proxy` set, every REST request and the health probes go
 * through the proxy, and each account keeps its own pool behind it — one keep-alive
 * tunnel per account, reused for that account's requests, never shared with another.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CountingProxy, startCountingProxy } from "../helpers/counting-proxy.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let proxy: CountingProxy;

beforeAll(async () => {
  proxy = await startCountingProxy();
  gw = await startGateway({
    accounts: 3,
    logLevel: "warn",
    configure: (raw) => {
      // these counts are this test's own requests: no trade-update recorder (its snapshots and streams)
      raw.streams = { ...(raw.streams as object), recordTradeUpdates: false };
      raw.upstream = { ...(raw.upstream as object), proxy: proxy.url, connectionsPerAccount: 1 };
    },
  });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  await proxy?.close();
});

describe("upstream through a proxy", () => {
  it("health probes go through the proxy", async () => {
    const probesBefore = (await gw.simStats()).requests.byPath["GET /v2/clock"] ?? 0;
    expect(proxy.tunnelCount()).toBe(0);
    const report = await gw.gateway.health.runAll();
    expect(report.components.find((c) => c.name === "upstream-paper")?.status).toBe("up");
    expect((await gw.simStats()).requests.byPath["GET /v2/clock"]).toBe(probesBefore + 1);
    expect(proxy.tunnelCount()).toBe(1);
    expect([...proxy.tunnels.keys()]).toEqual([new URL(gw.sim.url).host]);
  });

  it("each account keeps its own pool behind the proxy: one tunnel per account, reused", async () => {
    for (const id of ["acct-001", "acct-002", "acct-003"]) {
      for (let i = 0; i < 3; i++) {
        const res = await gw.call(`/v1/accounts/${id}/v2/account`);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }
    // a shared pool would reuse one tunnel for all (1); no pooling would open one per request (10)
    expect(proxy.tunnelCount()).toBe(3);
    expect(proxy.requests.size).toBe(0); // everything tunnelled, nothing sent in the clear to the proxy
    console.log(`[resilience-proxy] accounts=3 requests=10 tunnels=${proxy.tunnelCount()}`);
  });
});
