/**
 * One downstream market-data connection speaking Alpaca's protocol: `connected`,
 * then `auth` (the JWT as the secret, or already done by the upgrade's
 * Authorization header), then `subscribe` / `unsubscribe` answered with the
 * client's full `subscription` lists. Errors are Alpaca's numbered frames.
 */
import type { WebSocket } from "ws";
import type { Principal } from "../auth/types.js";
import type { ClientSocket } from "./client-socket.js";
import { decodeClientMessage, encodeMessage, type WireCodec } from "./codec.js";
import type { DataFeedHub, DataSubscriber } from "./data-feed-hub.js";
import {
  type ChannelSymbols,
  DATA_CHANNELS,
  DATA_ERRORS,
  type DataError,
  type DataFrame,
  errorFrame,
  parseDataAction,
  subscriptionFrame,
  successFrame,
} from "./data-protocol.js";
import { channelSetsToLists } from "./subscription-index.js";

export interface DataClientOptions {
  readonly ws: WebSocket;
  readonly socket: ClientSocket;
  readonly codec: WireCodec;
  readonly hub: DataFeedHub;
  /** Principal from the upgrade's Authorization header, when it carried one. */
  readonly principal: Principal | undefined;
  /** Verifies the auth message's key pair (the JWT as the secret, or an OAuth2 client's pair; scope `data`). */
  readonly verify: (keyId: string, secret: string) => Promise<Principal>;
  /** Takes a client slot for the newly authenticated connection; false when none is free. */
  readonly onAuthenticated: () => boolean;
  readonly maxSymbols: number;
  readonly authTimeoutMs: number;
  readonly now: () => number;
  readonly onClose: () => void;
  /** Watches an authenticated session: `close` is called if its token is revoked; returns the unwatch. */
  readonly watch?: (principal: Principal, close: () => void) => () => void;
}

export function handleDataClient(opts: DataClientOptions): DataSubscriber {
  const { ws, socket, codec, hub } = opts;
  const client: DataSubscriber = { socket, codec };
  let principal = opts.principal;
  let expiryTimer: NodeJS.Timeout | undefined;
  let authFailures = 0;
  const send = (frames: DataFrame[]): void => {
    socket.send(encodeMessage(frames, codec));
  };
  const fail = (e: DataError): void => send([errorFrame(e)]);

  let unwatch: (() => void) | undefined;
  const armExpiry = (p: Principal): void => {
    unwatch?.();
    unwatch = opts.watch?.(p, () => socket.close(1008, "token revoked"));
    if (expiryTimer) clearTimeout(expiryTimer);
    const ms = Math.max(0, p.exp * 1000 - opts.now());
    expiryTimer = setTimeout(() => socket.close(1008, "token expired"), Math.min(ms, 2 ** 31 - 1));
    expiryTimer.unref();
  };

  hub.add(client);
  send([successFrame("connected")]);
  let authTimer: NodeJS.Timeout | undefined;
  if (principal) {
    send([successFrame("authenticated")]);
    armExpiry(principal);
  } else {
    authTimer = setTimeout(() => {
      if (principal) return;
      fail(DATA_ERRORS.authTimeout);
      socket.close(1008, "auth timeout");
    }, opts.authTimeoutMs);
    authTimer.unref();
  }

  const replySubscription = (): void => {
    send([subscriptionFrame(channelSetsToLists(hub.subscriptionsOf(client)))]);
  };

  const onSubscribe = (channels: ChannelSymbols): void => {
    const mine = hub.subscriptionsOf(client);
    const probe = new Set<string>();
    for (const c of DATA_CHANNELS) {
      for (const s of mine[c]) probe.add(s);
      for (const s of channels[c] ?? []) probe.add(s);
    }
    if (probe.size > opts.maxSymbols) {
      fail(DATA_ERRORS.symbolLimit);
      return;
    }
    hub.subscribe(client, channels);
    replySubscription();
  };

  let queue = Promise.resolve();
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    queue = queue.then(() => onMessage(data, isBinary)).catch(() => fail(DATA_ERRORS.internal));
  });

  async function onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    let decoded: unknown;
    try {
      decoded = decodeClientMessage(data, isBinary);
    } catch {
      fail(DATA_ERRORS.invalidSyntax);
      return;
    }
    const action = parseDataAction(decoded);
    switch (action.action) {
      case "invalid":
        send([{ ...errorFrame(DATA_ERRORS.invalidSyntax), field: action.field }]);
        return;
      case "auth": {
        if (principal) {
          // The official SDK always sends auth on open, even when the upgrade carried the token.
          send([successFrame("authenticated")]);
          return;
        }
        let verified: Principal;
        try {
          verified = await opts.verify(action.key, action.secret);
        } catch {
          authFailures++;
          fail(DATA_ERRORS.authFailed);
          if (authFailures >= 3) socket.close(1008, "auth failed");
          return;
        }
        if (!socket.open) return; // closed (timed out, or evicted from the waiting pool) meanwhile
        if (!opts.onAuthenticated()) {
          fail(DATA_ERRORS.connectionLimit);
          socket.close(1008, "connection limit exceeded");
          return;
        }
        principal = verified;
        if (authTimer) clearTimeout(authTimer);
        armExpiry(principal);
        send([successFrame("authenticated")]);
        return;
      }
      case "subscribe":
        if (!principal) return fail(DATA_ERRORS.notAuthenticated);
        onSubscribe(action.channels);
        return;
      case "unsubscribe":
        if (!principal) return fail(DATA_ERRORS.notAuthenticated);
        hub.unsubscribe(client, action.channels);
        replySubscription();
        return;
    }
  }

  ws.on("close", () => {
    if (authTimer) clearTimeout(authTimer);
    if (expiryTimer) clearTimeout(expiryTimer);
    unwatch?.();
    hub.remove(client);
    opts.onClose();
  });
  return client;
}
