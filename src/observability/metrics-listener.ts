/**
 * `/metrics` on a port of its own (`metrics.port`): a bare node:http listener, so scrapes never
 * queue behind API traffic and the port can stay inside the cluster while the API port is exposed.
 * With `metrics.tokenFile` set, both this listener and the API port's `/metrics` require
 * `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

/** Constant-time check of `Authorization: Bearer <token>`; true when no token is required. */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export interface MetricsListener {
  listen(port: number, host: string): Promise<void>;
  address(): { host: string; port: number } | undefined;
  close(): Promise<void>;
}

export function createMetricsListener(deps: {
  metrics: Metrics;
  token: string | undefined;
  logger: Logger;
}): MetricsListener {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (!metricsAuthorized(req.headers.authorization, deps.token)) {
      res
        .writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" })
        .end("unauthorized\n");
      return;
    }
    deps.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text),
      (err: unknown) => {
        deps.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          "metrics collection failed",
        );
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
      },
    );
  });
  server.keepAliveTimeout = 5000;
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const a = server.address() as AddressInfo;
          deps.logger.info({ host: a.address, port: a.port }, "metrics listening");
          resolve();
        });
      }),
    address() {
      const a = server.address();
      return a && typeof a === "object" ? { host: a.address, port: a.port } : undefined;
    },
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
