/** `/livez` (the process answers), `/readyz` (component checks), `/metrics` (Prometheus). Never rate limited. */
import type { FastifyPluginAsync } from "fastify";
import type { RouteDeps } from "../route-deps.js";

export function healthRoutes(deps: Pick<RouteDeps, "health" | "metrics">): FastifyPluginAsync {
  return async (app) => {
    app.get("/livez", { schema: { hide: true } }, async () => ({ status: "ok" }));
    // readiness: the body says what is served (reads, orders, streams, audit, ledger); 503 only
    // when nothing is (docs/resilience.md §5): Alpaca being down never takes an instance out
    app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
      const report = await deps.health.report();
      reply.code(report.status === "down" ? 503 : 200);
      return report;
    });
    app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
      reply.header("content-type", deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };
}
