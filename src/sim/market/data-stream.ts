/**
 * One market-data stream connection (`/v2/{iex|sip|test}`), Alpaca's protocol:
 * `[{"T":"success","msg":"connected"}]` on connect; `{"action":"auth","key","secret"}` →
 * `authenticated` or error 402 (then close); a second data connection of the same key on any
 * data feed → 406 `connection limit exceeded` (then close); `subscribe` / `unsubscribe` of
 * trades, quotes, bars, dailyBars, updatedBars, statuses (`*` for all) → a `subscription` frame
 * with the full lists. Errors: 400 invalid syntax, 401 not authenticated, 403 already
 * authenticated, 404 auth timeout, 405 symbol limit exceeded (when `maxSymbols` is set),
 * 407 slow client, 409 insufficient subscription (when `allowFeed` refuses). msgpack when the
 * upgrade request's Content-Type is `application/msgpack`, JSON otherwise. Data comes from the
 * shared tick loop (stream-hub.ts), one message per tick per connection.
 */
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import type { PriceEngine, SimClock, StreamRegistry } from "../contract.js";
import { marketDataFor } from "./market-data.js";
import { ALWAYS_OPEN_SYMBOL } from "./sessions.js";
import { decodeClient, encodeControl, type WireFrame } from "./stream-codec.js";
import {
  CHANNELS,
  type Channel,
  type ChannelSubs,
  createStreamHub,
  type HubConnection,
  type StreamHub,
} from "./stream-hub.js";

export interface DataStreamDeps {
  readonly feed: string;
  readonly prices: PriceEngine;
  readonly clock: SimClock;
  readonly streams: StreamRegistry;
  readonly authenticate: (key: string, secret: string) => string | undefined;
  /** Real ms between data batches (default 100). The first connection's value wins per engine. */
  readonly tickIntervalMs?: number;
  /** Symbols a `*` subscription covers on iex/sip (default: the asset list the REST routes were
   * registered with, else a few dozen large names). */
  readonly wildcardSymbols?: readonly string[];
  /** Most symbols per channel and connection; unset = unlimited (error 405 beyond). */
  readonly maxSymbols?: number;
  /** Whether a key may use a feed (error 409 when not); default: every feed. */
  readonly allowFeed?: (keyId: string, feed: string) => boolean;
  /** Close unauthenticated connections after this many ms (error 404); default 10,000. */
  readonly authTimeoutMs?: number;
}

export const DATA_FEEDS = ["iex", "sip", "test", "delayed_sip"] as const;
const SLOW_CLIENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_WILDCARD = [
  "AAPL",
  "MSFT",
  "NVDA",
  "AMZN",
  "GOOGL",
  "GOOG",
  "META",
  "TSLA",
  "AVGO",
  "JPM",
  "V",
  "LLY",
  "UNH",
  "XOM",
  "MA",
  "COST",
  "HD",
  "PG",
  "JNJ",
  "NFLX",
  "ABBV",
  "BAC",
  "CRM",
  "KO",
  "AMD",
  "PEP",
  "TMO",
  "WMT",
  "ORCL",
  "INTC",
  "SPY",
  "QQQ",
  "IWM",
];

const hubs = new WeakMap<PriceEngine, StreamHub>();

function hubFor(deps: DataStreamDeps): StreamHub {
  let hub = hubs.get(deps.prices);
  if (!hub) {
    const md = marketDataFor({ prices: deps.prices, clock: deps.clock });
    const wild = deps.wildcardSymbols ?? (md.listed.length > 0 ? md.listed : DEFAULT_WILDCARD);
    const testWild = [ALWAYS_OPEN_SYMBOL];
    hub = createStreamHub(md, {
      tickIntervalMs: deps.tickIntervalMs ?? 100,
      wildcard: (feed) => (feed === "test" ? testWild : wild),
    });
    hubs.set(deps.prices, hub);
  }
  return hub;
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === "string" && s.length > 0);

export function handleDataStream(socket: WebSocket, req: IncomingMessage, deps: DataStreamDeps): void {
  const msgpack = (req.headers["content-type"] ?? "").toLowerCase().includes("application/msgpack");
  const hub = hubFor(deps);
  const subs = Object.fromEntries(
    CHANNELS.map((c) => [c, { symbols: new Set<string>(), all: false }]),
  ) as Record<Channel, ChannelSubs>;
  let keyId: string | undefined;
  let unregister: (() => void) | undefined;
  let closed = false;

  const sendControl = (frames: WireFrame[]): void => {
    if (socket.readyState === socket.OPEN) socket.send(encodeControl(frames, msgpack));
  };
  const error = (code: number, msg: string): void => sendControl([{ T: "error", code, msg }]);
  const errorAndClose = (code: number, msg: string): void => {
    error(code, msg);
    socket.close(1008, msg);
  };

  const conn: HubConnection = {
    feed: deps.feed,
    msgpack,
    subs,
    send(data) {
      if (socket.readyState !== socket.OPEN) return false;
      if (socket.bufferedAmount > SLOW_CLIENT_BYTES) {
        errorAndClose(407, "slow client");
        return false;
      }
      socket.send(data);
      return true;
    },
  };

  const authTimer = setTimeout(() => {
    if (keyId === undefined) errorAndClose(404, "auth timeout");
  }, deps.authTimeoutMs ?? 10_000);
  authTimer.unref();

  const subscriptionFrame = (): WireFrame => {
    const list = (c: Channel): string[] => (subs[c].all ? ["*"] : [...subs[c].symbols]);
    return {
      T: "subscription",
      trades: list("trades"),
      quotes: list("quotes"),
      bars: list("bars"),
      updatedBars: list("updatedBars"),
      dailyBars: list("dailyBars"),
      statuses: list("statuses"),
      lulds: [],
      corrections: list("trades"),
      cancelErrors: list("trades"),
    };
  };

  function onAuth(msg: Record<string, unknown>): void {
    if (keyId !== undefined) {
      error(403, "already authenticated");
      return;
    }
    const { key, secret } = msg;
    if (typeof key !== "string" || typeof secret !== "string") {
      error(400, "invalid syntax");
      return;
    }
    const id = deps.authenticate(key, secret);
    if (id === undefined) {
      errorAndClose(402, "auth failed");
      return;
    }
    if (deps.allowFeed && !deps.allowFeed(id, deps.feed)) {
      errorAndClose(409, "insufficient subscription");
      return;
    }
    const open = DATA_FEEDS.reduce((n, f) => n + deps.streams.count(id, f), 0);
    if (open > 0) {
      errorAndClose(406, "connection limit exceeded");
      return;
    }
    keyId = id;
    clearTimeout(authTimer);
    unregister = deps.streams.open(id, deps.feed, socket);
    sendControl([{ T: "success", msg: "authenticated" }]);
    hub.add(conn);
  }

  function onSubscription(msg: Record<string, unknown>, add: boolean): void {
    if (keyId === undefined) {
      error(401, "not authenticated");
      return;
    }
    for (const c of CHANNELS) {
      const v = msg[c];
      if (v !== undefined && !isStringArray(v)) {
        error(400, "invalid syntax");
        return;
      }
    }
    const max = deps.maxSymbols;
    for (const c of CHANNELS) {
      const v = msg[c] as string[] | undefined;
      if (!v) continue;
      const sub = subs[c];
      if (add) {
        for (const s of v) {
          if (s === "*") sub.all = true;
          else if (max === undefined || sub.symbols.size < max || sub.symbols.has(s)) sub.symbols.add(s);
          else {
            error(405, "symbol limit exceeded");
            return;
          }
        }
      } else {
        for (const s of v) {
          if (s === "*") sub.all = false;
          else sub.symbols.delete(s);
        }
      }
    }
    sendControl([subscriptionFrame()]);
  }

  socket.on("message", (data: Buffer, isBinary: boolean) => {
    let parsed: unknown;
    try {
      parsed = decodeClient(Buffer.isBuffer(data) ? data : Buffer.from(data), isBinary);
    } catch {
      error(400, "invalid syntax");
      return;
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    for (const m of messages) {
      if (typeof m !== "object" || m === null) {
        error(400, "invalid syntax");
        return;
      }
      const msg = m as Record<string, unknown>;
      if (msg.action === "auth") onAuth(msg);
      else if (msg.action === "subscribe") onSubscription(msg, true);
      else if (msg.action === "unsubscribe") onSubscription(msg, false);
      else error(400, "invalid syntax");
    }
  });

  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(authTimer);
    hub.remove(conn);
    unregister?.();
  };
  socket.on("close", cleanup);
  socket.on("error", cleanup);

  sendControl([{ T: "success", msg: "connected" }]);
}
