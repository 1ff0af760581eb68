/**
 * Throughput measurement of the market-data simulator (not a timed assertion: it only runs with
 * PADDOCK_MEASURE=1 and prints figures; the assertions check correctness of what was delivered).
 *   PADDOCK_MEASURE=1 npx vitest run test/unit/sim/market/throughput.test.ts
 */
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TICKERS } from "../../../../src/sim/assets/ticker-list.js";
import type { SimClock } from "../../../../src/sim/contract.js";
import { startSim } from "../../../../src/sim/index.js";
import { handleDataStream } from "../../../../src/sim/market/data-stream.js";
import { createMarketData } from "../../../../src/sim/market/market-data.js";
import { createPriceEngine } from "../../../../src/sim/market/price-engine.js";
import {
  CHANNELS,
  type Channel,
  type ChannelSubs,
  createStreamHub,
} from "../../../../src/sim/market/stream-hub.js";
import { createTestRegistry, startWsHarness } from "./harness.js";

const measure = process.env.PADDOCK_MEASURE === "1";
const SYMBOLS = TICKERS.trim()
  .split("\n")
  .map((l) => l.split("|")[0] ?? "")
  .filter((s) => /^[A-Z]+$/.test(s))
  .slice(0, 100);

function subs(symbols: string[], channels: Channel[]): Record<Channel, ChannelSubs> {
  return Object.fromEntries(
    CHANNELS.map((c) => [c, { symbols: new Set(channels.includes(c) ? symbols : []), all: false }]),
  ) as Record<Channel, ChannelSubs>;
}

describe.runIf(measure)("market-data throughput (measurement)", () => {
  it("server tick loop: frames built, encoded and handed to sockets per second", () => {
    let simNow = Date.parse("2025-03-04T15:00:00Z");
    const clock: SimClock = { now: () => simNow, isOpen: () => true };
    const md = createMarketData({ prices: createPriceEngine({ seed: 1, clock }), clock });
    const hub = createStreamHub(md, { tickIntervalMs: 1_000_000, wildcard: () => [] });
    for (const msgpack of [false, true]) {
      let frames = 0;
      let bytes = 0;
      const conns = Array.from({ length: 500 }, () => ({
        feed: "iex",
        msgpack,
        subs: subs(SYMBOLS, ["trades", "quotes"]),
        send(data: string | Buffer) {
          bytes += data.length;
          frames++;
          return true;
        },
      }));
      for (const c of conns) hub.add(c);
      const expectedFrames = { n: 0 };
      const t0 = performance.now();
      let ticks = 0;
      while (performance.now() - t0 < 3000) {
        simNow += 1000; // one simulated second per tick: ~1 quote + ~0.06 trades per symbol
        hub.tick();
        ticks++;
      }
      const secs = (performance.now() - t0) / 1000;
      for (const c of conns) hub.remove(c);
      // count frames per message from one connection's view: every symbol quotes once per second
      expectedFrames.n = ticks * SYMBOLS.length * 500;
      const msgs = frames;
      frames = 0;
      console.log(
        `[tick loop ${msgpack ? "msgpack" : "json"}] 500 conns × 100 symbols: ${ticks} ticks in ${secs.toFixed(2)} s, ` +
          `${msgs} messages, ≥${expectedFrames.n} frames → ≥${Math.round(expectedFrames.n / secs).toLocaleString()} frames/s, ` +
          `${(bytes / secs / 1e6).toFixed(1)} MB/s`,
      );
      expect(msgs).toBe(ticks * 500);
    }
  });

  it("end to end over real WebSockets: frames received per second", async () => {
    const real0 = Date.now();
    const speed = Number(process.env.PADDOCK_MEASURE_SPEED ?? 2); // simulated seconds per real second
    const clock: SimClock = {
      now: () => Date.parse("2025-03-04T15:00:00Z") + (Date.now() - real0) * speed,
      isOpen: () => true,
    };
    const prices = createPriceEngine({ seed: 2, clock });
    const streams = createTestRegistry();
    const harness = await startWsHarness((socket, req, feed) =>
      handleDataStream(socket, req, {
        feed,
        prices,
        clock,
        streams,
        authenticate: (k) => k,
        tickIntervalMs: 100,
      }),
    );
    const N = 250;
    let frames = 0;
    let messages = 0;
    const sockets: WebSocket[] = [];
    try {
      await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const ws = new WebSocket(`${harness.url}/v2/iex`, { perMessageDeflate: false });
          sockets.push(ws);
          await new Promise((r) => ws.once("open", r));
          ws.on("message", (d: Buffer) => {
            const arr = JSON.parse(d.toString("utf8")) as Array<{ T: string }>;
            messages++;
            for (const f of arr) if (f.T === "q" || f.T === "t") frames++;
          });
          ws.send(JSON.stringify({ action: "auth", key: `K${i}`, secret: "x" }));
          ws.send(JSON.stringify({ action: "subscribe", trades: SYMBOLS, quotes: SYMBOLS }));
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      const f0 = frames;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 5000));
      const secs = (performance.now() - t0) / 1000;
      const got = frames - f0;
      console.log(
        `[end to end json] ${N} clients × 100 symbols (trades+quotes), sim speed ${speed}×, clients in the same process: ` +
          `${Math.round(got / secs).toLocaleString()} frames/s received, ${messages} messages`,
      );
      expect(got).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.terminate();
      await harness.close();
    }
  }, 60_000);

  it("REST: 100-symbol snapshot requests per second (10 connections)", async () => {
    const sim = await startSim({ seed: 3, rateLimitPerMinute: 0 });
    sim.clock.setAt(Date.parse("2025-03-04T16:00:00Z"));
    const pool = new Pool(sim.url, { connections: 10 });
    const path = `/v2/stocks/snapshots?symbols=${SYMBOLS.join(",")}`;
    const headers = { "APCA-API-KEY-ID": "BENCH", "APCA-API-SECRET-KEY": "x" };
    try {
      const lat: number[] = [];
      let bytes = 0;
      let ok = 0;
      const end = performance.now() + 5000;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (performance.now() < end) {
            const s = performance.now();
            const r = await pool.request({ method: "GET", path, headers });
            const text = await r.body.text();
            lat.push(performance.now() - s);
            bytes += text.length;
            if (r.statusCode === 200 && Object.keys(JSON.parse(text) as object).length === 100) ok++;
          }
        }),
      );
      lat.sort((a, b) => a - b);
      const q = (p: number): string =>
        (lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0).toFixed(2);
      console.log(
        `[REST snapshots] 100 symbols: ${(lat.length / 5).toFixed(0)} req/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, ` +
          `${(bytes / lat.length / 1024).toFixed(1)} KB/response`,
      );
      expect(ok).toBe(lat.length);
    } finally {
      await pool.close();
      await sim.close();
    }
  }, 60_000);
});
