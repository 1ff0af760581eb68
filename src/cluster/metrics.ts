/**
 * `/metrics` of a cluster: whichever worker a scrape reaches answers for all of them. The
 * worker's registry asks the primary, which collects every worker's metrics as JSON (and its
 * own: live workers, restarts, its process) and aggregates them with prom-client's
 * AggregatorRegistry: counters and histograms are summed, each gauge by the aggregator it
 * declares (`paddock_component_up` the minimum, breaker states the maximum, …). A scrape
 * fails (500) rather than answer a partial sum when a worker does not answer in time.
 */
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Port, ToPrimary, ToWorker } from "./ipc.js";

/** A worker's registry: `metrics()` answers the cluster's aggregate; the JSON stays its own. */
export class ClusterRegistry extends Registry {
  private port: Port<ToPrimary, ToWorker> | undefined;
  private readonly waiting = new Map<
    number,
    { resolve: (t: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private seq = 0;

  constructor(private readonly timeoutMs = 10_000) {
    super();
  }

  /** Answers the primary's collections and routes its aggregates back to the waiting scrapes. */
  attach(port: Port<ToPrimary, ToWorker>): void {
    this.port = port;
    port.on((m) => {
      if (m.t === "collect") {
        this.getMetricsAsJSON().then(
          (json) => port.send({ t: "collected", id: m.id, json: json as unknown[] }),
          (err: unknown) => port.send({ t: "collected", id: m.id, err: String(err) }),
        );
      } else if (m.t === "metrics") {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        clearTimeout(w.timer);
        if (m.text !== undefined) w.resolve(m.text);
        else w.reject(new Error(m.err ?? "metrics aggregation failed"));
      }
    });
    port.onClose(() => {
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error("the primary process is gone"));
      }
      this.waiting.clear();
    });
  }

  override metrics(): Promise<string> {
    const port = this.port;
    if (!port?.open) return super.metrics();
    const id = ++this.seq;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the primary did not aggregate the metrics within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      port.send({ t: "metrics", id });
    });
  }
}

export interface PrimaryMetrics {
  readonly restarts: Counter<"reason">;
  readonly workers: Gauge;
  /** Handles `metrics` (aggregate for a worker) and `collected` (a worker's answer). */
  handle(worker: number, message: ToPrimary): void;
  /** A worker is gone: collections stop waiting for it. */
  workerGone(worker: number): void;
  close(): void;
}

export interface PrimaryMetricsDeps {
  /** The live workers' ports, by worker id. */
  readonly ports: () => ReadonlyMap<number, Port<ToWorker, ToPrimary>>;
  readonly timeoutMs?: number;
  /** Node's process metrics for the primary (default true). */
  readonly defaultMetrics?: boolean;
}

export function createPrimaryMetrics(deps: PrimaryMetricsDeps): PrimaryMetrics {
  const timeoutMs = deps.timeoutMs ?? 5000;
  const own = new Registry();
  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: own });
  const restarts = new Counter({
    name: "paddock_worker_restarts_total",
    help: "Workers the primary restarted after they exited unexpectedly, by reason (exit code or signal)",
    labelNames: ["reason"],
    registers: [own],
  });
  const workers = new Gauge({
    name: "paddock_workers",
    help: "Worker processes serving (paddock serve --workers)",
    registers: [own],
  });
  const collecting = new Map<
    number,
    { left: Set<number>; parts: unknown[][]; done: (err?: Error) => void; timer: NodeJS.Timeout }
  >();
  let seq = 0;

  const aggregate = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const ports = deps.ports();
      const id = ++seq;
      const parts: unknown[][] = [];
      const finish = (err?: Error): void => {
        const c = collecting.get(id);
        if (!c) return;
        collecting.delete(id);
        clearTimeout(c.timer);
        if (err) {
          reject(err);
          return;
        }
        own
          .getMetricsAsJSON()
          .then((mine) =>
            // the JSON is what getMetricsAsJSON produced on each side
            AggregatorRegistry.aggregate([...parts, mine] as Parameters<
              typeof AggregatorRegistry.aggregate
            >[0]).metrics(),
          )
          .then(resolve, reject);
      };
      const timer = setTimeout(() => {
        const c = collecting.get(id);
        finish(
          new Error(
            `worker(s) ${[...(c?.left ?? [])].join(", ")} did not send metrics within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      collecting.set(id, { left: new Set(ports.keys()), parts, done: finish, timer });
      for (const port of ports.values()) port.send({ t: "collect", id });
      if (ports.size === 0) finish();
    });

  return {
    restarts,
    workers,
    handle(worker, m) {
      if (m.t === "collected") {
        const c = collecting.get(m.id);
        if (!c?.left.delete(worker)) return;
        if (m.err !== undefined || !m.json) {
          c.done(new Error(`worker ${worker}: ${m.err ?? "no metrics"}`));
          return;
        }
        c.parts.push(m.json);
        if (c.left.size === 0) c.done();
      } else if (m.t === "metrics") {
        const port = deps.ports().get(worker);
        aggregate().then(
          (text) => port?.send({ t: "metrics", id: m.id, text }),
          (err: unknown) =>
            port?.send({ t: "metrics", id: m.id, err: err instanceof Error ? err.message : String(err) }),
        );
      }
    },
    workerGone(worker) {
      for (const c of [...collecting.values()]) if (c.left.delete(worker) && c.left.size === 0) c.done();
    },
    close() {
      for (const c of [...collecting.values()]) c.done(new Error("primary shutting down"));
    },
  };
}
