/**
 * The account fleet: each configured account with its credentials, its own
 * keep-alive pool to its Alpaca host, its budget and its breakers. A request goes
 * budget → breakers (account, host) → pool, and is retried only when safe to repeat.
 */
import type { Dispatcher } from "undici";
import type { AccountConfig, Config } from "../config/schema.js";
import { PaddockError } from "../errors.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { type Breaker, createBreaker } from "../resilience/breaker.js";
import type { AccountBudget, BudgetFactory } from "../resilience/budget.js";
import { withRetries } from "../resilience/retry.js";
import { closeDispatcher, preconnect, type Transport } from "../upstream/client.js";
import type {
  Account,
  AccountStatus,
  BreakerState,
  Fleet,
  UpstreamRequest,
  UpstreamResponse,
} from "./types.js";

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

const BREAKER_CODE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const header = (h: UpstreamResponse["headers"], name: string): number | undefined => {
  const v = h[name];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || Number.isNaN(n) ? undefined : n;
};

/** 5xx and 429 count against a breaker; other 4xx are the client's doing. */
const classify = (o: { result?: UpstreamResponse; error?: unknown }): "success" | "failure" | "ignore" => {
  if (o.error !== undefined) {
    return o.error instanceof PaddockError &&
      (o.error.code === "PADDOCK_RATE_LIMITED" || o.error.code === "PADDOCK_BREAKER_OPEN")
      ? "ignore"
      : "failure";
  }
  const s = o.result?.status ?? 0;
  return s >= 500 || s === 429 ? "failure" : "success";
};

interface AccountEntry {
  readonly account: Account;
  cfg: AccountConfig;
  keys: { keyId: string; secretKey: string };
  readonly budget: AccountBudget;
  readonly breaker: Breaker;
  readonly dispatcher: Dispatcher;
  halted: boolean;
  lastError: AccountStatus["lastError"];
}

export function createFleet(initial: Config, deps: FleetDeps): ManagedFleet {
  const now = deps.now ?? Date.now;
  let config = initial;
  const entries = new Map<string, AccountEntry>();
  const listeners = new Set<(c: { added: string[]; removed: string[]; rekeyed: string[] }) => void>();
  const hostBreakers = new Map<string, Breaker>();

  const breakerOptions = (name: string) => ({
    name,
    failureRatio: config.upstream.breakerFailureRatio,
    minimumRequests: config.upstream.breakerMinimumRequests,
    windowMs: config.upstream.breakerWindowMs,
    halfOpenAfterMs: config.upstream.breakerHalfOpenAfterMs,
    now,
    onStateChange: (from: BreakerState, to: BreakerState) => {
      deps.metrics.breakerState.set({ scope: name }, BREAKER_CODE[to]);
      const log = to === "open" ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
      log({ breaker: name, from, to }, `circuit breaker ${name}: ${from} -> ${to}`);
    },
  });

  const hostBreaker = (origin: string): Breaker => {
    let b = hostBreakers.get(origin);
    if (!b) {
      b = createBreaker(breakerOptions(`host:${new URL(origin).host}`));
      hostBreakers.set(origin, b);
    }
    return b;
  };

  const tradingOrigin = (cfg: AccountConfig): string =>
    new URL(cfg.mode === "live" ? config.upstream.tradingLiveUrl : config.upstream.tradingPaperUrl).origin;
  // parsed once per configuration (reconfigure updates it), not on every data request
  let dataOriginValue = new URL(config.upstream.dataUrl).origin;
  const dataOrigin = (): string => dataOriginValue;

  function build(cfg: AccountConfig): AccountEntry {
    const origin = tradingOrigin(cfg);
    const limit = cfg.rateLimitPerMinute ?? config.upstream.rateLimitPerMinute;
    const budget = deps.budgets.forAccount(cfg.id, {
      limitPerMinute: limit,
      maxWaitMs: config.upstream.queueMaxWaitMs,
      maxDepth: config.upstream.queueMaxDepth,
    });
    const breaker = createBreaker(breakerOptions(`account:${cfg.id}`));
    const dispatcher = deps.transport.pool(origin);
    const entry: AccountEntry = {
      cfg,
      keys: { keyId: cfg.keyId, secretKey: cfg.secretKey },
      budget,
      breaker,
      dispatcher,
      halted: false,
      lastError: undefined,
      account: undefined as unknown as Account, // set just below; the object refers back to its entry
    };

    const attempt = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
      await budget.acquire(req.priority, req.signal);
      const isData = req.kind === "data";
      const target = isData ? dataOrigin() : origin;
      const d = isData ? deps.transport.shared(target) : dispatcher;
      const started = now();
      try {
        const res = await deps.transport.send(d, target, req, entry.keys);
        budget.observe({
          limit: header(res.headers, "x-ratelimit-limit"),
          remaining: header(res.headers, "x-ratelimit-remaining"),
          resetEpochSeconds: header(res.headers, "x-ratelimit-reset"),
        });
        deps.metrics.upstreamRequests.inc({ account: cfg.id, outcome: String(res.status) });
        if (res.status >= 500 || res.status === 429) {
          entry.lastError = {
            at: new Date(now()).toISOString(),
            status: res.status,
            message: `upstream ${res.status}`,
          };
        }
        return res;
      } catch (err) {
        const e = PaddockError.from(err);
        deps.metrics.upstreamRequests.inc({ account: cfg.id, outcome: e.code });
        entry.lastError = { at: new Date(now()).toISOString(), message: e.message };
        throw e;
      } finally {
        deps.metrics.upstreamDuration.observe({ host: isData ? "data" : cfg.mode }, (now() - started) / 1000);
      }
    };

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
      request(req) {
        const host = hostBreaker(req.kind === "data" ? dataOrigin() : origin);
        // cancels and position closes must always be attempted, even with an open breaker
        const bypass = req.priority === "order" && req.method === "DELETE";
        const once = () =>
          breaker.execute(() => host.execute(() => attempt(req), classify, { bypass }), classify, { bypass });
        if (!req.idempotent) return once();
        return withRetries(once, {
          maxRetries: config.upstream.maxRetries,
          baseMs: config.upstream.retryBaseDelayMs,
          maxMs: config.upstream.retryMaxDelayMs,
        });
      },
      status() {
        const hostState = hostBreaker(origin).state();
        const own = breaker.state();
        return {
          budget: budget.snapshot(),
          breaker: own !== "closed" ? own : hostState,
          halted: entry.halted,
          ...(entry.lastError ? { lastError: entry.lastError } : {}),
        };
      },
      credentials: () => entry.keys,
    };
    (entry as { account: Account }).account = account;
    if (config.upstream.preconnect)
      void preconnect(dispatcher, origin, config.upstream.connectionsPerAccount);
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

  const dataIds = (): Set<string> | undefined =>
    config.marketData.accounts.length > 0 ? new Set(config.marketData.accounts) : undefined;

  return {
    get: (id) => entries.get(id)?.account,
    list: () => [...entries.values()].map((e) => e.account),
    dataAccounts() {
      const ids = dataIds();
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
      dataOriginValue = new URL(config.upstream.dataUrl).origin;
      const added: string[] = [];
      const removed: string[] = [];
      const rekeyed: string[] = [];
      const wanted = new Map(next.accounts.map((a) => [a.id, a]));
      for (const [id, e] of entries) {
        const cfg = wanted.get(id);
        if (!cfg || cfg.mode !== e.cfg.mode) {
          entries.delete(id);
          removed.push(id);
          e.budget.close();
          void closeDispatcher(e.dispatcher); // in-flight requests finish first
          continue;
        }
        if (cfg.keyId !== e.keys.keyId || cfg.secretKey !== e.keys.secretKey) rekeyed.push(id);
        e.keys = { keyId: cfg.keyId, secretKey: cfg.secretKey };
        e.cfg = cfg;
      }
      for (const [id, cfg] of wanted) {
        if (entries.has(id)) continue;
        entries.set(id, build(cfg));
        added.push(id);
      }
      deps.metrics.accounts.set(entries.size);
      const change = { added, removed, rekeyed };
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
