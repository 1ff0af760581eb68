/**
 * Trade updates published to the real Mosquitto on 127.0.0.1:1883, and the
 * silence watchdog: a connected but silent upstream is replaced while the market
 * is open, and left alone while it is closed.
 */
import { connectAsync } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame, until } from "./ws-client.js";

let fake: FakeAlpaca;
const open: Harness[] = [];

beforeEach(async () => {
  fake = await startFakeAlpaca();
});
afterEach(async () => {
  for (const gw of open.splice(0)) await gw.close();
  await fake.close();
});

describe("event sinks", () => {
  it("publishes each trade update to paddock/<account>/trade_updates over MQTT", async () => {
    const gw = await startHarness({ upstreamUrl: fake.url, streams: { mqttUrl: "mqtt://127.0.0.1:1883" } });
    open.push(gw);
    const sub = await connectAsync("mqtt://127.0.0.1:1883", { connectTimeout: 3000 });
    const seen: {
      topic: string;
      body: { account_id: string; seq: number; data: { order: { id: string } } };
    }[] = [];
    const orderId = `mqtt-${Date.now()}-${Math.random()}`;
    sub.on("message", (topic, payload) => {
      const body = JSON.parse(payload.toString()) as (typeof seen)[number]["body"];
      if (body.data.order.id === orderId) seen.push({ topic, body });
    });
    await sub.subscribeAsync("paddock/acct-1/trade_updates", { qos: 1 });
    try {
      const c = await connectClient(`${gw.wsUrl}/v1/accounts/acct-1/stream`, {
        token: gw.token({ scopes: ["read"], accounts: ["acct-1"] }),
      });
      c.send({ action: "listen", data: { streams: ["trade_updates"] } });
      await until(() => fake.listening("KEY-1") === 1);
      fake.emitTrade("KEY-1", { event: "new", order: { id: orderId, status: "new", filled_qty: "0" } });
      await until(() => seen.length === 1, 5000);
      expect(seen[0]).toEqual({
        topic: "paddock/acct-1/trade_updates",
        body: {
          account_id: "acct-1",
          seq: 1,
          data: { event: "new", order: { id: orderId, status: "new", filled_qty: "0" } },
        },
      });
      c.close();
    } finally {
      await sub.endAsync();
    }
  });
});

describe("silence watchdog", () => {
  const subscribe = async (gw: Harness, feed: string) => {
    const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/${feed}`, {
      token: gw.token({ scopes: ["data"], accounts: "*" }),
    });
    c.send({ action: "subscribe", trades: ["AAPL"] });
    await c.waitFor(hasFrame((f) => f.T === "subscription"));
    return c;
  };

  it("reconnects an upstream that stays connected but silent while the market is open", async () => {
    const gw = await startHarness({
      upstreamUrl: fake.url,
      streams: { silenceTimeoutMs: 1000 },
      tuning: { backoff: { baseMs: 50, maxMs: 100 }, marketOpen: () => true },
    });
    open.push(gw);
    const c = await subscribe(gw, "iex");
    await until(() => fake.stats.dataConnects === 2, 5000);
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("AAPL") === true, 3000);
    fake.emit("iex", [{ T: "t", S: "AAPL", p: 5, t: "2026-11-25T15:00:00Z" }]);
    await c.waitFor(hasFrame((f) => f.T === "t" && f.p === 5));
    c.close();
  });

  it("leaves a silent upstream alone while the market is closed", async () => {
    const gw = await startHarness({
      upstreamUrl: fake.url,
      streams: { silenceTimeoutMs: 1000 },
      tuning: { marketOpen: () => false },
    });
    open.push(gw);
    const c = await subscribe(gw, "iex");
    await new Promise((r) => setTimeout(r, 2000));
    expect(fake.stats.dataConnects).toBe(1);
    c.close();
  });
});
