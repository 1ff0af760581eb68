/**
 * Admin routes (scope `admin`): config reload, the kill switches and token revocations,
 * each recorded in the audit trail. Fleet-wide actions on revocations need a token for
 * every account (`accounts: "*"`).
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AuditEntryInput } from "../../audit/record.js";
import {
  MAX_TARGET_LENGTH,
  type Revocation,
  type Revocations,
  type RevocationTarget,
} from "../../auth/revocations.js";
import type { Principal } from "../../auth/types.js";
import type { ReloadOptions, ReloadResult } from "../../config/reload-plan.js";
import { PaddockError } from "../../errors.js";
import type { RouteDeps } from "../route-deps.js";

export interface AdminDeps extends RouteDeps {
  readonly reload: (options?: ReloadOptions) => Promise<ReloadResult>;
  /** Sets or lifts a halt durably (every instance, across restarts); `by` is the admin's subject. */
  readonly setHalted: (accountId: string | undefined, halted: boolean, by?: string) => Promise<void>;
  readonly revocations: Revocations;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
}

const invalid = (detail: string): PaddockError => new PaddockError("PADDOCK_REQUEST_INVALID", { detail });

/** `{"jti": "…"}` or `{"sub": "…"}`, nothing else; the 422 names the field. */
export function parseRevocationTarget(body: unknown): RevocationTarget {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalid('body: send a JSON object {"jti": "…"} or {"sub": "…"}');
  }
  const fields = Object.entries(body as Record<string, unknown>);
  for (const [k] of fields) {
    if (k !== "jti" && k !== "sub") throw invalid(`${k}: unknown field (use jti or sub)`);
  }
  if (fields.length !== 1) throw invalid('body: give exactly one of "jti" or "sub"');
  const [name, value] = fields[0]!;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_TARGET_LENGTH) {
    throw invalid(`${name}: must be a string of 1 to ${MAX_TARGET_LENGTH} characters`);
  }
  return name === "jti" ? { jti: value } : { sub: value };
}

const view = (r: Revocation) => ({
  [r.kind]: r.value,
  revoked_at: new Date(r.revokedAt).toISOString(),
  expires_at: new Date(r.expiresAt).toISOString(),
  revoked_by: r.by ?? null,
});

export function adminRoutes(deps: AdminDeps): FastifyPluginAsync {
  return async (app) => {
    const admin = (request: FastifyRequest) => deps.auth.authenticate(request, { scope: "admin" });
    /** Fleet-wide actions (global halt/resume, reload, revocations) need admin over every account. */
    const fleetAdmin = async (request: FastifyRequest): Promise<Principal> => {
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
      await deps.setHalted(accountId, halted, principal.sub);
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
    app.post("/v1/admin/revocations", async (request, reply) => {
      const principal = await fleetAdmin(request);
      const target = parseRevocationTarget(request.body);
      const revoked = await deps.revocations.revoke(target, principal.sub);
      await deps.audit.append({
        action: "admin.revoke",
        outcome: "accepted",
        source: "gateway",
        requestId: request.id,
        subject: principal.sub,
        request: { ...target },
      });
      return reply.code(201).send(view(revoked));
    });
    app.get("/v1/admin/revocations", async (request) => {
      await fleetAdmin(request);
      return { revocations: deps.revocations.list().map(view) };
    });
  };
}
