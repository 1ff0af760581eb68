/**
 * A client that stops reading is dropped once its send buffer passes the bound,
 * while the others keep receiving everything; and the instance-wide symbol and
 * connection limits hold with many clients.
 */
import type { Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAlpaca, startFakeAlpaca } from "./fake-alpaca.js";
import { type Harness, startHarness } from "./harness.js";
import { connectClient, hasFrame, until } from "./ws-client.js";

let fake: FakeAlpaca;
let gw: Harness;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  gw = await startHarness({ upstreamUrl: fake.url, streams: { sendBufferBytes: 256 * 1024 } });
});
afterEach(async () => {
  await gw.close();
  await fake.close();
});

describe("back-pressure", () => {
  it("drops a client that stops reading, with a reason, and keeps delivering to the others", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const url = `${gw.wsUrl}/v1/data/stream/v2/iex`;
    const slow = await connectClient(url, { token });
    const fast = await connectClient(url, { token });
    for (const c of [slow, fast]) {
      c.send({ action: "subscribe", trades: ["AAPL"] });
      await c.waitFor(hasFrame((f) => f.T === "subscription"));
    }
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("AAPL") === true);
    // stop reading: the kernel buffers fill, then the gateway's buffer grows
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    const pad = "x".repeat(2 * 1024);
    const total = 6000; // ~12 MB: far beyond loopback socket buffers plus the 256 KiB bound
    for (let i = 0; i < total; i++) {
      fake.emit("iex", [{ T: "t", S: "AAPL", i, p: 1, s: 1, t: "2026-11-25T15:00:00Z", pad }]);
      // a steady upstream (bursts of 20 messages) that a reading client keeps up with
      if (i % 20 === 19) await new Promise((r) => setImmediate(r));
    }
    // messages that reach the gateway in one turn may be merged: count frames, not messages
    const ids = () =>
      (fast.messages.filter(hasFrame((f) => f.T === "t")) as { i: number }[][]).flat().map((f) => f.i);
    await until(() => ids().length === total, 20_000).catch((e: unknown) => {
      throw new Error(
        `${String(e)}: fast got ${ids().length}, clients ${gw.service.stats().clients}, msgs ${fast.messages.length}`,
      );
    });
    expect(ids()).toEqual(Array.from({ length: total }, (_, i) => i));

    await until(() => gw.service.stats().clients === 1, 5000);
    expect(await gw.registry.getSingleMetricAsString("paddock_stream_slow_clients_dropped_total")).toMatch(
      /endpoint="data"} 1/,
    );
    // once it reads again, the slow client sees the end of its stream (close or reset)
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await slow.closed;
    fast.close();
  });

  it("serves 500 clients subscribed to 100 symbols each from one upstream connection", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const url = `${gw.wsUrl}/v1/data/stream/v2/test`;
    const clients = [];
    for (let i = 0; i < 500; i++) clients.push(connectClient(url, { token }));
    const all = await Promise.all(clients);
    await Promise.all(
      all.map(async (c, i) => {
        // overlapping but different sets: client i takes 100 symbols of 150 starting at i % 50
        const mine = Array.from({ length: 100 }, (_, k) => `S${String((i % 50) + k).padStart(3, "0")}`);
        c.send({ action: "subscribe", trades: mine });
        await c.waitFor(
          hasFrame((f) => f.T === "subscription"),
          10_000,
        );
      }),
    );
    await until(() => fake.dataConns("test")[0]?.subs.trades?.size === 149, 10_000);
    const frames = Array.from({ length: 150 }, (_, k) => ({
      T: "t",
      S: `S${String(k).padStart(3, "0")}`,
      p: k,
      s: 1,
      t: "2026-11-25T15:00:00Z",
    }));
    fake.emit("test", frames);
    await until(() => all.every((c) => c.messages.some(hasFrame((f) => f.T === "t"))), 10_000);
    for (const [i, c] of all.entries()) {
      const got = c.messages.find(hasFrame((f) => f.T === "t")) as { S: string }[];
      const expected = Array.from({ length: 100 }, (_, k) => `S${String((i % 50) + k).padStart(3, "0")}`);
      expect(got.map((f) => f.S)).toEqual(expected);
    }
    expect(fake.stats.dataConnects).toBe(1);
    expect(fake.dataConns()).toHaveLength(1);
    // the 501st client is refused the way Alpaca refuses
    const over = await connectClient(url, { token });
    await over.waitFor(
      hasFrame((f) => f.T === "error" && f.code === 406 && f.msg === "connection limit exceeded"),
    );
    for (const c of all) c.close();
  }, 60_000);
});
