/**
 * Account groups: a target is an explicit list of account ids or `tag:NAME` (every account
 * carrying the tag, in the fleet's order). Unknown ids are 404s naming the account.
 *
 * With shards, a target may be an account of another shard (`remote`): the fleet's list is the
 * same on every replica, so any replica resolves `tag:NAME` to the same accounts in the same
 * order, and sends the children of another shard's accounts to that shard.
 */
import type { Account, Fleet } from "../accounts/types.js";
import { PaddockError } from "../errors.js";
import type { RemoteAccount, RemoteAccounts } from "../shards/remote-accounts.js";

export type { RemoteAccount, RemoteAccounts } from "../shards/remote-accounts.js";

export const TAG_PREFIX = "tag:";

/** A target account: served here (`local`) or by another shard (`remote`). */
export interface Target {
  readonly id: string;
  readonly tags: readonly string[];
  readonly local?: Account;
  readonly remote?: RemoteAccount;
}

export const tagOf = (target: string): string | undefined =>
  target.startsWith(TAG_PREFIX) && target.length > TAG_PREFIX.length
    ? target.slice(TAG_PREFIX.length)
    : undefined;

export function accountsWithTag(fleet: Fleet, tag: string): Account[] {
  return fleet.list().filter((a) => a.tags.includes(tag));
}

/** The account `id` as a target, here or on another shard; undefined when no shard serves it. */
export function targetOf(fleet: Fleet, remote: RemoteAccounts | undefined, id: string): Target | undefined {
  const local = fleet.get(id);
  if (local) return { id, tags: local.tags, local };
  const r = remote?.get(id);
  return r ? { id, tags: r.tags, remote: r } : undefined;
}

/** Resolves `["acct-001", …]` or `"tag:NAME"` to targets; `field` names the input in errors. */
export function resolveTargets(
  fleet: Fleet,
  spec: unknown,
  field: string,
  remote?: RemoteAccounts,
): Target[] {
  if (typeof spec === "string") {
    const tag = tagOf(spec);
    if (tag === undefined) throw invalid(field, 'must be an array of account ids or "tag:NAME"');
    const found: Target[] = remote
      ? remote
          .all()
          .filter((a) => a.tags.includes(tag))
          .map((a) => targetOf(fleet, remote, a.id))
          .filter((t): t is Target => t !== undefined)
      : accountsWithTag(fleet, tag).map((a) => ({ id: a.id, tags: a.tags, local: a }));
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
    const target = targetOf(fleet, remote, id);
    if (!target) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: id.slice(0, 64) });
    return target;
  });
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });
