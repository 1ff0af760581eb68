/**
 * Compliance routes (scope `admin` over every account, `accounts: "*"`):
 * `POST /v1/admin/gdpr/erase {"subject": "…"}` destroys the data subject's keys,
 * so their personal fields in the audit trail can no longer be read (the chain
 * still verifies). The erasure itself is audited without naming the subject.
 */
import type { FastifyPluginAsync } from "fastify";
import type { AuditEntryInput } from "../../audit/record.js";
import { PaddockError } from "../../errors.js";
import type { RouteDeps } from "../route-deps.js";

export interface ComplianceDeps extends Pick<RouteDeps, "auth"> {
  /** Destroys the subject's keys; resolves to how many (see AuditTrail.erase). */
  readonly erase: (subject: string) => Promise<number>;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
}

export function complianceRoutes(deps: ComplianceDeps): FastifyPluginAsync {
  return async (app) => {
    app.post(
      "/v1/admin/gdpr/erase",
      {
        schema: {
          description: "GDPR erasure: destroy a data subject's audit keys (needs admin over every account).",
          tags: ["admin"],
        },
      },
      async (request) => {
        const principal = await deps.auth.authenticate(request, { scope: "admin" });
        if (principal.accounts !== "*") {
          throw new PaddockError("PADDOCK_AUTH_ACCOUNT", {
            detail: 'erasure needs a token with accounts: "*"',
          });
        }
        const body = request.body as { subject?: unknown } | null | undefined;
        const subject = body && typeof body === "object" ? body.subject : undefined;
        if (typeof subject !== "string" || subject.length === 0 || subject.length > 1024) {
          throw new PaddockError("PADDOCK_REQUEST_INVALID", {
            detail: "subject: must be a non-empty string",
          });
        }
        const erased = await deps.erase(subject);
        await deps.audit.append({
          action: "gdpr.erase",
          outcome: "accepted",
          source: "gateway",
          requestId: request.id,
          subject: principal.sub,
          request: { keys_destroyed: erased },
        });
        return { erased: erased > 0, keys_destroyed: erased };
      },
    );
  };
}
