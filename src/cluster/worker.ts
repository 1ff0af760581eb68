/**
 * A worker's side of `paddock serve --workers N`: its id (1…N, stable across restarts) and
 * what it takes from the primary over its channel when no Redis is configured: the shared
 * budget store, the stream coordinator, the cluster's aggregated metrics, and reloads made
 * by another worker (or asked for by SIGHUP on the primary).
 */
import type { BudgetFactory } from "../resilience/budget.js";
import type { Clock } from "../resilience/clock.js";
import type { SlotStore } from "../resilience/slot-store.js";
import type { CoordinatorFactory } from "../streams/coordinator.js";
import {
  createPort,
  type Port,
  processEndpoint,
  type RawEndpoint,
  type ToPrimary,
  type ToWorker,
} from "./ipc.js";
import { ClusterRegistry } from "./metrics.js";
import { createWorkerCoordinator } from "./worker-coordinator.js";
import { createWorkerSlotStore, shareUpstreamLimits } from "./worker-slot-store.js";

/** Environment a worker is forked with: its id and the number of workers. */
export const WORKER_ID_ENV = "PADDOCK_WORKER_ID";
export const WORKER_COUNT_ENV = "PADDOCK_WORKERS";

export interface ClusterWorker {
  /** 1…N, stable across restarts (the `X-Paddock-Worker` header, log lines, audit chain suffix). */
  readonly id: number;
  /** How many workers the primary runs. */
  readonly count: number;
  readonly port: Port<ToPrimary, ToWorker>;
  /** The budget store counted by the primary. */
  slotStore(clock: Pick<Clock, "now">): SlotStore & { close(): void };
  /** Sends Alpaca's rate signals heard here to the primary's count. */
  shareUpstreamLimits(factory: BudgetFactory): BudgetFactory;
  /** Stream ownership assigned by the primary. */
  readonly coordinator: CoordinatorFactory;
  /** A registry whose `metrics()` is the cluster's aggregate. */
  readonly registry: ClusterRegistry;
  /** Called when the primary asks for a reload (`lead`: reload and let the others follow). */
  onReload(fn: (lead: boolean) => void): void;
  /** This worker reloaded its configuration: the others follow. */
  reloaded(): void;
}

export interface JoinOptions {
  readonly id: number;
  readonly count: number;
  /** Default: this process's IPC channel to the primary. */
  readonly endpoint?: RawEndpoint;
}

/** Reads the worker id and count the primary gave this process; undefined outside a cluster worker. */
export function workerIdentity(
  env: NodeJS.ProcessEnv = process.env,
): { id: number; count: number } | undefined {
  const id = Number(env[WORKER_ID_ENV]);
  const count = Number(env[WORKER_COUNT_ENV]);
  if (!Number.isInteger(id) || id < 1 || !Number.isInteger(count) || count < 1) return undefined;
  return { id, count };
}

export function joinCluster(o: JoinOptions): ClusterWorker {
  const port = createPort<ToPrimary, ToWorker>(o.endpoint ?? processEndpoint());
  const registry = new ClusterRegistry();
  registry.attach(port);
  const reloaders: Array<(lead: boolean) => void> = [];
  port.on((m) => {
    if (m.t === "reload") for (const fn of reloaders) fn(m.lead);
  });
  return {
    id: o.id,
    count: o.count,
    port,
    slotStore: (clock) => createWorkerSlotStore({ port, clock }),
    shareUpstreamLimits: (factory) => shareUpstreamLimits(factory, port),
    coordinator: (parts) => createWorkerCoordinator(port, parts),
    registry,
    onReload: (fn) => void reloaders.push(fn),
    reloaded: () => port.send({ t: "reloaded" }),
  };
}
