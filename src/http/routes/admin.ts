/** Admin routes (scope `admin`): config reload and the kill switches, each recorded in the audit trail. */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AuditEntryInput } from "../../audit/record.js";
import type { RouteDeps } from "../route-deps.js";

export interface AdminDeps extends RouteDeps {
  readonly reload: () => Promise<{ added: string[]; removed: string[]; rekeyed: string[] }>;
  readonly setHalted: (accountId: string | undefined, halted: boolean) => void;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
}

export function adminRoutes(deps: AdminDeps): FastifyPluginAsync {
  return async (app) => {
    const admin = (request: FastifyRequest) => deps.auth.authenticate(request, { scope: "admin" });
    const toggle = async (request: FastifyRequest, accountId: string | undefined, halted: boolean) => {
      const principal = await admin(request);
      if (accountId !== undefined) await deps.auth.authenticate(request, { scope: "admin", accountId });
      deps.setHalted(accountId, halted);
      await deps.audit.append({
        action: halted ? "admin.halt" : "admin.resume",
        outcome: "accepted",
        source: "gateway",
        requestId: request.id,
        subject: principal.sub,
        ...(accountId ? { account: accountId } : {}),
      });
      return { halted, scope: accountId ?? "global" };
    };
    app.post("/v1/admin/reload", async (request) => {
      await admin(request);
      return { reloaded: true, ...(await deps.reload()) };
    });
    app.post("/v1/admin/halt", (request) => toggle(request, undefined, true));
    app.post("/v1/admin/resume", (request) => toggle(request, undefined, false));
    app.post<{ Params: { id: string } }>("/v1/admin/accounts/:id/halt", (request) =>
      toggle(request, request.params.id, true),
    );
    app.post<{ Params: { id: string } }>("/v1/admin/accounts/:id/resume", (request) =>
      toggle(request, request.params.id, false),
    );
  };
}
