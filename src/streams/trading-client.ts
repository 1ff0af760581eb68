/**
 * One downstream trading-stream connection: Alpaca's protocol (`authenticate`
 * with the JWT as the secret, `listen` to `trade_updates`) for one account, or
 * the native endpoint, which listens to all of the caller's accounts (or the
 * `accounts` listed in `listen`) and tags each update with its account and seq.
 */
import type { WebSocket } from "ws";
import type { Principal } from "../auth/types.js";
import type { ClientSocket } from "./client-socket.js";
import type { TradeListener, TradingHub } from "./trading-hub.js";

export interface TradingClientOptions {
  readonly ws: WebSocket;
  readonly socket: ClientSocket;
  readonly hub: TradingHub;
  /** The account of `/v1/accounts/{id}/stream`; undefined on the native endpoint. */
  readonly accountId: string | undefined;
  readonly principal: Principal | undefined;
  /** Verifies the auth message's key pair (the JWT as the secret, or an OAuth2 client's pair). */
  readonly verify: (keyId: string, secret: string) => Promise<Principal>;
  /** Takes a client slot for the newly authenticated connection; false when none is free. */
  readonly onAuthenticated: () => boolean;
  /** Accounts the principal may listen to (native endpoint). */
  readonly accountsFor: (principal: Principal) => readonly string[];
  readonly authTimeoutMs: number;
  readonly now: () => number;
  readonly onClose: () => void;
  /** Watches an authenticated session: `close` is called if its token is revoked; returns the unwatch. */
  readonly watch?: (principal: Principal, close: () => void) => () => void;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const tradingError = (message: string): string =>
  JSON.stringify({ action: "error", data: { error_message: message } });

const authorization = (status: "authorized" | "unauthorized"): string =>
  JSON.stringify({ stream: "authorization", data: { status, action: "authenticate" } });

export function handleTradingClient(opts: TradingClientOptions): TradeListener {
  const { ws, socket, hub } = opts;
  const listener: TradeListener = { socket, native: opts.accountId === undefined };
  let principal = opts.principal;
  let expiryTimer: NodeJS.Timeout | undefined;
  let unwatch: (() => void) | undefined;
  const armExpiry = (p: Principal): void => {
    unwatch?.();
    unwatch = opts.watch?.(p, () => socket.close(1008, "token revoked"));
    const ms = Math.max(0, p.exp * 1000 - opts.now());
    expiryTimer = setTimeout(() => socket.close(1008, "token expired"), Math.min(ms, 2 ** 31 - 1));
    expiryTimer.unref();
  };
  if (principal) armExpiry(principal);
  const authTimer = setTimeout(() => {
    if (principal) return;
    socket.send(tradingError("auth timeout"));
    socket.close(1008, "auth timeout");
  }, opts.authTimeoutMs);
  authTimer.unref();

  const onListen = (data: Record<string, unknown>, p: Principal): void => {
    const streams = Array.isArray(data.streams)
      ? data.streams.filter((s) => typeof s === "string")
      : undefined;
    if (!streams) {
      socket.send(tradingError("invalid listen: data.streams must be an array"));
      return;
    }
    const wants = streams.includes("trade_updates");
    let accounts: readonly string[] = [];
    if (wants) {
      if (opts.accountId !== undefined) accounts = [opts.accountId];
      else {
        const allowed = opts.accountsFor(p);
        if (Array.isArray(data.accounts)) {
          const asked = data.accounts.filter((a): a is string => typeof a === "string");
          const refused = asked.find((a) => !allowed.includes(a));
          if (refused !== undefined) {
            socket.send(tradingError(`account not allowed: ${refused}`));
            return;
          }
          accounts = asked;
        } else accounts = allowed;
      }
    }
    if (accounts.length > 0) hub.listen(listener, accounts);
    else hub.unlisten(listener);
    const reply: Record<string, unknown> = { streams: wants ? ["trade_updates"] : [] };
    if (listener.native) reply.accounts = accounts;
    socket.send(JSON.stringify({ stream: "listening", data: reply }));
  };

  let queue = Promise.resolve();
  ws.on("message", (raw: Buffer) => {
    queue = queue
      .then(() => onMessage(raw))
      .catch(() => {
        socket.send(tradingError("internal error"));
      });
  });

  async function onMessage(raw: Buffer): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString("utf8"));
    } catch {
      socket.send(tradingError("invalid syntax: message must be JSON"));
      return;
    }
    if (!isRecord(msg)) return void socket.send(tradingError("invalid syntax: message must be an object"));
    const data = isRecord(msg.data) ? msg.data : {};
    if (msg.action === "authenticate" || msg.action === "auth") {
      if (principal) return void socket.send(authorization("authorized"));
      const keyId = msg.action === "auth" ? msg.key : data.key_id;
      const secret = msg.action === "auth" ? msg.secret : data.secret_key;
      if (typeof secret !== "string" || secret.length === 0) {
        socket.send(authorization("unauthorized"));
        return;
      }
      let verified: Principal;
      try {
        verified = await opts.verify(typeof keyId === "string" ? keyId : "", secret);
      } catch {
        socket.send(authorization("unauthorized"));
        socket.close(1008, "unauthorized");
        return;
      }
      if (!socket.open) return; // closed (timed out, or evicted from the waiting pool) meanwhile
      if (!opts.onAuthenticated()) {
        socket.send(tradingError("connection limit exceeded"));
        socket.close(1008, "connection limit exceeded");
        return;
      }
      principal = verified;
      clearTimeout(authTimer);
      armExpiry(principal);
      socket.send(authorization("authorized"));
      return;
    }
    if (msg.action === "listen") {
      if (!principal) return void socket.send(tradingError("not authenticated"));
      onListen(data, principal);
      return;
    }
    socket.send(tradingError(`invalid action: ${String(msg.action).slice(0, 32)}`));
  }

  ws.on("close", () => {
    clearTimeout(authTimer);
    if (expiryTimer) clearTimeout(expiryTimer);
    unwatch?.();
    hub.unlisten(listener);
    opts.onClose();
  });
  return listener;
}
