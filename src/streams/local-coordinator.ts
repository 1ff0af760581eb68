/**
 * The single-instance coordinator: this process owns every upstream session.
 * Data sessions follow the local union; a trading session opens on an account's
 * first listener and closes a grace period after its last one left.
 */
import type { CoordinatorEvents, StreamCoordinator } from "./coordinator.js";
import type { ChannelSets } from "./subscription-index.js";
import type { TradeSinks } from "./trade-sinks.js";
import type { UpstreamDataSession } from "./upstream-data-session.js";
import type { UpstreamFactory } from "./upstream-factory.js";
import type { UpstreamTradingSession } from "./upstream-trading-session.js";

export interface LocalCoordinatorDeps {
  readonly upstream: UpstreamFactory;
  readonly events: CoordinatorEvents;
  readonly sinks: TradeSinks;
  readonly graceMs: number;
  readonly perfNow: () => number;
}

export function createLocalCoordinator(deps: LocalCoordinatorDeps): StreamCoordinator {
  const data = new Map<string, UpstreamDataSession>();
  const trading = new Map<string, { session: UpstreamTradingSession; closeTimer?: NodeJS.Timeout }>();
  const seqs = new Map<string, number>();
  const up = new Set<string>();

  return {
    setDataDemand(feed: string, union: ChannelSets) {
      let session = data.get(feed);
      if (!session) {
        session = deps.upstream.data(feed, {
          frames: (frames, receivedAt) => deps.events.onDataFrames(feed, frames, receivedAt),
          status: (s, reason) => {
            if (s === "up") up.add(`data:${feed}`);
            else up.delete(`data:${feed}`);
            deps.events.onDataStatus(feed, s, reason);
          },
        });
        data.set(feed, session);
      }
      session.setDesired(union);
    },
    setTradingDemand(accountId, wanted) {
      const entry = trading.get(accountId);
      if (wanted) {
        if (entry) {
          if (entry.closeTimer) clearTimeout(entry.closeTimer);
          entry.closeTimer = undefined;
          return;
        }
        const session = deps.upstream.trading(accountId, {
          update: (d) => {
            const seq = (seqs.get(accountId) ?? 0) + 1;
            seqs.set(accountId, seq);
            const envelope = { accountId, seq, data: d };
            deps.sinks.publish(envelope);
            deps.events.onTrade(envelope, deps.perfNow());
          },
          status: (s, reason) => {
            if (s === "up") up.add(`trading:${accountId}`);
            else up.delete(`trading:${accountId}`);
            deps.events.onTradeStatus(accountId, s, reason);
          },
        });
        if (session) trading.set(accountId, { session });
        return;
      }
      if (!entry || entry.closeTimer) return;
      entry.closeTimer = setTimeout(() => {
        trading.delete(accountId);
        up.delete(`trading:${accountId}`);
        entry.session.close();
      }, deps.graceMs);
      entry.closeTimer.unref();
    },
    refreshAccount(accountId, dataAccount) {
      if (dataAccount) for (const session of data.values()) session.reconnect(`keys of ${accountId} changed`);
      const entry = trading.get(accountId);
      if (!entry) return;
      entry.session.close();
      trading.delete(accountId);
      up.delete(`trading:${accountId}`);
      if (!entry.closeTimer) this.setTradingDemand(accountId, true);
      else clearTimeout(entry.closeTimer);
    },
    status: () => ({
      owned: [...[...data.keys()].map((f) => `data:${f}`), ...[...trading.keys()].map((a) => `trading:${a}`)],
      up: [...up],
      down: [
        ...[...data].filter(([, s]) => s.state() === "down").map(([f]) => `data:${f}`),
        ...[...trading].filter(([, e]) => e.session.state() === "down").map(([a]) => `trading:${a}`),
      ],
    }),
    async close() {
      for (const s of data.values()) s.close();
      for (const e of trading.values()) {
        if (e.closeTimer) clearTimeout(e.closeTimer);
        e.session.close();
      }
      data.clear();
      trading.clear();
    },
  };
}
