/**
 * What the primary of `paddock serve --workers N` provides its workers over their channels:
 * the shared budget count (slot-accountant.ts, when no Redis is configured), stream
 * ownership and relay (stream-broker.ts), the cluster's aggregated metrics (metrics.ts), and
 * reloads that reach every worker: one worker reloads (SIGHUP on the primary picks the
 * first; an admin API call reloads the worker it reached) and the others follow it.
 */
import type { Clock } from "../resilience/clock.js";
import type { Port, ToPrimary, ToWorker } from "./ipc.js";
import { createPrimaryMetrics, type PrimaryMetrics } from "./metrics.js";
import { createSlotAccountant, type SlotAccountant } from "./slot-accountant.js";
import { createStreamBroker, type StreamBroker } from "./stream-broker.js";

export interface PrimaryHubDeps {
  readonly clock: Clock;
  /** `streams.unsubscribeGraceMs`. */
  readonly graceMs: number;
  readonly logger?: { info(o: object, m?: string): void; debug(o: object, m?: string): void };
  /** Node's process metrics for the primary (default true). */
  readonly defaultMetrics?: boolean;
  readonly metricsTimeoutMs?: number;
}

export interface PrimaryHub {
  /** Serves a worker's channel; the worker's id is stable across its restarts (1…N). */
  attach(worker: number, port: Port<ToWorker, ToPrimary>): void;
  /** Asks one worker to reload its configuration; the others follow when it succeeds. */
  reload(): boolean;
  /** Live workers, by id. */
  readonly ports: () => ReadonlyMap<number, Port<ToWorker, ToPrimary>>;
  readonly accountant: SlotAccountant;
  readonly broker: StreamBroker;
  readonly metrics: PrimaryMetrics;
  close(): void;
}

export function createPrimaryHub(deps: PrimaryHubDeps): PrimaryHub {
  const ports = new Map<number, Port<ToWorker, ToPrimary>>();
  const accountant = createSlotAccountant({ clock: deps.clock });
  const broker = createStreamBroker({
    send: (w, m) => ports.get(w)?.send(m),
    graceMs: deps.graceMs,
    clock: deps.clock,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const metrics = createPrimaryMetrics({
    ports: () => ports,
    ...(deps.defaultMetrics !== undefined ? { defaultMetrics: deps.defaultMetrics } : {}),
    ...(deps.metricsTimeoutMs !== undefined ? { timeoutMs: deps.metricsTimeoutMs } : {}),
  });

  const dispatch = (worker: number, port: Port<ToWorker, ToPrimary>, m: ToPrimary): void => {
    switch (m.t) {
      case "take": {
        const g = accountant.take(worker, m.k, m.w, m.l);
        port.send({ t: "grant", id: m.id, g: g.granted, ms: g.retryInMs });
        return;
      }
      case "release":
        accountant.release(worker, m.k, m.n);
        return;
      case "observe":
        accountant.observe(m.k, m.h);
        return;
      case "throttled":
        accountant.throttled(m.k, m.ms ?? undefined);
        return;
      case "metrics":
      case "collected":
        metrics.handle(worker, m);
        return;
      case "reloaded":
        for (const [w, p] of ports) if (w !== worker) p.send({ t: "reload", lead: false });
        return;
      default:
        broker.handle(worker, m);
    }
  };

  return {
    attach(worker, port) {
      ports.set(worker, port);
      metrics.workers.set(ports.size);
      port.on((m) => dispatch(worker, port, m));
      port.onClose(() => {
        if (ports.get(worker) === port) ports.delete(worker);
        metrics.workers.set(ports.size);
        broker.workerGone(worker);
        metrics.workerGone(worker);
      });
    },
    reload() {
      const first = [...ports.keys()].sort((a, b) => a - b)[0];
      if (first === undefined) return false;
      ports.get(first)?.send({ t: "reload", lead: true });
      return true;
    },
    ports: () => ports,
    accountant,
    broker,
    metrics,
    close() {
      broker.close();
      metrics.close();
    },
  };
}
