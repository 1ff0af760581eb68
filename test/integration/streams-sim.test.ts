/**
 * The streams module against the real simulator over real sockets (the sim is
 * Alpaca-shaped: one data connection per key, `/_sim/faults` streamDrop, fills
 * from its own prices): one upstream data connection however many clients,
 * resumed data on every client after an injected drop, and an order filled while
 * the upstream trading stream was down delivered once after the reconnect.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TICKERS } from "../../src/sim/assets/ticker-list.js";
import { type SimHandle, simFetch, startTestSim } from "../helpers/start-sim.js";
import { type Harness, startHarness } from "../unit/streams/harness.js";
import { connectClient, hasFrame, type TestClient, until } from "../unit/streams/ws-client.js";

let sim: SimHandle;
let gw: Harness;

interface Stats {
  streams: Record<string, Record<string, number>>;
}
const stats = async (): Promise<Stats> => (await simFetch(sim, "GET", "/_sim/stats")).body as Stats;

beforeEach(async () => {
  sim = await startTestSim();
  gw = await startHarness({
    upstreamUrl: sim.url,
    accounts: 2,
    streams: { maxClients: 600 },
    tuning: { backoff: { baseMs: 400, maxMs: 2000 } },
  });
});
afterEach(async () => {
  await gw.close();
  await sim.close();
});

describe("streams against the simulator", () => {
  it("20 clients on the test feed share one upstream connection and all resume after a streamDrop fault", async () => {
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const clients: TestClient[] = [];
    for (let i = 0; i < 20; i++) {
      const c = await connectClient(`${gw.wsUrl}/v1/data/stream/v2/test`, { token, msgpack: i % 2 === 1 });
      c.send({ action: "subscribe", trades: ["FAKEPACA"], quotes: ["FAKEPACA"] });
      clients.push(c);
    }
    const isData = hasFrame((f) => (f.T === "t" || f.T === "q") && f.S === "FAKEPACA");
    await Promise.all(clients.map((c) => c.waitFor(isData, 10_000)));
    const s = await stats();
    const dataConns = Object.values(s.streams).reduce((n, byFeed) => n + (byFeed.test ?? 0), 0);
    expect(dataConns).toBe(1);

    const fault = await simFetch(sim, "POST", "/_sim/faults", { body: { streamDrop: true } });
    expect(fault.status).toBeLessThan(300);
    await Promise.all(
      clients.map((c) =>
        c.waitFor(
          hasFrame((f) => f.T === "upstream" && f.status === "down"),
          5000,
        ),
      ),
    );
    const marks = clients.map((c) => c.messages.length);
    await Promise.all(clients.map((c, i) => c.waitFor(isData, 10_000, marks[i])));
    const after = await stats();
    expect(Object.values(after.streams).reduce((n, byFeed) => n + (byFeed.test ?? 0), 0)).toBe(1);
    for (const c of clients) c.close();
  });

  it("500 clients subscribed to 100 symbols each all receive data over one upstream connection", async () => {
    await simFetch(sim, "POST", "/_sim/clock", { body: { open: true } });
    const universe = TICKERS.split("\n")
      .map((line) => line.split("|")[0]!.trim())
      .filter((t) => /^[A-Z]+$/.test(t))
      .slice(0, 150);
    expect(universe).toHaveLength(150);
    const token = gw.token({ scopes: ["data"], accounts: "*" });
    const clients: TestClient[] = [];
    for (let i = 0; i < 500; i++) {
      clients.push(await connectClient(`${gw.wsUrl}/v1/data/stream/v2/iex`, { token, msgpack: i % 2 === 0 }));
    }
    const mine = (i: number) => universe.slice(i % 50, (i % 50) + 100);
    await Promise.all(
      clients.map(async (c, i) => {
        c.send({ action: "subscribe", trades: mine(i), quotes: mine(i) });
        await c.waitFor(
          hasFrame((f) => f.T === "subscription"),
          20_000,
        );
      }),
    );
    // every client gets data, and only for its own symbols
    await Promise.all(
      clients.map((c, i) => {
        const own = new Set(mine(i));
        return c.waitFor(
          hasFrame((f) => (f.T === "t" || f.T === "q") && own.has(String(f.S))),
          30_000,
        );
      }),
    );
    for (const [i, c] of clients.entries()) {
      const own = new Set(mine(i));
      const foreign = (c.messages as { T: string; S?: string }[][])
        .filter(Array.isArray)
        .flat()
        .filter((f) => (f.T === "t" || f.T === "q") && !own.has(String(f.S)));
      expect(foreign).toEqual([]);
    }
    const s = await stats();
    expect(Object.values(s.streams).reduce((n, byFeed) => n + (byFeed.iex ?? 0), 0)).toBe(1);
    for (const c of clients) c.close();
  }, 120_000);

  it("an order filled while the upstream trading stream was down reaches the native client once", async () => {
    await simFetch(sim, "POST", "/_sim/clock", { body: { open: true } });
    const c = await connectClient(`${gw.wsUrl}/v1/stream/trade_updates`, {
      token: gw.token({ scopes: ["read"], accounts: ["acct-1"] }),
    });
    c.send({ action: "listen", data: { streams: ["trade_updates"] } });
    await c.waitFor((m) => (m as { stream: string }).stream === "listening");
    await until(() => gw.service.stats().up.includes("trading:acct-1"), 5000);

    await simFetch(sim, "POST", "/_sim/faults", { body: { streamDrop: true } });
    await c.waitFor((m) => (m as { data?: { status?: string } }).data?.status === "down", 5000);
    // the upstream is down (reconnect backoff ≥ 200 ms): the order is created and filled now
    const placed = await simFetch(sim, "POST", "/v2/orders", {
      key: "KEY-1",
      secret: "secret-1",
      body: {
        symbol: "AAPL",
        qty: "1",
        side: "buy",
        type: "market",
        time_in_force: "day",
        client_order_id: "missed-1",
      },
    });
    expect(placed.status).toBe(200);
    const id = (placed.body as { id: string }).id;
    type U = { stream: string; seq: number; data: { event: string; order: { id: string; status: string } } };
    const forOrder = (m: unknown) => (m as U).stream === "trade_updates" && (m as U).data.order.id === id;
    await c.waitFor((m) => forOrder(m) && ["fill", "new"].includes((m as U).data.event), 10_000);
    await until(() => gw.service.stats().up.includes("trading:acct-1"), 5000);
    // a later order is a barrier: once its fill is here, a repeat of the first one would be too
    const later = await simFetch(sim, "POST", "/v2/orders", {
      key: "KEY-1",
      secret: "secret-1",
      body: { symbol: "MSFT", qty: "1", side: "buy", type: "market", time_in_force: "day" },
    });
    const laterId = (later.body as { id: string }).id;
    await c.waitFor(
      (m) =>
        (m as U).stream === "trade_updates" &&
        (m as U).data.order.id === laterId &&
        (m as U).data.event === "fill",
      10_000,
    );
    const got = (c.messages as U[]).filter(forOrder);
    const fills = got.filter((u) => u.data.event === "fill");
    expect(fills).toHaveLength(1);
    expect(fills[0]!.data.order.status).toBe("filled");
    // it was recovered from the REST API, not sent live: the fill happened while the stream was down
    expect(fills[0]!.data).toMatchObject({ paddock_backfill: true, qty: "1" });
    expect(got.filter((u) => u.data.event === "new").length).toBeLessThanOrEqual(1);
    const seqs = (c.messages as U[]).filter((m) => m.stream === "trade_updates").map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    c.close();
  });
});
