/**
 * A worker's stream coordinator when the primary assigns ownership (no Redis; see
 * stream-broker.ts): the worker reports its local demand, opens the upstream connections
 * the primary gives it (serving the union of every worker's demand), delivers what they
 * send to its own clients at once and hands it to the primary for the other workers, and
 * delivers what the primary relays from the connections other workers own.
 *
 * Trade updates are numbered by the owner, continuing from the number the primary gave it
 * with the ownership, so clients see one sequence per account across owners; they reach the
 * trade sinks (audit, MQTT) once, from the owner.
 */
import type { CoordinatorParts, StreamCoordinator } from "../streams/coordinator.js";
import { DATA_CHANNELS } from "../streams/data-protocol.js";
import { type ChannelSets, emptyChannelSets } from "../streams/subscription-index.js";
import type { WireOrder } from "../streams/trade-backfill.js";
import type { UpstreamDataSession } from "../streams/upstream-data-session.js";
import type { UpstreamTradingSession } from "../streams/upstream-trading-session.js";
import type { DataDemand, Port, ToPrimary, ToWorker } from "./ipc.js";

type Owned =
  | {
      readonly kind: "data";
      readonly feed: string;
      readonly session: UpstreamDataSession;
      /** Whether other workers want some of this feed (its frames then go to the primary too). */
      readonly relayTo: (others: boolean) => void;
    }
  | { readonly kind: "trading"; readonly accountId: string; readonly session: UpstreamTradingSession };

const setsOf = (v: DataDemand): ChannelSets => {
  const sets = emptyChannelSets();
  for (const c of DATA_CHANNELS) for (const s of v[c] ?? []) sets[c].add(s);
  return sets;
};

export function createWorkerCoordinator(
  port: Port<ToPrimary, ToWorker>,
  parts: CoordinatorParts,
): StreamCoordinator {
  const log = parts.logger.child({ component: "stream-coordinator" });
  const owned = new Map<string, Owned>();
  const seqs = new Map<string, number>();
  const up = new Set<string>();
  const resumes = new Map<number, (orders: readonly WireOrder[]) => void>();
  let resumeSeq = 0;
  let closed = false;

  const status = (r: string, s: "up" | "down", reason: string): void => {
    if (owned.has(r)) {
      if (s === "up") up.add(r);
      else up.delete(r);
    }
    port.send({ t: "status", r, s, m: reason });
  };

  const resume = (accountId: string): Promise<readonly WireOrder[]> =>
    new Promise((resolve) => {
      if (!port.open) {
        resolve([]);
        return;
      }
      const id = ++resumeSeq;
      resumes.set(id, resolve);
      port.send({ t: "resume", id, a: accountId });
    });

  function own(r: string, seq: number): void {
    if (owned.has(r) || closed) return;
    if (r.startsWith("data:")) {
      const feed = r.slice(5);
      let relay = false;
      const session = parts.upstream.data(feed, {
        frames: (frames, at) => {
          parts.events.onDataFrames(feed, frames, at);
          if (relay) port.send({ t: "frames", r, f: frames });
        },
        status: (s, reason) => {
          parts.events.onDataStatus(feed, s, reason);
          status(r, s, reason);
        },
      });
      owned.set(r, {
        kind: "data",
        feed,
        session,
        relayTo: (others) => {
          relay = others;
        },
      });
      log.debug({ resource: r }, "owning the upstream stream");
      return;
    }
    const accountId = r.slice(8);
    seqs.set(accountId, Math.max(seqs.get(accountId) ?? 0, seq));
    const session = parts.upstream.trading(accountId, {
      resume: () => resume(accountId),
      snapshot: (orders) => port.send({ t: "snapshot", a: accountId, o: orders }),
      update: (d) => {
        const q = (seqs.get(accountId) ?? 0) + 1;
        seqs.set(accountId, q);
        const envelope = { accountId, seq: q, data: d };
        parts.sinks.publish(envelope);
        parts.events.onTrade(envelope, parts.perfNow());
        port.send({ t: "trade", a: accountId, q, d });
      },
      status: (s, reason) => {
        parts.events.onTradeStatus(accountId, s, reason);
        status(r, s, reason);
      },
    });
    if (!session) {
      port.send({ t: "released", r });
      return;
    }
    owned.set(r, { kind: "trading", accountId, session });
    log.debug({ resource: r }, "owning the upstream stream");
  }

  function disown(r: string, why: string): void {
    const o = owned.get(r);
    if (!o) return;
    owned.delete(r);
    up.delete(r);
    o.session.close();
    log.debug({ resource: r, why }, "closed the upstream stream");
  }

  const off = port.on((m) => {
    if (closed) return;
    switch (m.t) {
      case "own":
        own(m.r, m.q);
        return;
      case "want": {
        const o = owned.get(m.r);
        if (o?.kind !== "data") return;
        o.relayTo(m.o);
        o.session.setDesired(setsOf(m.v));
        return;
      }
      case "disown":
        disown(m.r, "no demand left");
        return;
      case "frames":
        parts.metrics.messagesIn.inc({ source: "primary" });
        parts.events.onDataFrames(m.r.slice(5), m.f, parts.perfNow());
        return;
      case "status":
        if (m.r.startsWith("data:")) parts.events.onDataStatus(m.r.slice(5), m.s, m.m);
        else parts.events.onTradeStatus(m.r.slice(8), m.s, m.m);
        return;
      case "trade":
        parts.metrics.messagesIn.inc({ source: "primary" });
        seqs.set(m.a, Math.max(seqs.get(m.a) ?? 0, m.q));
        parts.events.onTrade({ accountId: m.a, seq: m.q, data: m.d }, parts.perfNow());
        return;
      case "resumed": {
        const done = resumes.get(m.id);
        resumes.delete(m.id);
        done?.(m.o);
        return;
      }
      default:
        return;
    }
  });
  port.onClose(() => {
    for (const done of resumes.values()) done([]);
    resumes.clear();
  });

  return {
    setDataDemand(feed, union) {
      const empty = DATA_CHANNELS.every((c) => union[c].size === 0);
      const v = empty
        ? null
        : Object.fromEntries(DATA_CHANNELS.filter((c) => union[c].size > 0).map((c) => [c, [...union[c]]]));
      port.send({ t: "demand", r: `data:${feed}`, v });
    },
    setTradingDemand(accountId, wanted) {
      port.send({ t: "demand", r: `trading:${accountId}`, v: wanted ? true : null });
    },
    refreshAccount(accountId, dataAccount) {
      for (const [r, o] of [...owned]) {
        if (o.kind === "data" && dataAccount) o.session.reconnect(`keys of ${accountId} changed`);
        if (o.kind === "trading" && o.accountId === accountId) {
          disown(r, "account keys changed");
          own(r, seqs.get(accountId) ?? 0); // reopens with the current keys (or releases it)
        }
      }
    },
    status: () => ({
      owned: [...owned.keys()],
      up: [...up],
      down: [...owned].filter(([, o]) => o.session.state() === "down").map(([r]) => r),
    }),
    async close() {
      closed = true;
      off();
      for (const r of [...owned.keys()]) disown(r, "shutting down");
      // the primary hands what this worker owned to another worker with demand
      port.send({ t: "bye" });
    },
  };
}
