/**
 * Account groups: a target is an explicit list of account ids or `tag:NAME` (every account
 * carrying the tag, in the fleet's order). Unknown ids are 404s naming the account.
 */
import type { Account, Fleet } from "../accounts/types.js";
import { PaddockError } from "../errors.js";

export const TAG_PREFIX = "tag:";

export const tagOf = (target: string): string | undefined =>
  target.startsWith(TAG_PREFIX) && target.length > TAG_PREFIX.length
    ? target.slice(TAG_PREFIX.length)
    : undefined;

export function accountsWithTag(fleet: Fleet, tag: string): Account[] {
  return fleet.list().filter((a) => a.tags.includes(tag));
}

/** Resolves `["acct-001", …]` or `"tag:NAME"` to accounts; `field` names the input in errors. */
export function resolveTargets(fleet: Fleet, spec: unknown, field: string): Account[] {
  if (typeof spec === "string") {
    const tag = tagOf(spec);
    if (tag === undefined) throw invalid(field, 'must be an array of account ids or "tag:NAME"');
    const found = accountsWithTag(fleet, tag);
    if (found.length === 0)
      throw invalid(field, `no account has the tag ${JSON.stringify(tag.slice(0, 64))}`);
    return found;
  }
  if (!Array.isArray(spec) || spec.length === 0) {
    throw invalid(field, 'must be a non-empty array of account ids or "tag:NAME"');
  }
  const seen = new Set<string>();
  return spec.map((id, i) => {
    if (typeof id !== "string" || id.length === 0) throw invalid(`${field}[${i}]`, "must be an account id");
    if (seen.has(id)) throw invalid(`${field}[${i}]`, `${JSON.stringify(id.slice(0, 64))} is listed twice`);
    seen.add(id);
    const account = fleet.get(id);
    if (!account) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: id.slice(0, 64) });
    return account;
  });
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });
