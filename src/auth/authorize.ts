/**
 * What a principal may do. Scopes are independent: `admin` does not imply
 * `trade`, and `trade` does not imply `read`; a token lists each scope it needs.
 */
import { PaddockError } from "../errors.js";
import type { Principal, Scope } from "./types.js";

export interface AuthNeed {
  readonly scope?: Scope;
  readonly accountId?: string;
}

/** Throws PADDOCK_AUTH_SCOPE or PADDOCK_AUTH_ACCOUNT when the principal lacks what the request needs. */
export function authorize(principal: Principal, need: AuthNeed): void {
  if (need.scope !== undefined && !principal.scopes.has(need.scope)) {
    throw new PaddockError("PADDOCK_AUTH_SCOPE", { detail: `scope "${need.scope}" required` });
  }
  if (need.accountId !== undefined && !mayUseAccount(principal, need.accountId)) {
    throw new PaddockError("PADDOCK_AUTH_ACCOUNT", {
      detail: `account ${JSON.stringify(need.accountId.slice(0, 64))} is not in the token's accounts`,
    });
  }
}

export const mayUseAccount = (principal: Principal, accountId: string): boolean =>
  principal.accounts === "*" || principal.accounts.has(accountId);

/** The accounts of `all` this principal may use, in the order of `all`. */
export function allowedAccounts(principal: Principal, all: Iterable<string>): string[] {
  const out: string[] = [];
  for (const id of all) if (mayUseAccount(principal, id)) out.push(id);
  return out;
}
