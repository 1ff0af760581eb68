/**
 * One trading-stream connection on `/stream`, Alpaca's protocol: `authenticate` (or `auth` with
 * key/secret) → `authorization`; `listen` → `listening`; then `trade_updates` events for the
 * key's orders. Frames go out as binary WebSocket messages, as Alpaca sends them (clients accept
 * both); text or binary frames are accepted in.
 */
import type { WebSocket } from "ws";
import type { StreamRegistry } from "./contract.js";
import type { Exchange } from "./exchange/exchange.js";
import type { SimOrder, TradeUpdate } from "./exchange/types.js";
import { dec, orderWire, ts } from "./routes/wire.js";

export interface TradingStreamDeps {
  readonly streams: StreamRegistry;
  readonly exchange: Exchange;
  readonly authenticate: (key: string, secret: string) => string | undefined;
  /** Close connections that have not authenticated within this many ms (default 30,000). */
  readonly authTimeoutMs?: number;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function tradeUpdateFrame(u: TradeUpdate, legs: ReadonlyArray<SimOrder> | undefined): Json {
  const data: Json = {
    event: u.event,
    timestamp: ts(u.at),
    order: orderWire(u.order, legs),
  };
  if (u.executionId !== undefined) data.execution_id = u.executionId;
  if (u.price !== undefined) data.price = dec(u.price, 4);
  if (u.qty !== undefined) data.qty = dec(u.qty);
  if (u.positionQty !== undefined) data.position_qty = dec(u.positionQty);
  return { stream: "trade_updates", data };
}

export function handleTradingStream(socket: WebSocket, deps: TradingStreamDeps): void {
  let keyId: string | undefined;
  let release: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  const send = (frame: Json): void => {
    if (socket.readyState === socket.OPEN) socket.send(Buffer.from(JSON.stringify(frame)), { binary: true });
  };
  const authTimer = setTimeout(() => {
    if (keyId === undefined) socket.close(1008, "authentication timeout");
  }, deps.authTimeoutMs ?? 30_000);
  authTimer.unref();

  const listen = (on: boolean): void => {
    if (on && !unsubscribe) {
      unsubscribe = deps.exchange.onTradeUpdate((key, update) => {
        if (key !== keyId) return;
        const o = update.order;
        const a = deps.exchange.account(key);
        const legs =
          o.legs.length > 0 ? o.legs.map((id) => a.orders.get(id)).filter((x) => x !== undefined) : undefined;
        send(tradeUpdateFrame(update, legs));
      });
    } else if (!on && unsubscribe) {
      unsubscribe();
      unsubscribe = undefined;
    }
  };

  socket.on("message", (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const text = Array.isArray(raw)
      ? Buffer.concat(raw).toString("utf8")
      : Buffer.from(raw as ArrayBuffer).toString("utf8");
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      send({ action: "error", data: { error_message: "invalid syntax: message must be JSON" } });
      return;
    }
    if (!isRecord(msg)) {
      send({ action: "error", data: { error_message: "invalid syntax: message must be a JSON object" } });
      return;
    }
    const data = isRecord(msg.data) ? msg.data : {};
    switch (msg.action) {
      case "authenticate":
      case "auth": {
        const key = String(data.key_id ?? msg.key ?? data.oauth_token ?? "");
        const secret = String(
          data.secret_key ?? msg.secret ?? (data.oauth_token === undefined ? "" : "oauth"),
        );
        const who = deps.authenticate(key, secret);
        if (who === undefined) {
          send({ stream: "authorization", data: { status: "unauthorized", action: "authenticate" } });
          socket.close(1008, "unauthorized");
          return;
        }
        if (keyId === undefined) {
          keyId = who;
          release = deps.streams.open(who, "trading", socket);
        }
        send({ stream: "authorization", data: { status: "authorized", action: "authenticate" } });
        return;
      }
      case "listen": {
        if (keyId === undefined) {
          send({ stream: "authorization", data: { status: "unauthorized", action: "listen" } });
          return;
        }
        const streams = Array.isArray(data.streams) ? data.streams.filter((s) => s === "trade_updates") : [];
        listen(streams.length > 0);
        send({ stream: "listening", data: { streams } });
        return;
      }
      default:
        send({ action: "error", data: { error_message: `unknown action ${JSON.stringify(msg.action)}` } });
    }
  });

  socket.on("close", () => {
    clearTimeout(authTimer);
    listen(false);
    release?.();
  });
  socket.on("error", () => {
    // the close event follows; nothing else to do for a broken client
  });
}
