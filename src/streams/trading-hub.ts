/**
 * The local fan-out of trade updates: which connected clients listen to which
 * accounts, and the delivery of one update to each of them. The Alpaca-format
 * message and the native (tagged, sequenced) message are each encoded once per
 * update, whatever the number of listeners.
 */
import type { Counter, Histogram } from "prom-client";
import type { ClientSocket } from "./client-socket.js";
import type { TradeUpdateData } from "./trade-backfill.js";

export interface TradeListener {
  readonly socket: ClientSocket;
  /** Native endpoint: messages carry `account_id` and `seq`. */
  readonly native: boolean;
}

/** One trade update as it travels from the owning session to every instance. */
export interface TradeEnvelope {
  readonly accountId: string;
  readonly seq: number;
  readonly data: TradeUpdateData;
}

export interface TradingHub {
  listen(listener: TradeListener, accountIds: readonly string[]): void;
  unlisten(listener: TradeListener): void;
  accountsOf(listener: TradeListener): readonly string[];
  deliver(envelope: TradeEnvelope, receivedAt: number): void;
  /** Upstream of an account went down or came back. */
  status(accountId: string, status: "up" | "down", reason: string): void;
  listenedAccounts(): readonly string[];
}

export interface TradingHubDeps {
  /** An account gained its first local listener (true) or lost its last (false). */
  readonly onDemandChanged: (accountId: string, wanted: boolean) => void;
  readonly messagesOut?: Counter<"endpoint">;
  readonly fanoutLatency?: Histogram<"kind">;
  readonly perfNow: () => number;
}

export const alpacaTradeMessage = (data: TradeUpdateData): string =>
  JSON.stringify({ stream: "trade_updates", data });

export const nativeTradeMessage = (e: TradeEnvelope): string =>
  JSON.stringify({ stream: "trade_updates", account_id: e.accountId, seq: e.seq, data: e.data });

export function createTradingHub(deps: TradingHubDeps): TradingHub {
  const byAccount = new Map<string, Set<TradeListener>>();
  const byListener = new Map<TradeListener, string[]>();

  const unlisten = (listener: TradeListener): void => {
    const accounts = byListener.get(listener);
    if (!accounts) return;
    byListener.delete(listener);
    for (const id of accounts) {
      const set = byAccount.get(id);
      if (!set) continue;
      set.delete(listener);
      if (set.size === 0) {
        byAccount.delete(id);
        deps.onDemandChanged(id, false);
      }
    }
  };

  return {
    listen(listener, accountIds) {
      unlisten(listener);
      const unique = [...new Set(accountIds)];
      byListener.set(listener, unique);
      for (const id of unique) {
        let set = byAccount.get(id);
        if (!set) {
          set = new Set();
          byAccount.set(id, set);
          set.add(listener);
          deps.onDemandChanged(id, true);
        } else set.add(listener);
      }
    },
    unlisten,
    accountsOf: (listener) => byListener.get(listener) ?? [],
    listenedAccounts: () => [...byAccount.keys()],
    deliver(envelope, receivedAt) {
      const set = byAccount.get(envelope.accountId);
      if (!set) return;
      let alpaca: string | undefined;
      let native: string | undefined;
      const counts = { trading: 0, native: 0 };
      for (const l of set) {
        if (l.native) {
          native ??= nativeTradeMessage(envelope);
          if (l.socket.send(native)) counts.native++;
        } else {
          alpaca ??= alpacaTradeMessage(envelope.data);
          if (l.socket.send(alpaca)) counts.trading++;
        }
      }
      if (counts.trading) deps.messagesOut?.inc({ endpoint: "trading" }, counts.trading);
      if (counts.native) deps.messagesOut?.inc({ endpoint: "native" }, counts.native);
      deps.fanoutLatency?.observe({ kind: "trading" }, (deps.perfNow() - receivedAt) / 1000);
    },
    status(accountId, status, reason) {
      const set = byAccount.get(accountId);
      if (!set) return;
      const message = JSON.stringify({ stream: "upstream", data: { account_id: accountId, status, reason } });
      for (const l of set) l.socket.send(message);
    },
  };
}
