/**
 * `/livez` (the process answers), `/readyz` (component checks), `/metrics` (Prometheus; behind a
 * bearer token when `metrics.tokenFile` is set, absent here when `metrics.port` serves it apart).
 * Never rate limited.
 */
import type { FastifyPluginAsync } from "fastify";
import { metricsAuthorized } from "../../observability/metrics-listener.js";
import type { RouteDeps } from "../route-deps.js";

export interface HealthRouteOptions extends Pick<RouteDeps, "health" | "metrics"> {
  /** Bearer token `/metrics` requires. */
  readonly token?: string | undefined;
  /** False when `/metrics` has a port of its own. */
  readonly serveMetrics?: boolean;
}

export function healthRoutes(deps: HealthRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.get("/livez", { schema: { hide: true } }, async () => ({ status: "ok" }));
    // readiness: the body says what is served (reads, orders, streams, audit, ledger); 503 only
    // when nothing is (docs/resilience.md §5): Alpaca being down never takes an instance out
    app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
      const report = await deps.health.report();
      reply.code(report.status === "down" ? 503 : 200);
      return report;
    });
    if (deps.serveMetrics === false) return;
    app.get("/metrics", { schema: { hide: true } }, async (req, reply) => {
      if (!metricsAuthorized(req.headers.authorization, deps.token)) {
        reply.code(401).header("www-authenticate", "Bearer").type("text/plain");
        return "unauthorized\n";
      }
      reply.header("content-type", deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };
}
