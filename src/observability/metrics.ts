/**
 * The Prometheus registry. Every metric Paddock exports is declared here once,
 * with the `paddock_` prefix, so names stay consistent and documented.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly componentUp: Gauge<"component">;
  readonly httpRequests: Counter<"route" | "method" | "status">;
  readonly httpDuration: Histogram<"route">;
  readonly upstreamRequests: Counter<"account" | "outcome">;
  readonly upstreamDuration: Histogram<"host">;
  readonly budgetRemaining: Gauge<"account">;
  readonly breakerState: Gauge<"scope">;
  readonly clockSkew: Gauge;
  readonly auditRecords: Counter<"outcome">;
  readonly accounts: Gauge;
  readonly authVerifications: Gauge<"result">;
  /** Runs `fn` just before each scrape (to set gauges from live state); returns its removal. */
  onCollect(fn: () => void): () => void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "paddock_" });
  const registers = [registry];
  const collectors = new Set<() => void>();
  return {
    registry,
    componentUp: new Gauge({
      name: "paddock_component_up",
      help: "1 when the component's last health check passed, else 0",
      labelNames: ["component"],
      registers,
    }),
    httpRequests: new Counter({
      name: "paddock_http_requests_total",
      help: "HTTP requests answered by the gateway",
      labelNames: ["route", "method", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "paddock_http_request_duration_seconds",
      help: "Time to answer an HTTP request",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    upstreamRequests: new Counter({
      name: "paddock_upstream_requests_total",
      help: "Requests sent to Alpaca, by account and outcome",
      labelNames: ["account", "outcome"],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: "paddock_upstream_request_duration_seconds",
      help: "Upstream request duration",
      labelNames: ["host"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    budgetRemaining: new Gauge({
      name: "paddock_budget_remaining",
      help: "Upstream requests left in the account's budget over the last minute (this instance's view)",
      labelNames: ["account"],
      registers,
      collect() {
        for (const fn of collectors) fn();
      },
    }),
    breakerState: new Gauge({
      name: "paddock_breaker_state",
      help: "Circuit breaker state: 0 closed, 1 half-open, 2 open",
      labelNames: ["scope"],
      registers,
    }),
    clockSkew: new Gauge({
      name: "paddock_clock_skew_seconds",
      help: "Local clock minus the upstream Date header",
      registers,
    }),
    auditRecords: new Counter({
      name: "paddock_audit_records_total",
      help: "Audit records appended",
      labelNames: ["outcome"],
      registers,
    }),
    accounts: new Gauge({ name: "paddock_accounts", help: "Accounts configured", registers }),
    authVerifications: new Gauge({
      name: "paddock_auth_verifications",
      help: "Token verifications since start, by how they were answered: signature_check or cache_hit",
      labelNames: ["result"],
      registers,
    }),
    onCollect(fn) {
      collectors.add(fn);
      return () => void collectors.delete(fn);
    },
  };
}
