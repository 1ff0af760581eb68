/**
 * Process entry for `paddock serve`: load config → buildGateway → listen → reload on
 * SIGHUP → drain on SIGTERM/SIGINT (stop accepting, finish in-flight requests, flush the audit log).
 * With `--workers N` (or `server.workers`) above 1, this process becomes the primary of N
 * workers (cluster/primary.ts), each of which runs `serve` as a cluster worker.
 */
import cluster from "node:cluster";
import { buildGateway, type Gateway } from "./app.js";
import { resolveWorkers, startPrimary } from "./cluster/primary.js";
import { type ClusterWorker, joinCluster, workerIdentity } from "./cluster/worker.js";
import { type LoadedConfig, loadConfig } from "./config/load.js";
import { PaddockError } from "./errors.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics } from "./observability/metrics.js";

export interface ServeOptions {
  readonly configPath: string;
  readonly port?: number;
  readonly host?: string;
  readonly logger?: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does; embedded uses do not). */
  readonly signals?: boolean;
  /** This process is worker `cluster.id` of `serve --workers` (the primary forked it). */
  readonly cluster?: ClusterWorker;
}

/** Response header naming the worker that answered (`serve --workers`; absent in a single process). */
export const WORKER_HEADER = "x-paddock-worker";

/**
 * A worker's view of the configuration: a configured `audit.instanceId` gets the worker's
 * suffix (`<id>-w<n>`), so each worker writes a chain of its own and continues it after a restart.
 */
export function forWorker(loaded: LoadedConfig, worker: Pick<ClusterWorker, "id"> | undefined): LoadedConfig {
  const id = loaded.config.audit.instanceId;
  if (!worker || id === undefined) return loaded;
  const audit = Object.freeze({ ...loaded.config.audit, instanceId: `${id}-w${worker.id}` });
  return { ...loaded, config: Object.freeze({ ...loaded.config, audit }) };
}

export interface Running {
  readonly gateway: Gateway;
  readonly url: string;
  stop(): Promise<void>;
}

export async function listenGateway(gateway: Gateway, port: number, host: string): Promise<string> {
  await gateway.app.listen({ port, host });
  const addr = gateway.app.server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  const scheme = gateway.config().server.tls ? "https" : "http";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${actual}`;
}

/** A listener that cannot start (port in use, not allowed) as one line naming the setting. */
function listenProblem(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") return err;
  const why = { EADDRINUSE: "in use", EACCES: "not allowed", EADDRNOTAVAIL: "not available" }[code];
  return new PaddockError("PADDOCK_CONFIG_IO", {
    detail: `server.host/server.port ${host}:${port}: address ${why} (${code})`,
    cause: err,
  });
}

export async function serve(opts: ServeOptions): Promise<Running> {
  const worker = opts.cluster;
  const load = async (): Promise<LoadedConfig> => forWorker(await loadConfig(opts.configPath), worker);
  const loaded = await load();
  const base =
    opts.logger ?? createLogger({ level: loaded.config.logging.level, format: loaded.config.logging.format });
  const logger = worker ? base.child({ worker: worker.id }) : base;
  // the primary printed the configuration's warnings once for every worker
  if (!worker) for (const w of loaded.warnings) logger.warn(w);
  const gateway = await buildGateway(loaded, {
    logger,
    loadConfig: load,
    ...(worker
      ? {
          cluster: worker,
          metrics: createMetrics({ perAccount: loaded.config.metrics.perAccount, registry: worker.registry }),
        }
      : {}),
  });
  if (worker) {
    // which worker answered: on every HTTP response and on WebSocket upgrades
    const tag = String(worker.id);
    gateway.app.server.prependListener("request", (_req, res) => res.setHeader(WORKER_HEADER, tag));
    gateway.app.websocketServer.on("headers", (headers) => headers.push(`X-Paddock-Worker: ${tag}`));
  }
  const port = opts.port ?? loaded.config.server.port;
  const host = opts.host ?? loaded.config.server.host;
  let url: string;
  try {
    url = await listenGateway(gateway, port, host);
  } catch (err) {
    // nothing may keep the process alive after a failed start (timers, the state store, pools)
    await gateway.close().catch(() => undefined);
    throw listenProblem(err, host, port);
  }
  logger.info({ url, accounts: gateway.fleet.list().length }, "paddock gateway listening");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // readiness fails first, so load balancers stop sending before the listener closes
      gateway.health.drain();
      const delay = loaded.config.server.drainDelayMs;
      if (delay > 0) {
        logger.info(
          { ms: delay },
          "draining: /readyz answers 503; still serving while load balancers notice",
        );
        await new Promise((r) => setTimeout(r, delay));
      }
      logger.info("draining: no new connections, finishing in-flight requests");
      const grace = setTimeout(() => {
        logger.warn("drain grace period over; closing remaining connections");
        gateway.app.server.closeAllConnections?.();
      }, loaded.config.server.shutdownGraceMs);
      grace.unref();
      await gateway.close();
      clearTimeout(grace);
      logger.info("stopped");
    })();
    return stopping;
  };
  const reload = (options?: { followed: boolean }) =>
    gateway.reload(options).catch(() => {
      /* already logged: the running configuration stays */
    });
  if (worker) {
    // the primary asks: lead a reload (SIGHUP on the primary), or follow one another worker made
    worker.onReload((lead) => void reload(lead ? undefined : { followed: true }));
  }
  if (opts.signals) {
    const onStop = () => void stop().then(() => process.exit(0));
    process.once("SIGTERM", onStop);
    process.once("SIGINT", onStop);
    process.on("SIGHUP", () => {
      // a worker reloads when the primary says so (a terminal's hang-up reaches every process)
      if (worker) logger.info("SIGHUP ignored by a worker: send it to the primary process");
      else void reload();
    });
  }
  return { gateway, url, stop };
}

export interface ServeCommandOptions extends Omit<ServeOptions, "cluster" | "signals"> {
  /** `--workers`: overrides `server.workers`. */
  readonly workers?: number | "auto";
}

/**
 * `paddock serve` as the CLI runs it: a single process, the primary of N workers, or (when the
 * primary forked this process) one of those workers. Resolves with the exit code once a
 * primary is done; a single process or a worker runs until a signal ends it.
 */
export async function serveCommand(opts: ServeCommandOptions): Promise<number | undefined> {
  const identity = cluster.isWorker ? workerIdentity() : undefined;
  if (identity) {
    try {
      await serve({ ...opts, signals: true, cluster: joinCluster(identity) });
    } catch (err) {
      // the channel to the primary (or a half-built gateway) would keep a worker that could not start
      // alive; a worker's own disconnect (unlike a bare process.disconnect) keeps its exit code
      cluster.worker?.disconnect();
      setTimeout(() => process.exit(1), 5000).unref();
      throw err;
    }
    return undefined;
  }
  const loaded = await loadConfig(opts.configPath);
  const workers = resolveWorkers(opts.workers ?? loaded.config.server.workers);
  if (workers <= 1) {
    await serve({ ...opts, signals: true });
    return undefined;
  }
  const logger =
    opts.logger ?? createLogger({ level: loaded.config.logging.level, format: loaded.config.logging.format });
  for (const w of loaded.warnings) logger.warn(w);
  const primary = startPrimary({ workers, config: loaded.config, logger, signals: true });
  return primary.done;
}
