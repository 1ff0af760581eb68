/**
 * Stream fan-out benchmark (standalone until bench/ has a shared harness).
 *
 * Three processes on 127.0.0.1, so that none of them steals the gateway's event loop:
 *   - upstream: an Alpaca-shaped market-data stream emitting `--rate` messages/s of
 *     `--frames` trade frames each, every frame stamped with its send time;
 *   - gateway (this process): Fastify + @fastify/websocket + the streams route plugin;
 *   - clients: `--clients` WebSocket clients, each subscribed to `--symbols` symbols of a
 *     universe of 2 × symbols (so subscriber sets differ between clients).
 * Reports the fan-out latency (upstream send → client receive) p50/p99/max, the
 * gateway's own hand-off histogram, the messages delivered, and the gateway's memory
 * per client (RSS and heap growth from 0 to all clients connected and subscribed, after GC).
 *
 *   npx tsc --outDir bench/out --rootDir . --module nodenext --moduleResolution nodenext \
 *     --target es2023 --strict --skipLibCheck --resolveJsonModule bench/streams-fanout.ts
 *   node --expose-gc bench/out/bench/streams-fanout.js [--clients 500] [--symbols 100] \
 *     [--rate 200] [--frames 5] [--duration 10] [--msgpack] [--out bench/streams-fanout.results.md]
 */
import { fork } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import websocket from "@fastify/websocket";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { WebSocket, WebSocketServer } from "ws";
import type { Account, Fleet } from "../src/accounts/types.js";
import type { Principal } from "../src/auth/types.js";
import { streamRoutes } from "../src/http/routes/streams.js";
import { silentLogger } from "../src/observability/logger.js";
import { createStreamService } from "../src/streams/stream-service.js";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const CLIENTS = Number(arg("clients", "500"));
const SYMBOLS = Number(arg("symbols", "100"));
const RATE = Number(arg("rate", "200"));
const FRAMES = Number(arg("frames", "5"));
const DURATION_S = Number(arg("duration", "10"));
const MSGPACK = process.argv.includes("--msgpack");
const UNIVERSE = Array.from({ length: SYMBOLS * 2 }, (_, i) => `SYM${String(i).padStart(4, "0")}`);
const wallNow = (): number => performance.timeOrigin + performance.now();

type Msg =
  | { type: "ready"; port?: number }
  | { type: "subscribed" }
  | { type: "result"; latencies: number[]; frames: number; closed: number };

// ---------------------------------------------------------------- upstream role
async function runUpstream(): Promise<void> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const conns = new Set<WebSocket>();
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify([{ T: "success", msg: "connected" }]));
    ws.on("message", (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { action: string };
      if (m.action === "auth") {
        conns.add(ws);
        ws.send(JSON.stringify([{ T: "success", msg: "authenticated" }]));
      }
    });
    ws.on("close", () => conns.delete(ws));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  let timer: NodeJS.Timeout | undefined;
  process.on("message", (m: { type: string }) => {
    if (m.type === "start") {
      let seq = 0;
      const intervalMs = 1000 / RATE;
      let next = performance.now();
      const tick = (): void => {
        const now = performance.now();
        while (next <= now) {
          const frames = Array.from({ length: FRAMES }, () => ({
            T: "t",
            S: UNIVERSE[seq++ % UNIVERSE.length],
            i: seq,
            x: "V",
            p: 100 + (seq % 100) / 100,
            s: 100,
            t: new Date().toISOString(),
            z: "C",
            ts: wallNow(),
          }));
          const text = JSON.stringify(frames);
          for (const c of conns) c.send(text);
          next += intervalMs;
        }
        timer = setTimeout(tick, Math.max(0, next - performance.now()));
      };
      tick();
    }
    if (m.type === "stop") {
      if (timer) clearTimeout(timer);
      process.exit(0);
    }
  });
  process.send?.({ type: "ready", port: (server.address() as AddressInfo).port } satisfies Msg);
}

// ---------------------------------------------------------------- clients role
async function runClients(url: string): Promise<void> {
  const { decode } = await import("@msgpack/msgpack");
  const latencies: number[] = [];
  let frames = 0;
  let closed = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  const subscribed: Promise<void>[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const headers: Record<string, string> = { authorization: "Bearer bench" };
    if (MSGPACK) headers["content-type"] = "application/msgpack";
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    sockets.push(ws);
    const start = (i * 7) % UNIVERSE.length;
    const mine = Array.from({ length: SYMBOLS }, (_, k) => UNIVERSE[(start + k) % UNIVERSE.length]);
    subscribed.push(
      new Promise((resolve, reject) => {
        ws.on("error", reject);
        ws.on("close", () => closed++);
        ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", trades: mine })));
        ws.on("message", (data: Buffer, isBinary: boolean) => {
          const at = wallNow();
          const list = (isBinary ? decode(data) : JSON.parse(data.toString())) as {
            T: string;
            ts?: number;
          }[];
          for (const f of list) {
            if (f.T === "subscription") resolve();
            else if (f.T === "t" && measuring && typeof f.ts === "number") {
              frames++;
              latencies.push(at - f.ts);
            }
          }
        });
      }),
    );
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(subscribed);
  process.send?.({ type: "subscribed" } satisfies Msg);
  process.on("message", (m: { type: string }) => {
    if (m.type === "measure") measuring = true;
    if (m.type === "report") {
      measuring = false;
      process.send?.({ type: "result", latencies, frames, closed } satisfies Msg, () => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------- gateway role (main)
function standInFleet(dataUrl: string): Fleet {
  const account: Account = {
    id: "bench-1",
    mode: "paper",
    tags: [],
    feed: "sip",
    limits: { pdtCheck: false },
    tradingUrl: dataUrl,
    streamUrl: `${dataUrl}/stream`,
    credentials: () => ({ keyId: "BENCH", secretKey: "bench" }),
    status: () => ({
      budget: { limit: 0, remaining: 0, resetAt: 0, queued: 0 },
      breaker: "closed",
      halted: false,
    }),
    request: async () => ({ status: 200, headers: {}, body: Buffer.from('{"is_open":true}') }),
  };
  return {
    get: () => account,
    list: () => [account],
    dataAccounts: () => [account],
    onChange: () => () => undefined,
  };
}

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const once = <T extends Msg["type"]>(
  child: ReturnType<typeof fork>,
  type: T,
): Promise<Extract<Msg, { type: T }>> =>
  new Promise((resolve) => {
    const on = (m: Msg) => {
      if (m.type === type) {
        child.off("message", on);
        resolve(m as Extract<Msg, { type: T }>);
      }
    };
    child.on("message", on);
  });

async function main(): Promise<void> {
  const self = process.argv[1]!;
  const passArgs = process.argv.slice(2);
  const upstream = fork(self, ["--role", "upstream", ...passArgs]);
  const upPort = (await once(upstream, "ready")).port!;
  const registry = new Registry();
  const principal: Principal = {
    sub: "bench",
    scopes: new Set(["data"]),
    accounts: "*",
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  const service = await createStreamService({
    streams: {
      maxClients: CLIENTS + 10,
      maxSymbolsPerClient: SYMBOLS,
      sendBufferBytes: 4_194_304,
      silenceTimeoutMs: 60_000,
      unsubscribeGraceMs: 5000,
      recordTradeUpdates: false,
      upstreamConnectsPerSecond: 50,
      maxPendingClients: CLIENTS + 10,
      authTimeoutMs: 10_000,
    },
    dataStreamUrl: `ws://127.0.0.1:${upPort}`,
    fleet: standInFleet(`http://127.0.0.1:${upPort}`),
    logger: silentLogger(),
    registry,
    redis: undefined,
    redisKeyPrefix: "bench:",
    now: Date.now,
  });
  const auth = {
    authenticate: async () => principal,
    verifyToken: async () => principal,
    verifyKeyPair: async () => principal,
  };
  const app = Fastify();
  app.addHook("onClose", () => service.close());
  await app.register(websocket);
  await app.register(streamRoutes({ auth, service }));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });

  gc();
  const before = process.memoryUsage();
  const clients = fork(self, [
    "--role",
    "clients",
    "--url",
    `${url.replace("http", "ws")}/v1/data/stream/v2/sip`,
    ...passArgs,
  ]);
  await once(clients, "subscribed");
  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const after = process.memoryUsage();

  upstream.send({ type: "start" });
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  registry.resetMetrics();
  clients.send({ type: "measure" });
  const loopStart = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, DURATION_S * 1000));
  const elu = performance.eventLoopUtilization(loopStart).utilization;
  const resultP = once(clients, "result");
  clients.send({ type: "report" });
  const result = await resultP;
  upstream.send({ type: "stop" });
  const handoff =
    (await registry.getSingleMetric("paddock_stream_fanout_latency_seconds")?.get())?.values ?? [];
  const count =
    handoff.find((v) => (v as { metricName?: string }).metricName?.endsWith("_count"))?.value ?? 0;
  const sum = handoff.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"))?.value ?? 0;
  await app.close();

  const lat = result.latencies.sort((a, b) => a - b);
  const perClientHeap = (after.heapUsed - before.heapUsed) / CLIENTS / 1024;
  const perClientRss = (after.rss - before.rss) / CLIENTS / 1024;
  const framesPerSec = RATE * FRAMES;
  const expected = (framesPerSec * DURATION_S * CLIENTS * SYMBOLS) / UNIVERSE.length;
  const lines = [
    "# Stream fan-out benchmark",
    "",
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}.`,
    "",
    `Workload: ${CLIENTS} clients (${MSGPACK ? "msgpack" : "JSON"}), ${SYMBOLS} symbols each out of ${UNIVERSE.length};`,
    `upstream ${RATE} messages/s × ${FRAMES} trade frames = ${framesPerSec} frames/s for ${DURATION_S} s`,
    `(each frame goes to ~${Math.round((CLIENTS * SYMBOLS) / UNIVERSE.length)} clients).`,
    "",
    "| measure | value |",
    "| --- | --- |",
    `| frames delivered to clients | ${result.frames} (expected ≈ ${Math.round(expected)}) |`,
    `| latency upstream send → client receive p50 | ${quantile(lat, 0.5).toFixed(2)} ms |`,
    `| latency p99 | ${quantile(lat, 0.99).toFixed(2)} ms |`,
    `| latency max | ${(lat.at(-1) ?? Number.NaN).toFixed(2)} ms |`,
    `| gateway hand-off per upstream message (mean) | ${count ? ((sum / count) * 1000).toFixed(3) : "n/a"} ms |`,
    `| gateway event-loop utilisation | ${(elu * 100).toFixed(0)} % |`,
    `| gateway heap per client (connected + subscribed) | ${perClientHeap.toFixed(1)} KiB |`,
    `| gateway RSS per client | ${perClientRss.toFixed(1)} KiB |`,
    `| clients closed during the run | ${result.closed} |`,
    "",
  ];
  const text = lines.join("\n");
  process.stdout.write(`${text}\n`);
  const out = arg("out", "");
  if (out) await writeFile(out, text);
  process.exit(0);
}

const role = arg("role", "main");
if (role === "upstream") void runUpstream();
else if (role === "clients") void runClients(arg("url", ""));
else
  void main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
