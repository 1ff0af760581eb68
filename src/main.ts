/**
 * Process entry for `paddock serve`: load config → buildGateway → listen → reload on
 * SIGHUP → drain on SIGTERM/SIGINT (stop accepting, finish in-flight requests, flush the audit log).
 */
import { buildGateway, type Gateway } from "./app.js";
import { type LoadedConfig, loadConfig } from "./config/load.js";
import { createLogger, type Logger } from "./observability/logger.js";

export interface ServeOptions {
  readonly configPath: string;
  readonly port?: number;
  readonly host?: string;
  readonly logger?: Logger;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does; embedded uses do not). */
  readonly signals?: boolean;
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

export async function serve(opts: ServeOptions): Promise<Running> {
  const load = async (): Promise<LoadedConfig> => loadConfig(opts.configPath);
  const loaded = await load();
  const logger =
    opts.logger ?? createLogger({ level: loaded.config.logging.level, format: loaded.config.logging.format });
  for (const w of loaded.warnings) logger.warn(w);
  const gateway = await buildGateway(loaded, { logger, loadConfig: load });
  const port = opts.port ?? loaded.config.server.port;
  const host = opts.host ?? loaded.config.server.host;
  const url = await listenGateway(gateway, port, host);
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
  if (opts.signals) {
    const onStop = () => void stop().then(() => process.exit(0));
    process.once("SIGTERM", onStop);
    process.once("SIGINT", onStop);
    process.on("SIGHUP", () => {
      gateway.reload().catch(() => {
        /* already logged: the running configuration stays */
      });
    });
  }
  return { gateway, url, stop };
}
