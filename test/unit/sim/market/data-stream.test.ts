import { decode, decodeTimestampToTimeSpec, EXT_TIMESTAMP, ExtensionCodec } from "@msgpack/msgpack";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { isRegularSessionOpen } from "../../../../src/sim/calendar.js";
import type { SimClock } from "../../../../src/sim/contract.js";
import {
  createPriceEngine,
  type DataStreamDeps,
  handleDataStream,
  registerMarketDataRoutes,
} from "../../../../src/sim/market/index.js";
import { createTestRegistry, createTestRouter, startWsHarness, type WsHarness } from "./harness.js";

type Frame = Record<string, unknown>;

const codec = new ExtensionCodec();
codec.register({
  type: EXT_TIMESTAMP,
  encode: () => null,
  decode: (d: Uint8Array) => decodeTimestampToTimeSpec(d),
});

/** A clock running `speed`× real time from `startMs`; open or closed as told. */
function fastClock(startMs: number, speed: number, open: boolean): SimClock {
  const real0 = Date.now();
  return { now: () => startMs + (Date.now() - real0) * speed, isOpen: () => open };
}

interface Client {
  ws: WebSocket;
  frames: Frame[];
  messages: number;
  closed: Promise<number>;
  waitFor(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  send(msg: unknown): void;
}

async function connect(url: string, msgpack = false): Promise<Client> {
  const ws = new WebSocket(url, msgpack ? { headers: { "Content-Type": "application/msgpack" } } : {});
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  const client: Client = {
    ws,
    frames,
    messages: 0,
    closed: new Promise((resolve) => ws.once("close", (code) => resolve(code))),
    send: (msg) => ws.send(JSON.stringify(msg)),
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = frames.find(pred);
          if (hit) resolve(hit);
          return hit !== undefined;
        };
        if (check()) return;
        const timer = setTimeout(
          () => reject(new Error(`timed out; frames: ${JSON.stringify(frames).slice(0, 500)}`)),
          timeoutMs,
        );
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
      });
    },
  };
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const msg = msgpack ? decode(data, { extensionCodec: codec }) : JSON.parse(data.toString("utf8"));
    expect(isBinary).toBe(msgpack);
    expect(Array.isArray(msg)).toBe(true);
    client.messages++;
    frames.push(...(msg as Frame[]));
    for (const w of [...waiters]) w();
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return client;
}

let harness: WsHarness | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await harness?.close();
  harness = undefined;
});

async function setup(extra: Partial<DataStreamDeps> & { clock?: SimClock } = {}) {
  const clock = extra.clock ?? fastClock(Date.parse("2025-03-04T15:00:00Z"), 60, true);
  const prices = createPriceEngine({ seed: 5, clock });
  const streams = createTestRegistry();
  harness = await startWsHarness((socket, req, feed) =>
    handleDataStream(socket, req, {
      feed,
      prices,
      clock,
      streams,
      authenticate: (key, secret) => (secret === "good" ? key : undefined),
      tickIntervalMs: 20,
      ...extra,
    }),
  );
  const url = harness.url;
  const open = async (feed = "iex", msgpack = false): Promise<Client> => {
    const c = await connect(`${url}/v2/${feed}`, msgpack);
    clients.push(c);
    await c.waitFor((f) => f.msg === "connected");
    return c;
  };
  const authed = async (key: string, feed = "iex", msgpack = false): Promise<Client> => {
    const c = await open(feed, msgpack);
    c.send({ action: "auth", key, secret: "good" });
    await c.waitFor((f) => f.msg === "authenticated");
    return c;
  };
  return { clock, prices, streams, open, authed };
}

describe("market-data stream protocol", () => {
  it("connects, authenticates, and answers subscribe/unsubscribe with the full lists", async () => {
    const { authed, streams } = await setup();
    const c = await authed("K1");
    expect(streams.count("K1", "iex")).toBe(1);
    c.send({ action: "subscribe", trades: ["AAPL", "MSFT"], quotes: ["AAPL"], bars: ["*"], statuses: ["*"] });
    const sub = await c.waitFor((f) => f.T === "subscription");
    expect(sub).toMatchObject({
      trades: ["AAPL", "MSFT"],
      quotes: ["AAPL"],
      bars: ["*"],
      statuses: ["*"],
      dailyBars: [],
      updatedBars: [],
    });
    c.send({ action: "unsubscribe", trades: ["AAPL"], bars: ["*"] });
    const sub2 = await c.waitFor((f) => f.T === "subscription" && (f.trades as string[]).length === 1);
    expect(sub2).toMatchObject({ trades: ["MSFT"], quotes: ["AAPL"], bars: [] });
    c.ws.close();
    await c.closed;
    await expect.poll(() => streams.count("K1", "iex")).toBe(0);
  });

  it("errors: 401 before auth, 400 invalid syntax, 403 already authenticated, 402 auth failed", async () => {
    const { open } = await setup();
    const c = await open();
    c.send({ action: "subscribe", trades: ["AAPL"] });
    await c.waitFor((f) => f.T === "error" && f.code === 401 && f.msg === "not authenticated");
    c.ws.send("{not json");
    await c.waitFor((f) => f.T === "error" && f.code === 400 && f.msg === "invalid syntax");
    c.send({ action: "dance" });
    expect(c.frames.filter((f) => f.code === 400).length).toBeGreaterThanOrEqual(1);
    c.send({ action: "auth", key: "K2", secret: "good" });
    await c.waitFor((f) => f.msg === "authenticated");
    c.send({ action: "subscribe", trades: "AAPL" });
    await c.waitFor((f) => f.code === 400 && c.frames.filter((g) => g.code === 400).length >= 3);
    c.send({ action: "auth", key: "K2", secret: "good" });
    await c.waitFor((f) => f.code === 403 && f.msg === "already authenticated");
    const bad = await open();
    bad.send({ action: "auth", key: "K3", secret: "wrong" });
    await bad.waitFor((f) => f.code === 402 && f.msg === "auth failed");
    await bad.closed;
  });

  it("406 for a second connection of the same key on any data feed; allowed again after the first closes", async () => {
    const { open, authed, streams } = await setup();
    const first = await authed("K4", "iex");
    const second = await open("sip");
    second.send({ action: "auth", key: "K4", secret: "good" });
    await second.waitFor((f) => f.code === 406 && f.msg === "connection limit exceeded");
    await second.closed;
    first.ws.close();
    await first.closed;
    await expect.poll(() => streams.count("K4", "iex")).toBe(0);
    const third = await authed("K4", "test");
    expect(third.frames.some((f) => f.msg === "authenticated")).toBe(true);
  });

  it("404 auth timeout, 405 symbol limit, 409 insufficient subscription", async () => {
    const { open, authed } = await setup({
      authTimeoutMs: 50,
      maxSymbols: 2,
      allowFeed: (_k, feed) => feed !== "sip",
    });
    const idle = await open();
    await idle.waitFor((f) => f.code === 404 && f.msg === "auth timeout");
    await idle.closed;
    const c = await authed("K5");
    c.send({ action: "subscribe", trades: ["AAPL", "MSFT", "NVDA"] });
    await c.waitFor((f) => f.code === 405 && f.msg === "symbol limit exceeded");
    const sip = await open("sip");
    sip.send({ action: "auth", key: "K6", secret: "good" });
    await sip.waitFor((f) => f.code === 409 && f.msg === "insufficient subscription");
  });
});

describe("market-data stream data", () => {
  it("streams the same trades, quotes and bars as REST (JSON)", async () => {
    const { authed, prices, clock } = await setup();
    const router = createTestRouter();
    registerMarketDataRoutes(router, { prices, clock, assets: [] });
    const c = await authed("K7");
    c.send({ action: "subscribe", trades: ["AAPL"], quotes: ["AAPL"], bars: ["AAPL"] });
    const bar = await c.waitFor((f) => f.T === "b", 8000);
    const trades = c.frames.filter((f) => f.T === "t");
    expect(trades.length).toBeGreaterThan(0);
    const first = trades[0] as Frame;
    const last = trades[trades.length - 1] as Frame;
    const rest = await router.call(`/v2/stocks/AAPL/trades?start=${first.t}&end=${last.t}&limit=10000`);
    const restTrades = (rest.body as { trades: Frame[] }).trades;
    expect(trades.map(({ T, S, ...tr }) => tr)).toEqual(restTrades);
    const restBars = await router.call(`/v2/stocks/AAPL/bars?timeframe=1Min&start=${bar.t}&end=${bar.t}`);
    const { T, S, ...streamBar } = bar;
    expect((restBars.body as { bars: Frame[] }).bars[0]).toEqual(streamBar);
    const quote = c.frames.find((f) => f.T === "q") as Frame;
    expect(Number(quote.ap)).toBeGreaterThan(Number(quote.bp));
  });

  it("speaks msgpack when asked, with timestamp extensions that carry nanoseconds", async () => {
    const { authed, prices, clock } = await setup();
    const router = createTestRouter();
    registerMarketDataRoutes(router, { prices, clock, assets: [] });
    const c = await authed("K8", "iex", true);
    c.send({ action: "subscribe", trades: ["MSFT"] });
    const trade = await c.waitFor((f) => f.T === "t", 8000);
    const ts = trade.t as { sec: number; nsec: number };
    expect(typeof ts.sec).toBe("number");
    const iso = `${new Date(ts.sec * 1000).toISOString().slice(0, 19)}.${String(ts.nsec).padStart(9, "0")}Z`;
    const rest = await router.call(`/v2/stocks/MSFT/trades?start=${iso}&limit=1`);
    const r0 = (rest.body as { trades: Frame[] }).trades[0] as Frame;
    expect(r0.t).toBe(iso);
    expect(r0.p).toBe(trade.p);
    expect(r0.i).toBe(trade.i);
  });

  it("the test feed streams FAKEPACA while the market is closed; iex stays quiet", async () => {
    const { authed } = await setup({ clock: fastClock(Date.parse("2025-03-08T03:00:00Z"), 60, false) });
    const test = await authed("K9", "test");
    const iex = await authed("K10", "iex");
    test.send({ action: "subscribe", trades: ["*"] });
    iex.send({ action: "subscribe", trades: ["*"], quotes: ["*"] });
    const t = await test.waitFor((f) => f.T === "t", 8000);
    expect(t.S).toBe("FAKEPACA");
    expect(iex.frames.filter((f) => f.T === "t" || f.T === "q")).toEqual([]);
  });

  it("at the opening bell: a status frame, and no trades or bars from before 09:30", async () => {
    const start = Date.parse("2025-03-04T14:29:40Z"); // 09:29:40 New York
    // Time stands still until the subscription is acknowledged, then runs 60× (so a slow machine
    // cannot let the opening bell pass before the client is listening).
    let real0: number | undefined;
    const simNow = (): number => (real0 === undefined ? start : start + (Date.now() - real0) * 60);
    const clock: SimClock = { now: simNow, isOpen: (at?: number) => isRegularSessionOpen(at ?? simNow()) };
    const { authed } = await setup({ clock });
    const c = await authed("K12");
    c.send({ action: "subscribe", trades: ["AAPL", "MSFT"], bars: ["AAPL"], statuses: ["AAPL"] });
    await c.waitFor((f) => f.T === "subscription");
    real0 = Date.now();
    const bar = await c.waitFor((f) => f.T === "b", 8000);
    expect(bar.t).toBe("2025-03-04T14:30:00Z");
    const status = await c.waitFor((f) => f.T === "s");
    expect(status).toMatchObject({ S: "AAPL", sc: "T", t: "2025-03-04T14:30:00.000000000Z" });
    const trades = c.frames.filter((f) => f.T === "t");
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) expect(String(t.t) >= "2025-03-04T14:30:00").toBe(true);
  });

  it("batches: one message per tick carries frames of many symbols", async () => {
    const { authed } = await setup();
    const c = await authed("K11");
    const symbols = Array.from({ length: 60 }, (_, i) => `S${i}`);
    c.send({ action: "subscribe", quotes: symbols });
    await c.waitFor((f) => f.T === "subscription");
    const before = c.messages;
    const started = Date.now();
    await expect
      .poll(() => c.frames.filter((f) => f.T === "q").length, { timeout: 5000 })
      .toBeGreaterThan(200);
    const quotes = c.frames.filter((f) => f.T === "q");
    const dataMessages = c.messages - before;
    const elapsedMs = Date.now() - started;
    // 60 symbols × ~1 quote per simulated second at 60× speed ≈ 3,500 quotes a second,
    // delivered in about one message per 20 ms tick.
    expect(quotes.length).toBeGreaterThan(200);
    expect(dataMessages).toBeLessThanOrEqual(Math.ceil(elapsedMs / 20) + 3);
    expect(quotes.length / dataMessages).toBeGreaterThan(10);
  });
});
