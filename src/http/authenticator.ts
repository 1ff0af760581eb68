/** Bearer-token authentication for routes: verify once per token (cached by the verifier), then scope and account. */
import type { FastifyRequest } from "fastify";
import type { Fleet } from "../accounts/types.js";
import { authorize } from "../auth/authorize.js";
import type { Principal, Scope } from "../auth/types.js";
import type { Verifier } from "../auth/verifier.js";
import { PaddockError } from "../errors.js";
import type { Authenticator } from "./route-deps.js";

export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new PaddockError("PADDOCK_AUTH_MISSING", { detail: "send Authorization: Bearer <token>" });
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m)
    throw new PaddockError("PADDOCK_AUTH_INVALID", { detail: "Authorization must be 'Bearer <token>'" });
  return m[1]!;
}

export function createAuthenticator(verifier: Verifier, fleet: Fleet): Authenticator {
  const check = (principal: Principal, need: { scope: Scope; accountId?: string }): Principal => {
    const tags = need.accountId === undefined ? undefined : fleet.get(need.accountId)?.tags;
    authorize(principal, tags ? { ...need, accountTags: tags } : need);
    if (need.accountId !== undefined && !fleet.get(need.accountId)) {
      throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: need.accountId });
    }
    return principal;
  };
  return {
    async authenticate(request: FastifyRequest, need) {
      const principal = await verifier.verify(bearerToken(request.headers.authorization));
      (request as FastifyRequest & { principal?: Principal }).principal = principal;
      return check(principal, need);
    },
    async verifyToken(token, need) {
      return check(await verifier.verify(token), need);
    },
  };
}
