/**
 * The account fleet: each configured account with its credentials, its own upstream
 * connections, its budget and its breakers. Each account's send chain is composed once
 * (src/upstream/interceptors.ts): retry → breakers (account, host) → budget → metrics →
 * transport. Host breakers are shared by the accounts of a host and open only when
 * many of them fail together.
 */
import type { AccountConfig, Config } from "../config/schema.js";
import { PaddockError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { type Breaker, createBreaker } from "../resilience/breaker.js";
import type { AccountBudget, BudgetFactory } from "../resilience/budget.js";
import { createHostBreaker, type HostBreaker } from "../resilience/host-breaker.js";
import type { AccountConnection, Transport } from "../upstream/client.js";
import {
  type BreakerPair,
  breakerInterceptor,
  budgetInterceptor,
  metricsInterceptor,
  retryInterceptor,
} from "../upstream/interceptors.js";
import { compose, type Send, type UpstreamKind } from "../upstream/types.js";
import type { Account, AccountStatus, BreakerState, Fleet } from "./types.js";

export interface FleetDeps {
  readonly transport: Transport;
  readonly budgets: BudgetFactory;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export interface ManagedFleet extends Fleet {
  /** Applies a new configuration: adds, removes and re-keys accounts without dropping in-flight requests. */
  reconfigure(config: Config): Promise<{ added: string[]; removed: string[]; rekeyed: string[] }>;
  /** Refuse new orders on one account (kill switch); cancels still go through. */
  setHalted(accountId: string, halted: boolean): void;
  close(): Promise<void>;
}

type Change = { added: string[]; removed: string[]; rekeyed: string[] };

const BREAKER_CODE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

interface AccountEntry {
  readonly account: Account;
  cfg: AccountConfig;
  keys: { keyId: string; secretKey: string };
  readonly budget: AccountBudget;
  readonly breakers: Record<UpstreamKind, BreakerPair>;
  readonly connection: AccountConnection;
  halted: boolean;
  lastError: AccountStatus["lastError"];
}

export function createFleet(initial: Config, deps: FleetDeps): ManagedFleet {
  const now = deps.now ?? Date.now;
  let config = initial;
  const entries = new Map<string, AccountEntry>();
  const listeners = new Set<(c: Change) => void>();
  const hostBreakers = new Map<string, HostBreaker>();

  const onBreakerChange = (name: string) => (from: BreakerState, to: BreakerState) => {
    deps.metrics.breakerState.set({ scope: name }, BREAKER_CODE[to]);
    const log = to === "open" ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log({ breaker: name, from, to }, `circuit breaker ${name}: ${from} -> ${to}`);
  };

  const hostBreaker = (origin: string): HostBreaker => {
    let b = hostBreakers.get(origin);
    if (!b) {
      const u = config.upstream;
      const name = `host:${new URL(origin).host}`;
      b = createHostBreaker({
        name,
        accountShare: u.hostBreakerAccountShare,
        minimumAccounts: u.hostBreakerMinimumAccounts,
        windowMs: u.breakerWindowMs,
        halfOpenAfterMs: u.breakerHalfOpenAfterMs,
        now,
        onStateChange: onBreakerChange(name),
      });
      hostBreakers.set(origin, b);
    }
    return b;
  };

  const accountBreaker = (id: string, kind: UpstreamKind, host: HostBreaker): Breaker => {
    const name = kind === "trading" ? `account:${id}` : `account:${id}:data`;
    const log = onBreakerChange(name);
    return createBreaker({
      name,
      failureRatio: config.upstream.breakerFailureRatio,
      minimumRequests: config.upstream.breakerMinimumRequests,
      windowMs: config.upstream.breakerWindowMs,
      halfOpenAfterMs: config.upstream.breakerHalfOpenAfterMs,
      now,
      onStateChange: (from, to) => {
        log(from, to);
        host.accountState(id, to);
      },
    });
  };

  const tradingOrigin = (cfg: AccountConfig): string =>
    new URL(cfg.mode === "live" ? config.upstream.tradingLiveUrl : config.upstream.tradingPaperUrl).origin;
  // parsed once per configuration (reconfigure updates it), not on every data request
  let dataOrigin = new URL(config.upstream.dataUrl).origin;

  function build(cfg: AccountConfig): AccountEntry {
    const origin = tradingOrigin(cfg);
    const budget = deps.budgets.forAccount(cfg.id, {
      limitPerMinute: cfg.rateLimitPerMinute ?? config.upstream.rateLimitPerMinute,
      maxWaitMs: config.upstream.queueMaxWaitMs,
      maxDepth: config.upstream.queueMaxDepth,
    });
    const pair = (kind: UpstreamKind, o: string): BreakerPair => {
      const host = hostBreaker(o);
      return { account: accountBreaker(cfg.id, kind, host), host };
    };
    const connection = deps.transport.forAccount(origin);
    const entry: AccountEntry = {
      cfg,
      keys: { keyId: cfg.keyId, secretKey: cfg.secretKey },
      budget,
      breakers: { trading: pair("trading", origin), data: pair("data", dataOrigin) },
      connection,
      halted: false,
      lastError: undefined,
      account: undefined as unknown as Account, // set just below; the object refers back to its entry
    };
    const transportSend: Send = (req) =>
      connection.send(req.kind === "data" ? dataOrigin : origin, req, entry.keys);
    const send = compose(
      transportSend,
      retryInterceptor(() => ({
        maxRetries: config.upstream.maxRetries,
        baseMs: config.upstream.retryBaseDelayMs,
        maxMs: config.upstream.retryMaxDelayMs,
      })),
      breakerInterceptor(cfg.id, (req) => entry.breakers[req.kind]),
      budgetInterceptor(budget, now),
      metricsInterceptor(
        {
          sent: (req, outcome, seconds) => {
            deps.metrics.upstreamRequests.inc({ account: cfg.id, outcome });
            deps.metrics.upstreamDuration.observe({ host: req.kind === "data" ? "data" : cfg.mode }, seconds);
          },
          failed: (status, message) => {
            const at = new Date(now()).toISOString();
            entry.lastError = status === undefined ? { at, message } : { at, status, message };
          },
        },
        now,
      ),
    );

    const account: Account = {
      id: cfg.id,
      get mode() {
        return entry.cfg.mode;
      },
      get tags() {
        return entry.cfg.tags;
      },
      get feed() {
        return entry.cfg.feed;
      },
      get limits() {
        return entry.cfg.limits;
      },
      tradingUrl: origin,
      get streamUrl() {
        return entry.cfg.mode === "live" ? config.upstream.streamLiveUrl : config.upstream.streamPaperUrl;
      },
      request: send,
      status() {
        const { account: own, host } = entry.breakers.trading;
        const state = own.state();
        return {
          budget: budget.snapshot(),
          breaker: state !== "closed" ? state : host.state(),
          halted: entry.halted,
          ...(entry.lastError ? { lastError: entry.lastError } : {}),
        };
      },
      credentials: () => entry.keys,
    };
    (entry as { account: Account }).account = account;
    if (config.upstream.preconnect) void connection.preconnect(origin, config.upstream.connectionsPerAccount);
    return entry;
  }

  for (const cfg of config.accounts) entries.set(cfg.id, build(cfg));
  deps.metrics.accounts.set(entries.size);

  // paddock_budget_remaining is read from the budgets at scrape time, so it is never stale
  const stopCollect = deps.metrics.onCollect(() => {
    deps.metrics.budgetRemaining.reset(); // drops accounts removed by a reload
    for (const e of entries.values()) {
      const b = e.budget.snapshot();
      if (b.limit > 0) deps.metrics.budgetRemaining.set({ account: e.cfg.id }, b.remaining);
    }
  });

  const remove = (id: string, e: AccountEntry): void => {
    entries.delete(id);
    e.budget.close();
    for (const h of hostBreakers.values()) h.forget(id);
    void e.connection.close(); // in-flight requests finish first
  };

  return {
    get: (id) => entries.get(id)?.account,
    list: () => [...entries.values()].map((e) => e.account),
    dataAccounts() {
      const ids = config.marketData.accounts.length > 0 ? new Set(config.marketData.accounts) : undefined;
      return [...entries.values()].filter((e) => !ids || ids.has(e.cfg.id)).map((e) => e.account);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setHalted(id, halted) {
      const e = entries.get(id);
      if (!e) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: id });
      e.halted = halted;
    },
    async reconfigure(next) {
      config = next;
      dataOrigin = new URL(config.upstream.dataUrl).origin;
      const change: Change = { added: [], removed: [], rekeyed: [] };
      const wanted = new Map(next.accounts.map((a) => [a.id, a]));
      for (const [id, e] of entries) {
        const cfg = wanted.get(id);
        if (!cfg || cfg.mode !== e.cfg.mode) {
          remove(id, e);
          change.removed.push(id);
          continue;
        }
        if (cfg.keyId !== e.keys.keyId || cfg.secretKey !== e.keys.secretKey) change.rekeyed.push(id);
        e.keys = { keyId: cfg.keyId, secretKey: cfg.secretKey };
        e.cfg = cfg;
      }
      for (const [id, cfg] of wanted) {
        if (entries.has(id)) continue;
        entries.set(id, build(cfg));
        change.added.push(id);
      }
      deps.metrics.accounts.set(entries.size);
      for (const l of listeners) l(change);
      return change;
    },
    async close() {
      stopCollect();
      for (const e of entries.values()) e.budget.close();
      entries.clear();
    },
  };
}
