/**
 * Stream ownership across the workers of one instance without Redis: two gateway stream
 * services (the workers) wired to one primary broker over the batched loopback channel, in
 * front of a fake Alpaca. Exactly one upstream data connection and one trading stream in
 * total, messages reaching clients on both workers (data filtered by each one's symbols) with
 * one trade sequence; when the owner dies another worker takes over, data resumes, and the
 * trade update of the takeover gap is delivered once, numbered on.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createLoopback,
  createPort,
  type RawEndpoint,
  type ToPrimary,
  type ToWorker,
} from "../../../src/cluster/ipc.js";
import { createPrimaryHub, type PrimaryHub } from "../../../src/cluster/primary-hub.js";
import { createStreamBroker } from "../../../src/cluster/stream-broker.js";
import { createWorkerCoordinator } from "../../../src/cluster/worker-coordinator.js";
import { systemClock } from "../../../src/resilience/clock.js";
import { type FakeAlpaca, startFakeAlpaca } from "../streams/fake-alpaca.js";
import { type Harness, startHarness } from "../streams/harness.js";
import { connectClient, hasFrame, type TestClient, until } from "../streams/ws-client.js";

interface Worker {
  readonly gw: Harness;
  /** Dies: nothing more leaves it, its connections drop, then the primary notices its channel closed. */
  crash(): Promise<void>;
  /** Data-frame messages it handed to the primary. */
  framesSent(): number;
}

let fake: FakeAlpaca;
let hub: PrimaryHub;
const open: Worker[] = [];

beforeEach(async () => {
  fake = await startFakeAlpaca();
  hub = createPrimaryHub({ clock: systemClock, graceMs: 200, defaultMetrics: false });
});
afterEach(async () => {
  for (const w of open.splice(0)) await w.gw.close().catch(() => undefined);
  hub.close();
  await fake.close();
});

async function worker(id: number): Promise<Worker> {
  const link = createLoopback();
  let dead = false;
  let frames = 0;
  const endpoint: RawEndpoint = {
    send: (e) => {
      frames += (e as { paddock: ToPrimary[] }).paddock.filter((m) => m.t === "frames").length;
      return dead ? false : link.worker.send(e);
    },
    subscribe: (m, c) => link.worker.subscribe(m, c),
  };
  hub.attach(id, createPort<ToWorker, ToPrimary>(link.primary));
  const port = createPort<ToPrimary, ToWorker>(endpoint);
  const gw = await startHarness({
    upstreamUrl: fake.url,
    coordinator: (parts) => createWorkerCoordinator(port, parts),
    streams: { unsubscribeGraceMs: 200 },
    tuning: { backoff: { baseMs: 100, maxMs: 1000 } },
  });
  const w: Worker = {
    gw,
    framesSent: () => frames,
    async crash() {
      dead = true;
      await gw.close();
      link.close();
    },
  };
  open.push(w);
  return w;
}

const dataClient = async (w: Worker, subscribe: object): Promise<TestClient> => {
  const c = await connectClient(`${w.gw.wsUrl}/v1/data/stream/v2/iex`, {
    token: w.gw.token({ scopes: ["data"], accounts: "*" }),
  });
  c.send({ action: "subscribe", ...subscribe });
  await c.waitFor(hasFrame((f) => f.T === "subscription"));
  return c;
};

const tradeClient = async (w: Worker): Promise<TestClient> => {
  const c = await connectClient(`${w.gw.wsUrl}/v1/stream/trade_updates`, {
    token: w.gw.token({ scopes: ["read"], accounts: ["acct-1"] }),
  });
  c.send({ action: "listen", data: { streams: ["trade_updates"] } });
  await c.waitFor((m) => (m as { stream: string }).stream === "listening");
  return c;
};

interface Update {
  stream: string;
  seq: number;
  account_id: string;
  data?: { event: string; order: { id: string } };
}
const updates = (c: TestClient): Update[] =>
  (c.messages as Update[]).filter((m) => m.stream === "trade_updates" && m.data);

const order = (id: string, status: string, filled: string, updatedAt: string) => ({
  id,
  client_order_id: `c-${id}`,
  symbol: "AAPL",
  qty: "10",
  filled_qty: filled,
  filled_avg_price: filled === "0" ? null : "187.5",
  status,
  side: "buy",
  type: "market",
  time_in_force: "day",
  created_at: "2026-11-25T15:00:00Z",
  updated_at: updatedAt,
});

describe("stream broker", () => {
  it("moves a dead owner's connections to the workers with demand that own least", () => {
    const sent: Array<[number, ToWorker]> = [];
    const broker = createStreamBroker({
      send: (w, m) => sent.push([w, m]),
      graceMs: 1000,
      clock: systemClock,
    });
    for (const w of [1, 2, 3]) {
      for (const a of ["a", "b", "c", "d"]) broker.handle(w, { t: "demand", r: `trading:${a}`, v: true });
    }
    broker.handle(3, { t: "demand", r: "data:iex", v: { trades: ["AAPL"] } });
    expect([...broker.owners().values()]).toEqual([1, 1, 1, 1, 3]);
    sent.length = 0;
    broker.workerGone(1);
    // workers 2 and 3 share the four accounts, one at a time to whichever owns less (3 owned the feed)
    expect(Object.fromEntries(broker.owners())).toEqual({
      "trading:a": 2,
      "trading:b": 2,
      "trading:c": 3,
      "trading:d": 2,
      "data:iex": 3,
    });
    expect(sent.filter(([, m]) => m.t === "own")).toHaveLength(4);
    broker.close();
  });
});

describe("streams across workers, ownership by the primary (no Redis)", () => {
  it("one upstream data connection and one trading stream; clients on both workers get theirs", async () => {
    const a = await worker(1);
    const b = await worker(2);
    const ca = await dataClient(a, { trades: ["AAPL"] });
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("AAPL") === true, 5000);
    // while only the owner wants the feed, its frames stay in its process
    fake.emit("iex", [{ T: "t", S: "AAPL", p: 0.5, t: "2026-11-25T14:59:59Z" }]);
    await ca.waitFor(hasFrame((f) => f.T === "t" && f.p === 0.5));
    expect(a.framesSent()).toBe(0);
    const cb = await dataClient(b, { trades: ["MSFT"] });
    await until(() => {
      const subs = fake.dataConns("iex")[0]?.subs.trades;
      return subs?.has("AAPL") === true && subs.has("MSFT");
    }, 5000);
    fake.emit("iex", [
      { T: "t", S: "AAPL", p: 1, t: "2026-11-25T15:00:00Z" },
      { T: "t", S: "MSFT", p: 2, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(await ca.waitFor(hasFrame((f) => f.T === "t" && f.p === 1))).toEqual([
      { T: "t", S: "AAPL", p: 1, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(await cb.waitFor(hasFrame((f) => f.T === "t"))).toEqual([
      { T: "t", S: "MSFT", p: 2, t: "2026-11-25T15:00:00Z" },
    ]);
    expect(a.framesSent()).toBeGreaterThan(0);
    expect(fake.stats.dataConnects).toBe(1);
    expect(fake.stats.refused406).toBe(0);
    expect([a, b].filter((w) => w.gw.service.stats().owned.includes("data:iex"))).toHaveLength(1);
    expect(hub.broker.owners().get("data:iex")).toBe(1);

    const ta = await tradeClient(a);
    const tb = await tradeClient(b);
    await until(() => fake.listening("KEY-1") === 1, 5000);
    fake.emitTrade("KEY-1", { event: "new", order: order("o1", "new", "0", "2026-11-25T15:00:00Z") });
    await until(() => updates(ta).length === 1 && updates(tb).length === 1, 5000);
    expect(updates(ta)[0]).toMatchObject({ account_id: "acct-1", seq: 1 });
    expect(updates(tb)[0]).toMatchObject({ account_id: "acct-1", seq: 1 });
    expect(fake.stats.tradingConnects).toBe(1);
    expect(hub.broker.owners().get("trading:acct-1")).toBe(1); // the first worker to want it

    // when nobody wants the feed any more, its owner closes it after the grace
    ca.close();
    cb.close();
    await until(() => fake.dataConns("iex").length === 0, 5000);
    expect(hub.broker.owners().has("data:iex")).toBe(false);
    for (const c of [ta, tb]) c.close();
  });

  it("when the owner dies another worker takes over: data resumes, the gap's trade update comes once", async () => {
    const a = await worker(1);
    const b = await worker(2);
    const ca = await dataClient(a, { trades: ["AAPL"] });
    const ta = await tradeClient(a);
    await until(() => fake.listening("KEY-1") === 1, 5000);
    const cb = await dataClient(b, { trades: ["MSFT"] });
    const tb = await tradeClient(b);
    await until(() => fake.dataConns("iex")[0]?.subs.trades?.has("MSFT") === true, 5000);
    expect([...a.gw.service.stats().owned].sort()).toEqual(["data:iex", "trading:acct-1"]);
    fake.emitTrade("KEY-1", { event: "new", order: order("o1", "new", "0", "2026-11-25T15:00:00Z") });
    await until(() => updates(tb).length === 1, 5000);

    await a.crash();
    ca.close();
    ta.close();
    // while nobody owned the account's stream, o1 filled
    fake.orders.set("KEY-1", [order("o1", "filled", "10", "2026-11-25T15:00:05Z")]);
    await until(() => b.gw.service.stats().owned.length === 2, 5000);
    await until(
      () => fake.dataConns("iex").length === 1 && fake.dataConns("iex")[0]!.subs.trades?.has("MSFT") === true,
      10_000,
    );
    const from = cb.messages.length;
    fake.emit("iex", [{ T: "t", S: "MSFT", p: 3, t: "2026-11-25T15:00:01Z" }]);
    await cb.waitFor(
      hasFrame((f) => f.T === "t" && f.p === 3),
      5000,
      from,
    );
    await until(() => fake.listening("KEY-1") === 1, 5000);
    await until(() => updates(tb).length === 2, 5000);
    fake.emitTrade("KEY-1", { event: "new", order: order("o2", "new", "0", "2026-11-25T15:00:09Z") });
    await until(() => updates(tb).length === 3, 5000);
    expect(updates(tb).map((u) => [u.seq, u.data?.order.id, u.data?.event])).toEqual([
      [1, "o1", "new"],
      [2, "o1", "fill"],
      [3, "o2", "new"],
    ]);
    expect(fake.stats.refused406).toBe(0);
    expect(fake.dataConns("iex")).toHaveLength(1);
    expect(fake.tradingConns("KEY-1")).toHaveLength(1);
    cb.close();
    tb.close();
  });
});
