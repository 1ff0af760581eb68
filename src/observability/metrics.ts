/**
 * The Prometheus registry. Every metric Paddock exports is declared here once, with the
 * `paddock_` prefix and Prometheus' naming rules: counters end in `_total`, units are in the
 * name (`_seconds`, `_bytes`), label values are bounded (an HTTP status class and an error code
 * in separate labels, never a free-form string). Node's default metrics keep their standard
 * names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`…) so stock dashboards work.
 *
 * Under `paddock serve --workers` every worker's metrics are summed into one answer (cluster/metrics.ts):
 * counters and histograms add up; a gauge that must not (a component's health, a breaker's
 * state) declares its `aggregator`.
 *
 * Callers record through small recorder interfaces (`upstreamRequests.inc({account, outcome})`,
 * `breakerState.set({scope}, n)`): they say what happened, this file decides the exported labels.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

type Labels<L extends string> = Partial<Record<L, string | number>>;

/** What callers use of a counter. */
export interface CounterRecorder<L extends string> {
  inc(labels: Labels<L>, value?: number): void;
}
/** What callers use of a gauge with labels. */
export interface GaugeRecorder<L extends string> {
  set(labels: Labels<L>, value: number): void;
  /** Drops every series (e.g. accounts removed by a reload). */
  reset(): void;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, heap, event loop, GC) under their standard names. */
  readonly defaultMetrics?: boolean;
  /** Per-account series (budget, breaker, upstream requests by account); off for very large fleets. */
  readonly perAccount?: boolean;
  /** The registry to fill (a cluster worker's answers `/metrics` for every worker); default a new one. */
  readonly registry?: Registry;
}

export interface Metrics {
  readonly registry: Registry;
  readonly perAccount: boolean;
  readonly componentUp: Gauge<"component">;
  /** `status` is the HTTP status answered; `code` the Paddock error code, when there was one. */
  readonly httpRequests: CounterRecorder<"route" | "method" | "status" | "code">;
  readonly httpDuration: Histogram<"route">;
  /** `outcome` is Alpaca's HTTP status ("200", "503") or the Paddock error code when none came back. */
  readonly upstreamRequests: CounterRecorder<"account" | "outcome">;
  readonly upstreamDuration: Histogram<"host">;
  readonly budgetRemaining: GaugeRecorder<"account">;
  /** `scope` is `account:<id>[:data]` or `host:<host>`; 0 closed, 1 half-open, 2 open. */
  readonly breakerState: GaugeRecorder<"scope">;
  readonly clockSkew: Gauge;
  readonly auditRecords: Counter<"outcome">;
  readonly auditAppendDuration: Histogram;
  readonly accounts: Gauge;
  readonly tradingHalted: Gauge<"scope">;
  /** Cumulative counts from the verifier's stats: set() adds what grew since the last call. */
  readonly authVerifications: Pick<GaugeRecorder<"result">, "set">;
  /** Runs `fn` just before each scrape (to set gauges from live state); returns its removal. */
  onCollect(fn: () => void): () => void;
  /** Gives every account its series from the start (breaker closed) — read at each scrape. */
  trackAccounts(ids: () => Iterable<string>): void;
}

export const BREAKER_STATES = ["closed", "half_open", "open"] as const;
/** Audit outcomes counted from start (0) so alerts on them have a series before the first event. */
const AUDIT_OUTCOMES = ["accepted", "rejected", "write_failed"] as const;
const ALL_ACCOUNTS = "_all";

/** `503` → `5xx`; anything that is not an HTTP status → `none`. */
export function statusClass(status: string | number): string {
  const s = String(status);
  return /^[1-5]\d\d$/.test(s) ? `${s[0]}xx` : "none";
}

/** A Paddock error code as a label value; anything else collapses to `other` so values stay bounded. */
export function codeLabel(code: string | number | undefined): string {
  if (code === undefined || code === "") return "none";
  return /^PADDOCK_[A-Z0-9_]{1,60}$/.test(String(code)) ? String(code) : "other";
}

/**
 * Increments of a hot counter, kept in a map keyed by the caller's raw values and added to the
 * counter when it is collected (scraped): one map lookup per event instead of prom-client's label
 * validation and hashing on every request. Keys are bounded (route templates, methods, statuses,
 * error codes, account ids); past `MAX_PENDING` distinct keys the map is flushed and cleared.
 */
const MAX_PENDING = 10_000;
class PendingCounts<L extends string> {
  private readonly pending = new Map<string, { labels: Record<L, string>; n: number }>();
  constructor(private readonly counter: Counter<L>) {}

  add(key: string, labels: () => Record<L, string>, value: number): void {
    const p = this.pending.get(key);
    if (p) {
      p.n += value;
      return;
    }
    if (this.pending.size >= MAX_PENDING) this.flush(true);
    this.pending.set(key, { labels: labels(), n: value });
  }

  flush(clear = false): void {
    for (const p of this.pending.values()) {
      if (p.n !== 0) this.counter.inc(p.labels, p.n);
      p.n = 0;
    }
    if (clear) this.pending.clear();
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  const perAccount = options.perAccount !== false;
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const collectors = new Set<() => void>();
  const collectAll = () => {
    for (const fn of collectors) fn();
  };

  // the counters flush their pending counts when collected (declared just below, used only at scrape)
  const httpRequests = new Counter({
    name: "paddock_http_requests_total",
    help: "HTTP requests answered by the gateway, by route template, method, status class and error code",
    labelNames: ["route", "method", "status_class", "code"],
    registers,
    collect: (): void => httpPending.flush(),
  });
  const httpPending = new PendingCounts(httpRequests);
  const upstreamRequests = new Counter({
    name: "paddock_upstream_requests_total",
    help: "Requests sent to Alpaca, by account (`_all` when per-account series are off), status class and error code",
    labelNames: ["account", "status_class", "code"],
    registers,
    collect: (): void => upstreamPending.flush(),
  });
  const upstreamPending = new PendingCounts(upstreamRequests);
  const budgetRemaining = new Gauge({
    name: "paddock_budget_remaining",
    help: "Upstream requests left in the account's budget over the last minute (this instance's view)",
    labelNames: ["account"],
    registers,
    aggregator: "min",
    collect: collectAll,
  });

  // breakers: per scope when per-account series are on (host scopes always), and a count by state
  const breakerStates = new Map<string, number>();
  const trackedAccounts: (() => Iterable<string>)[] = [];
  const breakerGauge = new Gauge({
    name: "paddock_breaker_state",
    help: "Circuit breaker state by scope (account:<id>, account:<id>:data, host:<host>): 0 closed, 1 half-open, 2 open",
    labelNames: ["scope"],
    registers,
    aggregator: "max",
    collect() {
      for (const ids of trackedAccounts) {
        for (const id of ids()) {
          const scope = `account:${id}`;
          if (!breakerStates.has(scope)) setBreaker(scope, 0);
        }
      }
    },
  });
  const breakersByState = new Gauge({
    name: "paddock_breakers",
    help: "Circuit breakers of accounts by state (closed, half_open, open)",
    labelNames: ["state"],
    registers,
    aggregator: "max",
    collect() {
      const counts = [0, 0, 0];
      for (const [scope, v] of breakerStates)
        if (scope.startsWith("account:")) counts[v] = (counts[v] ?? 0) + 1;
      BREAKER_STATES.forEach((state, i) => void this.set({ state }, counts[i] ?? 0));
    },
  });
  const setBreaker = (scope: string, value: number) => {
    breakerStates.set(scope, value);
    if (perAccount || !scope.startsWith("account:")) breakerGauge.set({ scope }, value);
  };

  const authVerifications = new Counter({
    name: "paddock_auth_verifications_total",
    help: "Token verifications, by how they were answered: signature_check or cache_hit",
    labelNames: ["result"],
    registers,
  });
  const authSeen = new Map<string, number>();
  const auditRecords = new Counter({
    name: "paddock_audit_records_total",
    help: "Audit records appended, by outcome (write_failed: the append failed)",
    labelNames: ["outcome"],
    registers,
  });
  for (const outcome of AUDIT_OUTCOMES) auditRecords.inc({ outcome }, 0);
  for (const result of ["signature_check", "cache_hit"]) authVerifications.inc({ result }, 0);
  const tradingHalted = new Gauge({
    name: "paddock_trading_halted",
    help: "1 while trading is halted: scope `global` (every account) or `accounts` (how many are halted)",
    labelNames: ["scope"],
    registers,
    aggregator: "max",
  });
  tradingHalted.set({ scope: "global" }, 0);
  tradingHalted.set({ scope: "accounts" }, 0);
  for (const state of BREAKER_STATES) breakersByState.set({ state }, 0);

  return {
    registry,
    perAccount,
    componentUp: new Gauge({
      name: "paddock_component_up",
      help: "1 when the component's last health check passed, else 0",
      labelNames: ["component"],
      registers,
      aggregator: "min",
    }),
    httpRequests: {
      inc(labels, value = 1) {
        httpPending.add(
          `${labels.route}\u0000${labels.method}\u0000${labels.status}\u0000${labels.code}`,
          () => ({
            route: String(labels.route ?? "unknown"),
            method: String(labels.method ?? "GET"),
            status_class: statusClass(labels.status ?? ""),
            code: codeLabel(labels.code),
          }),
          value,
        );
      },
    },
    httpDuration: new Histogram({
      name: "paddock_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by route template",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    upstreamRequests: {
      inc(labels, value = 1) {
        upstreamPending.add(
          `${labels.account}\u0000${labels.outcome}`,
          () => {
            const outcome = String(labels.outcome ?? "");
            const cls = statusClass(outcome);
            return {
              account: perAccount ? String(labels.account ?? "unknown") : ALL_ACCOUNTS,
              status_class: cls,
              code: cls === "none" ? codeLabel(outcome) : "none",
            };
          },
          value,
        );
      },
    },
    upstreamDuration: new Histogram({
      name: "paddock_upstream_request_duration_seconds",
      help: "Upstream request duration, by upstream (paper, live or data)",
      labelNames: ["host"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    budgetRemaining: {
      set(labels, value) {
        if (perAccount) budgetRemaining.set({ account: String(labels.account ?? "unknown") }, value);
      },
      reset: () => budgetRemaining.reset(),
    },
    breakerState: {
      set(labels, value) {
        setBreaker(String(labels.scope ?? "unknown"), value);
      },
      reset() {
        breakerStates.clear();
        breakerGauge.reset();
      },
    },
    clockSkew: new Gauge({
      name: "paddock_clock_skew_seconds",
      help: "Local clock minus the upstream Date header",
      registers,
      aggregator: "average",
    }),
    auditRecords,
    auditAppendDuration: new Histogram({
      name: "paddock_audit_append_duration_seconds",
      help: "Time from an audit append to its record being durable (written, and fsynced per audit.durability)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    accounts: new Gauge({
      name: "paddock_accounts",
      help: "Accounts configured",
      registers,
      aggregator: "max",
    }),
    tradingHalted,
    authVerifications: {
      set(labels, value) {
        const result = String(labels.result ?? "unknown");
        const grew = value - (authSeen.get(result) ?? 0);
        authSeen.set(result, value);
        // a smaller total means the source restarted: count it afresh, as Prometheus does a counter reset
        authVerifications.inc({ result }, grew >= 0 ? grew : value);
      },
    },
    onCollect(fn) {
      collectors.add(fn);
      return () => void collectors.delete(fn);
    },
    trackAccounts(ids) {
      trackedAccounts.push(ids);
    },
  };
}
