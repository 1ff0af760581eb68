/**
 * What a principal may do. Scopes are independent: `admin` does not imply
 * `trade`, and `trade` does not imply `read`; a token lists each scope it needs.
 */
import { PaddockError } from "../errors.js";
import type { Principal, Scope } from "./types.js";

export interface AuthNeed {
  readonly scope?: Scope;
  readonly accountId?: string;
  /** The account's tags: a token whose `accounts` lists `tag:NAME` may use every account tagged NAME. */
  readonly accountTags?: readonly string[];
}

/** Throws PADDOCK_AUTH_SCOPE or PADDOCK_AUTH_ACCOUNT when the principal lacks what the request needs. */
export function authorize(principal: Principal, need: AuthNeed): void {
  if (need.scope !== undefined && !principal.scopes.has(need.scope)) {
    throw new PaddockError("PADDOCK_AUTH_SCOPE", { detail: `scope "${need.scope}" required` });
  }
  if (need.accountId !== undefined && !mayUseAccount(principal, need.accountId, need.accountTags)) {
    throw new PaddockError("PADDOCK_AUTH_ACCOUNT", {
      detail: `account ${JSON.stringify(need.accountId.slice(0, 64))} is not in the token's accounts`,
    });
  }
}

export const mayUseAccount = (
  principal: Principal,
  accountId: string,
  tags: readonly string[] = [],
): boolean => {
  const listed = principal.accounts;
  return listed === "*" || listed.has(accountId) || tags.some((t) => listed.has(`tag:${t}`));
};

/** The accounts of `all` this principal may use, in the order of `all` (`tagsOf` resolves `tag:NAME` grants). */
export function allowedAccounts(
  principal: Principal,
  all: Iterable<string>,
  tagsOf: (id: string) => readonly string[] = () => [],
): string[] {
  const out: string[] = [];
  for (const id of all) if (mayUseAccount(principal, id, tagsOf(id))) out.push(id);
  return out;
}
