/**
 * A tiny Alpaca stand-in over real sockets for the streams tests: market-data
 * streams `/v2/:feed` (JSON, one connection per key, 406 beyond, like Alpaca),
 * the trading stream `/stream`, and `GET /v2/orders` / `GET /v2/clock` for the backfill.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface FakeDataConn {
  readonly key: string;
  readonly feed: string;
  readonly socket: WebSocket;
  readonly subs: Record<string, Set<string>>;
  readonly received: unknown[];
}

export interface FakeAlpaca {
  readonly url: string;
  readonly wsUrl: string;
  /** Data connections open now. */
  dataConns(feed?: string): FakeDataConn[];
  /** Total data connections ever accepted (authenticated). */
  readonly stats: { dataConnects: number; tradingConnects: number; refused406: number };
  /** Sends one message (an array of frames) to every authenticated data connection of a feed. */
  emit(feed: string, frames: object[]): void;
  tradingConns(key?: string): WebSocket[];
  /** Trading connections of a key that sent `listen`. */
  listening(key: string): number;
  emitTrade(key: string, data: object): void;
  /** Orders returned by GET /v2/orders per key. */
  orders: Map<string, object[]>;
  dropAll(): void;
  close(): Promise<void>;
}

export async function startFakeAlpaca(): Promise<FakeAlpaca> {
  const data: FakeDataConn[] = [];
  const trading: { key: string; socket: WebSocket; listening: boolean }[] = [];
  const stats = { dataConnects: 0, tradingConnects: 0, refused406: 0 };
  const orders = new Map<string, object[]>();
  const server: Server = createServer((req, res) => {
    const key = String(req.headers["apca-api-key-id"] ?? "");
    const path = (req.url ?? "").split("?")[0];
    res.setHeader("content-type", "application/json");
    if (path === "/v2/orders") return void res.end(JSON.stringify(orders.get(key) ?? []));
    if (path === "/v2/clock") return void res.end(JSON.stringify({ is_open: true }));
    res.statusCode = 404;
    res.end(JSON.stringify({ code: 40410000, message: "not found" }));
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket, req) => {
    const path = req.url ?? "";
    if (path === "/stream") {
      const entry = { key: "", socket, listening: false };
      socket.on("message", (raw: Buffer) => {
        const msg = JSON.parse(raw.toString()) as { action: string; data: Record<string, unknown> };
        if (msg.action === "authenticate") {
          entry.key = String(msg.data.key_id);
          stats.tradingConnects++;
          trading.push(entry);
          socket.send(
            JSON.stringify({
              stream: "authorization",
              data: { status: "authorized", action: "authenticate" },
            }),
          );
        } else if (msg.action === "listen") {
          entry.listening = true;
          socket.send(JSON.stringify({ stream: "listening", data: { streams: ["trade_updates"] } }));
        }
      });
      socket.on("close", () => {
        const i = trading.indexOf(entry);
        if (i >= 0) trading.splice(i, 1);
      });
      return;
    }
    const feed = path.replace(/^\/v2\//, "");
    socket.send(JSON.stringify([{ T: "success", msg: "connected" }]));
    let conn: FakeDataConn | undefined;
    socket.on("message", (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as Record<string, unknown>;
      if (msg.action === "auth") {
        const key = String(msg.key);
        if (data.some((c) => c.key === key)) {
          stats.refused406++;
          socket.send(JSON.stringify([{ T: "error", code: 406, msg: "connection limit exceeded" }]));
          socket.close();
          return;
        }
        conn = {
          key,
          feed,
          socket,
          subs: { trades: new Set(), quotes: new Set(), bars: new Set() },
          received: [],
        };
        data.push(conn);
        stats.dataConnects++;
        socket.send(JSON.stringify([{ T: "success", msg: "authenticated" }]));
        return;
      }
      if (!conn) return;
      conn.received.push(msg);
      if (msg.action === "subscribe" || msg.action === "unsubscribe") {
        for (const ch of ["trades", "quotes", "bars"]) {
          const list = msg[ch];
          if (!Array.isArray(list)) continue;
          for (const s of list as string[]) {
            if (msg.action === "subscribe") conn.subs[ch]!.add(s);
            else conn.subs[ch]!.delete(s);
          }
        }
        socket.send(
          JSON.stringify([
            {
              T: "subscription",
              trades: [...conn.subs.trades!],
              quotes: [...conn.subs.quotes!],
              bars: [...conn.subs.bars!],
            },
          ]),
        );
      }
    });
    socket.on("close", () => {
      if (conn) data.splice(data.indexOf(conn), 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stats,
    orders,
    dataConns: (feed) => data.filter((c) => feed === undefined || c.feed === feed),
    emit(feed, frames) {
      const text = JSON.stringify(frames);
      for (const c of data) if (c.feed === feed) c.socket.send(text);
    },
    tradingConns: (key) => trading.filter((t) => key === undefined || t.key === key).map((t) => t.socket),
    listening: (key) => trading.filter((t) => t.key === key && t.listening).length,
    emitTrade(key, d) {
      const text = JSON.stringify({ stream: "trade_updates", data: d });
      for (const t of trading) if (t.key === key && t.listening) t.socket.send(text);
    },
    dropAll() {
      for (const c of [...data]) c.socket.terminate();
      for (const t of [...trading]) t.socket.terminate();
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
