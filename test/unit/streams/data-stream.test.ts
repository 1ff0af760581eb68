import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame, until } from "./ws-client.js";

let fake: FakeAlpaca;
let gw: Harness;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  gw = await startHarness({ upstreamUrl: fake.url, streams: { maxSymbolsPerClient: 3, maxClients: 4 } });
});
afterEach(async () => {
  await gw.close();
  await fake.close();
});

const trade = (S: string, p: number) => ({
  T: "t",
  S,
  i: 1,
  x: "V",
  p,
  s: 10,
  t: "2026-11-25T15:00:00.123456789Z",
  z: "C",
});
const subscriptionWith = (list: string[]) =>
  hasFrame((f) => f.T === "subscription" && JSON.stringify(f.trades) === JSON.stringify(list));

describe("market-data stream", () => {
  it("fans one upstream connection out to clients by symbol, with diff-only upstream subscriptions", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const a = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token });
    await a.waitFor(hasFrame((f) => f.msg === "authenticated"));
    a.send({ action: "subscribe", trades: ["AAPL"] });
    await a.waitFor(subscriptionWith(["AAPL"]));
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("AAPL") === true);

    const b = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`);
    b.send({ action: "auth", key: "anything", secret: token });
    await b.waitFor(hasFrame((f) => f.msg === "authenticated"));
    b.send({ action: "subscribe", trades: ["AAPL", "MSFT"] });
    await b.waitFor(subscriptionWith(["AAPL", "MSFT"]));
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("MSFT") === true);

    fake.emit("iex", [trade("AAPL", 187.2), trade("MSFT", 410.5)]);
    const got = await b.waitFor(hasFrame((f) => f.T === "t"));
    expect(got).toEqual([trade("AAPL", 187.2), trade("MSFT", 410.5)]);
    const gotA = (await a.waitFor(hasFrame((f) => f.T === "t"))) as unknown[];
    expect(gotA).toEqual([trade("AAPL", 187.2)]);

    // one upstream connection; the second client's subscription went up as a diff
    expect(fake.stats.dataConnects).toBe(1);
    const sent = fake.dataConns("iex")[0]!.received as Record<string, unknown>[];
    expect(sent).toEqual([
      expect.objectContaining({ action: "subscribe", trades: ["AAPL"] }),
      { action: "subscribe", trades: ["MSFT"] },
    ]);

    // a leaves: AAPL is still wanted by b, so nothing is unsubscribed upstream
    a.close();
    await a.closed;
    b.send({ action: "unsubscribe", trades: ["MSFT"] });
    await b.waitFor(subscriptionWith(["AAPL"]));
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("MSFT") === false, 3000);
    expect(fake.dataConns("iex")[0]!.subs.trades!.has("AAPL")).toBe(true);
    expect(sent.at(-1)).toEqual({ action: "unsubscribe", trades: ["MSFT"] });
    expect(
      sent.some((m) => m.action === "unsubscribe" && Array.isArray(m.trades) && m.trades.includes("AAPL")),
    ).toBe(false);

    // the last client leaves: after the grace the upstream connection is released
    b.close();
    await until(() => fake.dataConns("iex").length === 0, 3000);
  });

  it("refuses with Alpaca's error frames: not authenticated, auth failed, symbol limit, connection limit", async () => {
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`);
    c.send({ action: "subscribe", trades: ["AAPL"] });
    await c.waitFor(hasFrame((f) => f.T === "error" && f.code === 401));
    c.send({ action: "auth", key: "k", secret: "not-a-token" });
    await c.waitFor(hasFrame((f) => f.T === "error" && f.code === 402 && f.msg === "auth failed"));
    c.send({ action: "auth", key: "k", secret: gw.token({ scopes: ["data"], accounts: "*" }) });
    await c.waitFor(hasFrame((f) => f.msg === "authenticated"));
    c.send({ action: "subscribe", trades: ["A", "B"], quotes: ["C", "D"] });
    await c.waitFor(hasFrame((f) => f.T === "error" && f.code === 405 && f.msg === "symbol limit exceeded"));
    c.send({ action: "subscribe", trades: "AAPL" });
    await c.waitFor(hasFrame((f) => f.T === "error" && f.code === 400 && f.field === "trades"));

    const noScope = gw.token({ scopes: ["read"], accounts: "*" });
    await expect(connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token: noScope })).rejects.toThrow(
      /403/,
    );
    await expect(connectClient(`${gw.wsUrl}/v1/data/stream/v2/nope`)).rejects.toThrow(/404/);

    // only authenticated connections hold the client slots: the 4th and 5th authenticated are refused
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const others = await Promise.all(
      [1, 2, 3].map(() => connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token })),
    );
    const over = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token });
    await over.waitFor(hasFrame((f) => f.T === "error" && f.code === 406));
    expect((await over.closed).code).toBe(1008);
    const late = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`);
    late.send({ action: "auth", key: "k", secret: token });
    await late.waitFor(hasFrame((f) => f.T === "error" && f.code === 406));
    expect((await late.closed).code).toBe(1008);
    for (const o of others) o.close();
  });

  it("keeps clients connected through an upstream drop, tells them, and resumes data after the reconnect", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token });
    c.send({ action: "subscribe", trades: ["AAPL"], quotes: ["AAPL"] });
    await c.waitFor(hasFrame((f) => f.T === "subscription"));
    await until(() => fake.dataConns("iex")[0]?.subs.quotes?.has("AAPL") === true);
    fake.dropAll();
    await c.waitFor(hasFrame((f) => f.T === "upstream" && f.status === "down"));
    expect(gw.service.stats().down).toEqual(["data:iex"]); // reconnecting after a backoff
    await c.waitFor(
      hasFrame((f) => f.T === "upstream" && f.status === "up"),
      5000,
    );
    await until(() => fake.dataConns("iex")[0]?.subs.quotes?.has("AAPL") === true);
    const from = c.messages.length;
    fake.emit("iex", [trade("AAPL", 190)]);
    await c.waitFor(
      hasFrame((f) => f.T === "t" && f.p === 190),
      5000,
      from,
    );
    expect(fake.stats.dataConnects).toBe(2);
    const metrics = await gw.registry.getSingleMetricAsString("paddock_stream_upstream_reconnects_total");
    expect(metrics).toMatch(/kind="data"} 1/);
  });
});
