/**
 * Component health: each component registers a check; checks run on an interval
 * (30 s by default) and on demand, and feed `/readyz` and `paddock_component_up`.
 * A check that throws or exceeds its timeout counts as down.
 */
import type { Gauge } from "prom-client";

export type HealthStatus = "up" | "degraded" | "down";

export interface CheckResult {
  readonly status: HealthStatus;
  readonly detail?: string;
}

export interface ComponentReport extends CheckResult {
  readonly name: string;
  /** ISO time of the last run. */
  readonly checkedAt: string;
  readonly latencyMs: number;
  /** A required component that is down makes the instance not ready; an optional one only degraded. */
  readonly required: boolean;
}

export interface HealthReport {
  readonly status: HealthStatus;
  readonly components: readonly ComponentReport[];
}

export type HealthCheck = () => Promise<CheckResult> | CheckResult;

export interface HealthRegistry {
  register(name: string, check: HealthCheck, options?: { required?: boolean }): void;
  unregister(name: string): void;
  /** Runs every check now. */
  runAll(): Promise<HealthReport>;
  /** The last results (running checks that never ran). */
  report(): Promise<HealthReport>;
  start(): void;
  stop(): void;
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
  const checks = new Map<string, { check: HealthCheck; required: boolean }>();
  const last = new Map<string, ComponentReport>();
  let timer: NodeJS.Timeout | undefined;

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
      required: entry.required,
      checkedAt: new Date(now()).toISOString(),
      latencyMs: now() - started,
    };
    last.set(name, report);
    options.gauge?.set({ component: name }, result.status === "down" ? 0 : 1);
    if (previous !== result.status) options.onChange?.(name, previous, result);
    return report;
  }

  const summarize = (components: ComponentReport[]): HealthReport => {
    let status: HealthStatus = "up";
    for (const c of components) {
      if (c.status === "down" && c.required) return { status: "down", components };
      if (c.status !== "up") status = "degraded";
    }
    return { status, components };
  };

  return {
    register(name, check, opts = {}) {
      checks.set(name, { check, required: opts.required ?? true });
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
  };
}
