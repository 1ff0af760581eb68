/**
 * The primary process of `paddock serve --workers N`: forks N workers that serve one port
 * (node:cluster hands them the connections; the primary listens on nothing of its own),
 * serves their channels (primary-hub.ts), restarts a worker that dies unexpectedly (with
 * backoff, logged and counted), forwards SIGHUP as one reload that every worker follows, and
 * on SIGTERM/SIGINT drains every worker (each runs its own drain: readiness 503, the drain
 * delay, in-flight requests) and exits 0 once all are gone.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Config } from "../config/schema.js";
import type { Logger } from "../observability/logger.js";
import { type BackoffOptions, reconnectDelay } from "../resilience/backoff.js";
import { systemClock } from "../resilience/clock.js";
import { createPort, type ToPrimary, type ToWorker, workerEndpoint } from "./ipc.js";
import { createPrimaryHub, type PrimaryHub } from "./primary-hub.js";
import { WORKER_COUNT_ENV, WORKER_ID_ENV } from "./worker.js";

/** `server.workers` / `--workers` as a number of processes ("auto": one per available core). */
export function resolveWorkers(
  value: number | "auto",
  available: () => number = availableParallelism,
): number {
  return value === "auto" ? Math.max(1, available()) : value;
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly config: Config;
  readonly logger: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does). */
  readonly signals?: boolean;
  /** Restart backoff (default 250 ms doubling to 15 s; reset after a worker ran a minute). */
  readonly backoff?: BackoffOptions;
}

export interface RunningPrimary {
  readonly hub: PrimaryHub;
  /** Live workers' pids by worker id. */
  pids(): ReadonlyMap<number, number>;
  /** Drains every worker; resolves with the exit code once all are gone. */
  stop(): Promise<number>;
  /** Resolves with the exit code when the primary is done (stopped, or a worker could not start). */
  readonly done: Promise<number>;
}

interface Slot {
  readonly id: number;
  worker: Worker | undefined;
  startedAt: number;
  /** Restarts in a row without a minute of service. */
  attempts: number;
  /** Some incarnation of this slot has listened (a first start that fails is a start-up failure). */
  everListened: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

const STABLE_MS = 60_000;

export function startPrimary(o: PrimaryOptions): RunningPrimary {
  const log = o.logger.child({ component: "primary" });
  const backoff = o.backoff ?? { baseMs: 250, maxMs: 15_000 };
  const hub = createPrimaryHub({
    clock: systemClock,
    graceMs: o.config.streams.unsubscribeGraceMs,
    logger: log,
  });
  const slots = new Map<number, Slot>();
  let stopping: Promise<number> | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let failedStart = false;
  let forced = false;
  let unclean = false;

  const live = (): Slot[] => [...slots.values()].filter((s) => s.worker !== undefined);
  const maybeDone = (): void => {
    if (!stopping || live().length > 0) return;
    hub.close();
    finish(failedStart || forced || unclean ? 1 : 0);
  };

  function fork(slot: Slot): void {
    slot.restartTimer = undefined;
    const worker = cluster.fork({ [WORKER_ID_ENV]: String(slot.id), [WORKER_COUNT_ENV]: String(o.workers) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    hub.attach(slot.id, createPort<ToWorker, ToPrimary>(workerEndpoint(worker)));
    worker.once("listening", () => {
      slot.everListened = true;
      log.info({ worker: slot.id, pid: worker.process.pid }, "worker serving");
    });
    worker.once("exit", (code, signal) => exited(slot, worker, code, signal));
  }

  function exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const how = { worker: slot.id, pid: worker.process.pid, code, signal };
    if (stopping) {
      if (code !== 0) unclean = true;
      log.info(how, "worker stopped");
      maybeDone();
      return;
    }
    if (!slot.everListened) {
      // a first start that fails (a port in use, an unreadable file) will fail again: stop
      log.error(how, "worker could not start; stopping the others");
      failedStart = true;
      void stop();
      return;
    }
    const uptime = Date.now() - slot.startedAt;
    slot.attempts = uptime >= STABLE_MS ? 0 : slot.attempts + 1;
    const delay = reconnectDelay(Math.max(0, slot.attempts - 1), backoff);
    hub.metrics.restarts.inc({ reason: signal ?? `exit_${code ?? "unknown"}` });
    log.error({ ...how, uptimeMs: uptime, restartInMs: delay }, "worker exited unexpectedly; restarting it");
    slot.restartTimer = setTimeout(() => {
      if (!stopping) fork(slot);
    }, delay);
  }

  function stop(): Promise<number> {
    stopping ??= (async () => {
      log.info({ workers: live().length }, "stopping: draining every worker");
      for (const slot of slots.values()) {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        slot.restartTimer = undefined;
        slot.worker?.process.kill("SIGTERM");
      }
      const s = o.config.server;
      const force = setTimeout(
        () => {
          for (const slot of live()) {
            forced = true;
            log.warn({ worker: slot.id }, "worker still running after its drain; killing it");
            slot.worker?.process.kill("SIGKILL");
          }
        },
        s.drainDelayMs + s.shutdownGraceMs + 10_000,
      );
      force.unref();
      maybeDone();
      const code = await done;
      clearTimeout(force);
      return code;
    })();
    return stopping;
  }

  for (let id = 1; id <= o.workers; id++) {
    const slot: Slot = {
      id,
      worker: undefined,
      startedAt: 0,
      attempts: 0,
      everListened: false,
      restartTimer: undefined,
    };
    slots.set(id, slot);
    fork(slot);
  }
  log.info({ workers: o.workers, pid: process.pid }, "primary started its workers");

  if (o.signals) {
    const onStop = (): void => void stop();
    process.on("SIGTERM", onStop);
    process.on("SIGINT", onStop);
    process.on("SIGHUP", () => {
      if (stopping) return;
      log.info("SIGHUP: reloading the configuration in every worker");
      if (!hub.reload()) log.warn("no worker to reload");
    });
  }

  return {
    hub,
    pids: () =>
      new Map(live().flatMap((s) => (s.worker?.process.pid ? [[s.id, s.worker.process.pid] as const] : []))),
    stop,
    done,
  };
}
