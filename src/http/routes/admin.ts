/** Admin routes (scope `admin`): config reload and the kill switches, each recorded in the audit trail. */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AuditEntryInput } from "../../audit/record.js";
import type { ReloadOptions, ReloadResult } from "../../config/reload-plan.js";
import { PaddockError } from "../../errors.js";
import type { RouteDeps } from "../route-deps.js";

export interface AdminDeps extends RouteDeps {
  readonly reload: (options?: ReloadOptions) => Promise<ReloadResult>;
  readonly setHalted: (accountId: string | undefined, halted: boolean) => void;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
}

export function adminRoutes(deps: AdminDeps): FastifyPluginAsync {
  return async (app) => {
    const admin = (request: FastifyRequest) => deps.auth.authenticate(request, { scope: "admin" });
    /** Fleet-wide actions (global halt/resume, reload) need admin over every account (`accounts: "*"`). */
    const fleetAdmin = async (request: FastifyRequest) => {
      const principal = await admin(request);
      if (principal.accounts !== "*") {
        throw new PaddockError("PADDOCK_AUTH_ACCOUNT", {
          detail: 'fleet-wide admin actions need a token for every account (accounts: "*")',
        });
      }
      return principal;
    };
    const toggle = async (request: FastifyRequest, accountId: string | undefined, halted: boolean) => {
      const principal =
        accountId === undefined
          ? await fleetAdmin(request)
          : await deps.auth.authenticate(request, { scope: "admin", accountId });
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
    app.post<{ Querystring: { open_orders?: string } }>("/v1/admin/reload", async (request) => {
      await fleetAdmin(request);
      const choice = request.query.open_orders;
      if (choice !== undefined && choice !== "cancel" && choice !== "keep") {
        throw new PaddockError("PADDOCK_REQUEST_INVALID", {
          field: "open_orders",
          detail: "must be cancel or keep",
        });
      }
      return { reloaded: true, ...(await deps.reload(choice === undefined ? {} : { openOrders: choice })) };
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
