/**
 * Component health: each component registers a check; checks run on an interval
 * (30 s by default) and on demand, and feed `/readyz` and `paddock_component_up`.
 * A check that throws or exceeds its timeout counts as down.
 *
 * Readiness says what this instance can really serve. Each component names the
 * capabilities (reads, orders, streams, audit, ledger) its failure takes away (`gates`)
 * or only weakens (`degrades`); a `required` component takes everything away. The
 * instance is `down` (503 at /readyz) only when it can serve nothing; otherwise `up` or
 * `degraded` (200), with the details in `serving`. Alpaca being down degrades reads and
 * orders but never makes the instance leave the load balancer: another instance would
 * see the same Alpaca.
 */
import type { Gauge } from "prom-client";

export type HealthStatus = "up" | "degraded" | "down";

/** What a client can ask of this instance. */
export const CAPABILITIES = ["reads", "orders", "streams", "audit", "ledger"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type Availability = "available" | "degraded" | "unavailable";

export interface CapabilityReport {
  readonly status: Availability;
  /** The components that took it away or weakened it, e.g. `redis: down`. */
  readonly because?: readonly string[];
}

export interface RegisterOptions {
  /** Down: the instance serves nothing (default false). */
  readonly required?: boolean;
  /** Down: these capabilities are unavailable; degraded: they are degraded. */
  readonly gates?: readonly Capability[];
  /** Down or degraded: these capabilities are degraded. */
  readonly degrades?: readonly Capability[];
}

export interface CheckResult {
  readonly status: HealthStatus;
  readonly detail?: string;
}

export interface ComponentReport extends CheckResult {
  readonly name: string;
  /** ISO time of the last run. */
  readonly checkedAt: string;
  readonly latencyMs: number;
  /** A required component that is down makes the instance serve nothing. */
  readonly required: boolean;
}

export interface HealthReport {
  /** down (HTTP 503) only when no capability is available or degraded, or while draining. */
  readonly status: HealthStatus;
  /** True once a shutdown began (SIGTERM): the instance finishes what it has and takes nothing new. */
  readonly draining?: boolean;
  readonly serving: Readonly<Record<Capability, CapabilityReport>>;
  readonly components: readonly ComponentReport[];
}

export type HealthCheck = () => Promise<CheckResult> | CheckResult;

export interface HealthRegistry {
  register(name: string, check: HealthCheck, options?: RegisterOptions): void;
  unregister(name: string): void;
  /** Runs every check now. */
  runAll(): Promise<HealthReport>;
  /** The last results (running checks that never ran). */
  report(): Promise<HealthReport>;
  start(): void;
  stop(): void;
  /**
   * The instance is shutting down: from now on the report says `down` (readiness 503) so load
   * balancers stop sending, while requests already routed here are still served.
   */
  drain(): void;
  /** Called once when `drain` is first called (a shard replica deregisters then). */
  onDrain(listener: () => void): void;
}

export interface HealthOptions {
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly gauge?: Gauge<"component">;
  readonly now?: () => number;
  readonly onChange?: (name: string, previous: HealthStatus | undefined, next: CheckResult) => void;
}

export function createHealthRegistry(options: HealthOptions): HealthRegistry {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const checks = new Map<string, { check: HealthCheck; options: RegisterOptions }>();
  const last = new Map<string, ComponentReport>();
  let timer: NodeJS.Timeout | undefined;
  let draining = false;
  const drainListeners: Array<() => void> = [];

  async function runOne(name: string): Promise<ComponentReport> {
    const entry = checks.get(name)!;
    const started = now();
    let result: CheckResult;
    let timeout: NodeJS.Timeout | undefined;
    try {
      result = await Promise.race([
        Promise.resolve().then(entry.check),
        new Promise<CheckResult>((resolve) => {
          timeout = setTimeout(
            () => resolve({ status: "down", detail: `timed out after ${timeoutMs} ms` }),
            timeoutMs,
          );
          timeout.unref();
        }),
      ]);
    } catch (err) {
      result = { status: "down", detail: err instanceof Error ? err.message : String(err) };
    } finally {
      if (timeout) clearTimeout(timeout);
    }
    const previous = last.get(name)?.status;
    const report: ComponentReport = {
      name,
      ...result,
      required: entry.options.required === true,
      checkedAt: new Date(now()).toISOString(),
      latencyMs: now() - started,
    };
    last.set(name, report);
    options.gauge?.set({ component: name }, result.status === "down" ? 0 : 1);
    if (previous !== result.status) options.onChange?.(name, previous, result);
    return report;
  }

  const summarize = (components: ComponentReport[]): HealthReport => {
    const serving = assess(components, (name) => checks.get(name)?.options ?? {});
    const values = Object.values(serving);
    let status: HealthStatus = "up";
    if (values.every((c) => c.status === "unavailable")) status = "down";
    else if (values.some((c) => c.status !== "available") || components.some((c) => c.status !== "up"))
      status = "degraded";
    return draining ? { status: "down", draining, serving, components } : { status, serving, components };
  };

  return {
    register(name, check, opts = {}) {
      checks.set(name, { check, options: opts });
    },
    unregister(name) {
      checks.delete(name);
      last.delete(name);
      options.gauge?.remove({ component: name });
    },
    async runAll() {
      return summarize(await Promise.all([...checks.keys()].map(runOne)));
    },
    async report() {
      const components = await Promise.all([...checks.keys()].map((n) => last.get(n) ?? runOne(n)));
      return summarize(components);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void this.runAll(), options.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const l of drainListeners) l();
    },
    onDrain(listener) {
      drainListeners.push(listener);
    },
  };
}

const RANK: Record<Availability, number> = { available: 0, degraded: 1, unavailable: 2 };

/** What each capability is worth given the components' last results (see the module comment). */
export function assess(
  components: readonly ComponentReport[],
  optionsOf: (name: string) => RegisterOptions,
): Record<Capability, CapabilityReport> {
  const worst = new Map<Capability, { status: Availability; because: string[] }>(
    CAPABILITIES.map((c) => [c, { status: "available", because: [] }]),
  );
  const lower = (cap: Capability, to: Availability, why: string): void => {
    const w = worst.get(cap)!;
    w.because.push(why);
    if (RANK[to] > RANK[w.status]) w.status = to;
  };
  for (const c of components) {
    if (c.status === "up") continue;
    const o = optionsOf(c.name);
    const why = `${c.name}: ${c.status}${c.detail ? ` (${c.detail})` : ""}`;
    const down = c.status === "down";
    if (down && o.required) for (const cap of CAPABILITIES) lower(cap, "unavailable", why);
    for (const cap of o.gates ?? []) lower(cap, down ? "unavailable" : "degraded", why);
    for (const cap of o.degrades ?? []) lower(cap, "degraded", why);
  }
  const out = {} as Record<Capability, CapabilityReport>;
  for (const [cap, w] of worst) out[cap] = w.because.length > 0 ? w : { status: w.status };
  return out;
}
