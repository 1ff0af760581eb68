/**
 * Sockets that have not authenticated wait in their own bounded pool with a short
 * deadline and never take the client slots: a flood of idle sockets fills the pool,
 * the oldest are closed to admit newcomers, and real clients still authenticate.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame, type TestClient, until } from "./ws-client.js";

let fake: FakeAlpaca;
let gw: Harness;
const opened: TestClient[] = [];

beforeEach(async () => {
  fake = await startFakeAlpaca();
});
afterEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await gw?.close();
  await fake.close();
});

const start = async (authTimeoutMs: number): Promise<void> => {
  gw = await startHarness({
    upstreamUrl: fake.url,
    streams: { maxClients: 2, maxPendingClients: 5, authTimeoutMs },
  });
};

const connect = async (path: string): Promise<TestClient> => {
  const c = await connectClient(`${gw.wsUrl}${path}`);
  opened.push(c);
  return c;
};
const metric = async (name: string): Promise<number> =>
  (await gw.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;

describe("unauthenticated connections", () => {
  it("a flood of idle sockets neither takes the client slots nor locks a real client out", async () => {
    await start(30_000);
    const idle: TestClient[] = [];
    for (let i = 0; i < 20; i++)
      idle.push(await connect(i % 2 ? "/v1/data/stream/v2/iex" : "/v1/accounts/acct-1/stream"));
    // the pool holds the 5 newest; the 15 oldest were closed to admit them, each told why
    await until(() => gw.service.stats().pending === 5);
    const evicted = await Promise.all(idle.slice(0, 15).map((c) => c.closed));
    for (const e of evicted)
      expect(e).toEqual({ code: 1008, reason: "too many unauthenticated connections" });
    expect(idle[0]!.messages).toContainEqual({ action: "error", data: { error_message: "auth timeout" } });
    expect(idle[1]!.messages).toContainEqual([{ T: "error", code: 404, msg: "auth timeout" }]);
    expect(await metric("paddock_stream_unauthenticated_evicted_total")).toBe(15);
    expect(await metric("paddock_stream_unauthenticated_clients")).toBe(5);
    expect(gw.service.stats().clients).toBe(0);

    // real clients still get in, through the full pool, and take the two client slots
    const data = await connect("/v1/data/stream/v2/iex");
    data.send({ action: "auth", key: "bot", secret: gw.token({ scopes: ["data"], accounts: "*" }) });
    await data.waitFor(hasFrame((f) => f.msg === "authenticated"));
    const trading = await connect("/v1/accounts/acct-1/stream");
    trading.send({
      action: "authenticate",
      data: { key_id: "bot", secret_key: gw.token({ scopes: ["read"], accounts: "*" }) },
    });
    await trading.waitFor((m) => JSON.stringify(m).includes('"authorized"'));
    // each newcomer closed one more idle socket while it waited; authenticated, it left the pool
    expect(gw.service.stats()).toMatchObject({ clients: 2, pending: 4 });
    expect(await metric("paddock_stream_unauthenticated_evicted_total")).toBe(16);
    expect(await metric("paddock_stream_clients")).toBe(2);

    // a third authenticated client finds no slot: Alpaca's 406, and the socket is closed
    const third = await connect("/v1/data/stream/v2/iex");
    third.send({ action: "auth", key: "bot", secret: gw.token({ scopes: ["data"], accounts: "*" }) });
    await third.waitFor(hasFrame((f) => f.T === "error" && f.code === 406));
    expect((await third.closed).code).toBe(1008);
  });

  it("closes a socket that does not authenticate within the deadline and frees its place", async () => {
    await start(500);
    const c = await connect("/v1/data/stream/v2/iex");
    await until(() => gw.service.stats().pending === 1);
    const started = Date.now();
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1008, reason: "auth timeout" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(c.messages).toContainEqual([{ T: "error", code: 404, msg: "auth timeout" }]);
    await until(() => gw.service.stats().pending === 0);
  });
});
