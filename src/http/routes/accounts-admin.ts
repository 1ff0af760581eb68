/**
 * Accounts as a managed resource (scope `admin` over every account):
 * `GET|POST /v1/admin/accounts`, `PATCH|DELETE /v1/admin/accounts/{id}`,
 * `POST /v1/admin/accounts:import` (JSON, or CSV as text/csv), and halts by tag:
 * `POST /v1/admin/tags/{tag}/halt|resume` (admin over every account carrying the tag).
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Fleet } from "../../accounts/types.js";
import type { AuditEntryInput } from "../../audit/record.js";
import { authorize } from "../../auth/authorize.js";
import { PaddockError } from "../../errors.js";
import type { AccountAdmin } from "../../fleet/account-admin.js";
import { accountsWithTag } from "../../fleet/targets.js";
import type { RouteDeps } from "../route-deps.js";

export interface AccountsAdminDeps {
  readonly auth: RouteDeps["auth"];
  readonly fleet: Fleet;
  readonly admin: AccountAdmin;
  /** Sets or lifts a halt durably (every instance, across restarts); `by` is the admin's subject. */
  readonly setHalted: (accountId: string | undefined, halted: boolean, by?: string) => Promise<void>;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
  /**
   * With shards: every account of every shard (halts live in the shared state store, so a tag halt set
   * here reaches the accounts of the other shards too). Absent: this instance's fleet.
   */
  readonly allAccounts?: () => ReadonlyArray<{ readonly id: string; readonly tags: readonly string[] }>;
}

export function accountsAdminRoutes(deps: AccountsAdminDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
    /** Changing the fleet needs admin over every account (`accounts: "*"`). */
    const fleetAdmin = async (request: FastifyRequest) => {
      const principal = await deps.auth.authenticate(request, { scope: "admin" });
      if (principal.accounts !== "*") {
        throw new PaddockError("PADDOCK_AUTH_ACCOUNT", {
          detail: 'managing accounts needs a token for every account (accounts: "*")',
        });
      }
      return { subject: principal.sub, requestId: request.id };
    };

    app.get("/v1/admin/accounts", async (request) => {
      await fleetAdmin(request);
      return { accounts: await deps.admin.list() };
    });
    app.post("/v1/admin/accounts", async (request, reply) => {
      const who = await fleetAdmin(request);
      reply.code(201);
      return deps.admin.add(request.body, who);
    });
    app.post("/v1/admin/accounts::import", async (request) => {
      const who = await fleetAdmin(request);
      return deps.admin.importAccounts(request.body, who);
    });
    app.patch<{ Params: { id: string } }>("/v1/admin/accounts/:id", async (request) => {
      const who = await fleetAdmin(request);
      return deps.admin.update(request.params.id, request.body, who);
    });
    app.delete<{ Params: { id: string }; Querystring: { open_orders?: string } }>(
      "/v1/admin/accounts/:id",
      async (request) => {
        const who = await fleetAdmin(request);
        const choice = request.query.open_orders;
        if (choice !== undefined && choice !== "cancel" && choice !== "keep") {
          throw new PaddockError("PADDOCK_REQUEST_INVALID", {
            field: "open_orders",
            detail: "must be cancel or keep",
          });
        }
        return deps.admin.remove(request.params.id, choice ? { openOrders: choice } : {}, who);
      },
    );

    const tagToggle = async (request: FastifyRequest<{ Params: { tag: string } }>, halted: boolean) => {
      const principal = await deps.auth.authenticate(request, { scope: "admin" });
      const { tag } = request.params;
      const accounts = deps.allAccounts
        ? deps.allAccounts().filter((a) => a.tags.includes(tag))
        : accountsWithTag(deps.fleet, tag);
      if (accounts.length === 0) {
        throw new PaddockError("PADDOCK_NOT_FOUND", { detail: `no account has the tag ${tag.slice(0, 64)}` });
      }
      for (const a of accounts)
        authorize(principal, { scope: "admin", accountId: a.id, accountTags: a.tags });
      for (const a of accounts) {
        await deps.setHalted(a.id, halted, principal.sub);
        await deps.audit.append({
          action: halted ? "admin.halt" : "admin.resume",
          outcome: "accepted",
          source: "gateway",
          requestId: request.id,
          subject: principal.sub,
          account: a.id,
          request: { tag },
        });
      }
      return { halted, scope: `tag:${tag}`, accounts: accounts.map((a) => a.id) };
    };
    app.post<{ Params: { tag: string } }>("/v1/admin/tags/:tag/halt", (request) => tagToggle(request, true));
    app.post<{ Params: { tag: string } }>("/v1/admin/tags/:tag/resume", (request) =>
      tagToggle(request, false),
    );
  };
}
