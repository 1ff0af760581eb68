/**
 * Scale-out: exactly one instance owns each upstream connection, through a Redis
 * lease (SET NX PX, renewed by its owner, taken over by an instance with demand
 * once it expires). Each instance publishes its local demand (a feed's union, an
 * account's listeners) in a hash; the owner serves the union of the live
 * instances' demand. Upstream messages reach the other instances over pub/sub;
 * trade updates get their per-account sequence number from Redis (INCR and
 * PUBLISH in one script, so order and numbering agree across takeovers).
 */
import type { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";
import type { CoordinatorEvents, StreamCoordinator } from "./coordinator.js";
import { DATA_CHANNELS, type DataFrame } from "./data-protocol.js";
import type { StreamMetrics } from "./stream-metrics.js";
import { type ChannelSets, emptyChannelSets } from "./subscription-index.js";
import type { TradeUpdateData } from "./trade-backfill.js";
import type { TradeSinks } from "./trade-sinks.js";
import { createTradeStateStore } from "./trade-state-store.js";
import type { UpstreamDataSession } from "./upstream-data-session.js";
import type { UpstreamFactory } from "./upstream-factory.js";
import type { UpstreamTradingSession } from "./upstream-trading-session.js";

export interface RedisCoordinatorDeps {
  readonly redis: Redis;
  /** Key prefix, e.g. `paddock:streams:`. */
  readonly prefix: string;
  readonly instanceId: string;
  readonly upstream: UpstreamFactory;
  readonly events: CoordinatorEvents;
  readonly sinks: TradeSinks;
  readonly graceMs: number;
  readonly leaseTtlMs: number;
  readonly leaseRenewMs: number;
  readonly logger: Logger;
  readonly perfNow: () => number;
  readonly metrics: StreamMetrics;
  readonly now?: () => number;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Rejects when `p` takes longer than `ms` (a Redis outage must not stall the lease loop). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

type Owned = (
  | { kind: "data"; feed: string; session: UpstreamDataSession }
  | { kind: "trading"; accountId: string; session: UpstreamTradingSession }
) & { emptySince?: number; renewedAt: number };

interface Envelope {
  readonly o?: string;
  readonly f?: DataFrame[];
  readonly s?: "up" | "down";
  readonly r?: string;
  readonly a?: string;
  readonly q?: number;
  readonly d?: TradeUpdateData;
}

export async function createRedisCoordinator(deps: RedisCoordinatorDeps): Promise<StreamCoordinator> {
  const { redis, prefix: P, instanceId: me } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: "stream-coordinator", instance: me });
  /**
   * A Redis call whose failure only delays coordination (a lost publish, a demand read): logged,
   * never an unhandled rejection (which would end the process while Redis is down).
   */
  const background = (p: Promise<unknown>, what: string): void => {
    p.catch((err: unknown) => log.debug({ err: (err as Error).message }, `${what} failed`));
  };
  // Subscriptions queue until connected, even when the shared client refuses to queue.
  const sub = redis.duplicate({ enableOfflineQueue: true });
  sub.on("error", (err: Error) => log.debug({ err: err.message }, "redis subscriber error"));
  const localDemand = new Map<string, string>();
  const owned = new Map<string, Owned>();
  const subscribed = new Set<string>();
  const up = new Set<string>();
  let closed = false;

  const tradeStates = createTradeStateStore({ redis, prefix: P, logger: log });
  const leaseKey = (r: string) => `${P}lease:${r}`;
  const demandKey = (r: string) => `${P}demand:${r}`;
  const chan = (r: string) => `${P}msg:${r}`;
  const ctl = `${P}ctl`;
  const alive = `${P}alive`;

  const ensureSubscribed = async (r: string): Promise<void> => {
    if (subscribed.has(r)) return;
    subscribed.add(r);
    await sub.subscribe(chan(r));
  };

  sub.on("message", (channel: string, message: string) => {
    if (channel === ctl) {
      const o = owned.get(message);
      if (o) background(refreshDemand(message, o), "reading the demand");
      return;
    }
    const r = channel.slice(`${P}msg:`.length);
    let env: Envelope;
    try {
      env = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    const at = deps.perfNow();
    if (r.startsWith("data:")) {
      if (env.o === me) return; // the owner already delivered locally
      const feed = r.slice(5);
      deps.metrics.messagesIn.inc({ source: "redis" });
      if (env.f) deps.events.onDataFrames(feed, env.f, at);
      else if (env.s) deps.events.onDataStatus(feed, env.s, env.r ?? "");
      return;
    }
    const accountId = r.slice(8);
    if (typeof env.q === "number" && env.d) {
      deps.events.onTrade({ accountId, seq: env.q, data: env.d }, at);
    } else if (env.s) deps.events.onTradeStatus(accountId, env.s, env.r ?? "");
  });
  await sub.subscribe(ctl);

  async function aliveInstances(): Promise<Set<string>> {
    const entries = await redis.hgetall(alive);
    const t = now();
    const out = new Set<string>([me]);
    for (const [id, until] of Object.entries(entries)) if (Number(until) > t) out.add(id);
    return out;
  }

  /** Applies the live instances' demand for `r` (from `entries`, the demand hash) to what this instance owns. */
  function applyDemand(r: string, o: Owned, entries: Record<string, string>, live: Set<string>): void {
    const active = Object.entries(entries).filter(([id]) => live.has(id));
    if (o.kind === "data") {
      const merged: ChannelSets = emptyChannelSets();
      for (const [, json] of active) {
        const lists = JSON.parse(json) as Record<string, string[]>;
        for (const c of DATA_CHANNELS) for (const s of lists[c] ?? []) merged[c].add(s);
      }
      if (owned.get(r) !== o) return;
      o.session.setDesired(merged);
    }
    if (active.length === 0) o.emptySince ??= now();
    else o.emptySince = undefined;
  }

  async function refreshDemand(r: string, o: Owned): Promise<void> {
    const [entries, live] = await Promise.all([redis.hgetall(demandKey(r)), aliveInstances()]);
    applyDemand(r, o, entries, live);
  }

  const publishStatus = (r: string, s: "up" | "down", reason: string): void => {
    if (s === "up") up.add(r);
    else up.delete(r);
    background(redis.publish(chan(r), JSON.stringify({ o: me, s, r: reason })), "publishing a status");
  };

  function becomeOwner(r: string): void {
    log.info({ resource: r }, "took the upstream lease");
    if (r.startsWith("data:")) {
      const feed = r.slice(5);
      const session = deps.upstream.data(feed, {
        frames: (frames, at) => {
          deps.events.onDataFrames(feed, frames, at);
          background(redis.publish(chan(r), JSON.stringify({ o: me, f: frames })), "publishing frames");
        },
        status: (s, reason) => {
          deps.events.onDataStatus(feed, s, reason);
          publishStatus(r, s, reason);
        },
      });
      const o: Owned = { kind: "data", feed, session, renewedAt: now() };
      owned.set(r, o);
      background(refreshDemand(r, o), "reading the demand");
      return;
    }
    const accountId = r.slice(8);
    const session = deps.upstream.trading(accountId, {
      resume: () => tradeStates.resume(accountId),
      snapshot: (orders) => tradeStates.keepSnapshot(accountId, orders),
      update: (d) => {
        tradeStates
          .publish(accountId, chan(r), d)
          .then((seq) => deps.sinks.publish({ accountId, seq, data: d }))
          .catch((err: unknown) =>
            log.error({ err: (err as Error).message }, "publishing a trade update failed"),
          );
      },
      status: (s, reason) => publishStatus(r, s, reason),
    });
    if (!session) {
      background(redis.eval(RELEASE, 1, leaseKey(r), me), "releasing a lease");
      return;
    }
    owned.set(r, { kind: "trading", accountId, session, renewedAt: now() });
  }

  function stopOwning(r: string, why: string): void {
    const o = owned.get(r);
    if (!o) return;
    owned.delete(r);
    up.delete(r);
    o.session.close();
    log.info({ resource: r, why }, "gave up the upstream lease");
  }

  async function tryAcquire(r: string): Promise<void> {
    if (owned.has(r) || closed) return;
    const ok = await redis.set(leaseKey(r), me, "PX", deps.leaseTtlMs, "NX");
    if (ok === "OK" && !closed && !owned.has(r)) becomeOwner(r);
  }

  /**
   * Renews what this instance owns (yielding anything it could not renew for 80% of
   * the TTL, so that a partitioned owner stops before another can take over), drops
   * what nobody wants any more, and bids for what is wanted here but owned by nobody.
   * Each step is one pipelined round trip, however many resources (1,000 accounts'
   * trading streams) the instance holds.
   */
  async function tick(): Promise<void> {
    const held = [...owned];
    const renewal = redis
      .pipeline()
      .hset(alive, me, String(now() + deps.leaseTtlMs))
      .hgetall(alive);
    for (const [r] of held) {
      renewal.eval(RENEW, 1, leaseKey(r), me, String(deps.leaseTtlMs)).hgetall(demandKey(r));
    }
    let replies: [Error | null, unknown][];
    try {
      replies = (await withTimeout(renewal.exec(), deps.leaseRenewMs)) ?? [];
    } catch (err) {
      log.warn({ err: (err as Error).message, owned: held.length }, "stream lease renewal failed");
      for (const [r, o] of held)
        if (now() - o.renewedAt >= deps.leaseTtlMs * 0.8) stopOwning(r, "lease lost");
      return;
    }
    const t = now();
    const live = new Set<string>([me]);
    for (const [id, until] of Object.entries((replies[1]?.[1] ?? {}) as Record<string, string>)) {
      if (Number(until) > t) live.add(id);
    }
    const release: string[] = [];
    held.forEach(([r, o], i) => {
      const [renewErr, renewed] = replies[2 + 2 * i] ?? [null, 0];
      if (owned.get(r) !== o) return; // given up meanwhile
      if (renewErr || Number(renewed) !== 1) {
        if (renewErr && now() - o.renewedAt < deps.leaseTtlMs * 0.8) return;
        stopOwning(r, "lease lost");
        return;
      }
      o.renewedAt = t;
      applyDemand(r, o, (replies[3 + 2 * i]?.[1] ?? {}) as Record<string, string>, live);
      if (o.emptySince !== undefined && now() - o.emptySince >= deps.graceMs) {
        stopOwning(r, "no demand left");
        release.push(r);
      }
    });
    const bids = [...localDemand.keys()].filter((r) => !owned.has(r));
    if (release.length === 0 && bids.length === 0) return;
    const next = redis.pipeline();
    for (const r of release) next.eval(RELEASE, 1, leaseKey(r), me);
    for (const r of bids) next.set(leaseKey(r), me, "PX", deps.leaseTtlMs, "NX");
    const results = (await next.exec()) ?? [];
    bids.forEach((r, i) => {
      const [err, ok] = results[release.length + i] ?? [null, null];
      if (!err && ok === "OK" && !closed && !owned.has(r)) becomeOwner(r);
    });
  }

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking || closed) return;
    ticking = true;
    tick()
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, "stream lease tick failed"))
      .finally(() => {
        ticking = false;
      });
  }, deps.leaseRenewMs);
  timer.unref();
  await redis.hset(alive, me, String(now() + deps.leaseTtlMs));

  async function setDemand(r: string, value: string | undefined): Promise<void> {
    if (value === undefined) {
      localDemand.delete(r);
      await redis.hdel(demandKey(r), me);
    } else {
      localDemand.set(r, value);
      await ensureSubscribed(r);
      await redis.hset(demandKey(r), me, value);
    }
    await redis.publish(ctl, r);
    if (value !== undefined) await tryAcquire(r);
    const o = owned.get(r);
    if (o) await refreshDemand(r, o);
  }

  // Demand changes of one resource apply in order.
  const chains = new Map<string, Promise<void>>();
  const enqueue = (r: string, value: string | undefined): void => {
    const next = (chains.get(r) ?? Promise.resolve())
      .then(() => setDemand(r, value))
      .catch((err: unknown) =>
        log.warn({ err: (err as Error).message, resource: r }, "stream demand update failed"),
      );
    chains.set(r, next);
  };

  return {
    setDataDemand(feed, union) {
      const empty = DATA_CHANNELS.every((c) => union[c].size === 0);
      const lists = Object.fromEntries(DATA_CHANNELS.map((c) => [c, [...union[c]]]));
      enqueue(`data:${feed}`, empty ? undefined : JSON.stringify(lists));
    },
    setTradingDemand(accountId, wanted) {
      enqueue(`trading:${accountId}`, wanted ? "1" : undefined);
    },
    refreshAccount(accountId, dataAccount) {
      for (const [r, o] of owned) {
        if (o.kind === "data" && dataAccount) o.session.reconnect(`keys of ${accountId} changed`);
        if (o.kind === "trading" && o.accountId === accountId) {
          stopOwning(r, "account keys changed");
          becomeOwner(r); // still holds the lease; reopens with the current keys (or releases it)
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
      clearInterval(timer);
      await Promise.allSettled(chains.values());
      for (const r of [...owned.keys()]) {
        stopOwning(r, "shutting down");
        await redis.eval(RELEASE, 1, leaseKey(r), me).catch(() => undefined);
      }
      for (const r of localDemand.keys()) await redis.hdel(demandKey(r), me).catch(() => undefined);
      await redis.hdel(alive, me).catch(() => undefined);
      sub.disconnect();
    },
  };
}
