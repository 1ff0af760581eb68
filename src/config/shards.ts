/**
 * Shards: which accounts of the fleet's one list each shard serves. An account belongs to
 * exactly one shard, by id (`shards[].accounts`) or by tag (`shards[].tags`); a shard holds at
 * most 1,000 accounts (one instance's cap). A replica with `shard.id` loads only its shard's
 * accounts; every replica reads the same list, so each knows which shard owns any account
 * (to route a request for it, or a block order's child) and the routing map is generated
 * from the same file (`paddock shards map`).
 */
import { type Config, MAX_ACCOUNTS_PER_INSTANCE } from "./schema.js";
import type { ConfigProblem } from "./validate.js";

export interface ShardAccount {
  readonly id: string;
  readonly mode: "paper" | "live";
  readonly tags: readonly string[];
  readonly shard: string;
}

export interface ShardInfo {
  readonly id: string;
  /** Where the routing layer reaches the shard (`shards[].urls`, or the chart's Service). */
  readonly urls: readonly string[];
  readonly accounts: readonly ShardAccount[];
}

export interface ShardLayout {
  /** This replica's shard (`shard.id` / `PADDOCK_SHARD`); undefined: it serves every account. */
  readonly self: string | undefined;
  readonly shards: readonly ShardInfo[];
  /** Every account of the fleet's list, in the list's order, with its shard. */
  readonly accounts: readonly ShardAccount[];
  ownerOf(accountId: string): ShardAccount | undefined;
}

/** The chart names a shard's Service `<release>-<id>`; with the release `paddock`, this. */
export const defaultShardUrl = (id: string): string => `http://paddock-${id}:8080`;

const count = (n: number): string => n.toLocaleString("en-US");

const sample = (ids: readonly string[], max = 5): string =>
  ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")}, … (${count(ids.length - max)} more)`;

/** Assigns every account to its shard; the layout is undefined when no shards are defined. */
export function assignShards(cfg: Config): { layout: ShardLayout | undefined; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const self = cfg.shard.id;
  if (self !== undefined && !cfg.cache.redisUrl) {
    problems.push({
      path: "cache.redisUrl",
      message: "required when shard.id is set (replicas register and find each other in the shared Redis)",
    });
  }
  if (cfg.shard.ttlMs < 3 * cfg.shard.heartbeatMs) {
    problems.push({ path: "shard.ttlMs", message: "must be at least 3 × shard.heartbeatMs" });
  }
  if (cfg.shards.length === 0) {
    if (self !== undefined) {
      problems.push({ path: "shard.id", message: `no shards are defined (shards: [...]) for "${self}"` });
    }
    if (cfg.accounts.length > MAX_ACCOUNTS_PER_INSTANCE) {
      problems.push({
        path: "accounts",
        message:
          `${count(cfg.accounts.length)} accounts; one instance serves at most ${count(MAX_ACCOUNTS_PER_INSTANCE)}: ` +
          "define shards (each at most 1,000) and give each replica its shard.id (docs/deploy.md)",
      });
    }
    return { layout: undefined, problems };
  }

  const shardIndex = new Map<string, number>();
  cfg.shards.forEach((s, i) => {
    const first = shardIndex.get(s.id);
    if (first !== undefined)
      problems.push({ path: `shards[${i}].id`, message: `duplicate of shards[${first}]` });
    else shardIndex.set(s.id, i);
    if (s.accounts.length === 0 && s.tags.length === 0) {
      problems.push({ path: `shards[${i}]`, message: "lists no accounts and no tags" });
    }
  });
  if (self !== undefined && !shardIndex.has(self)) {
    problems.push({
      path: "shard.id",
      message: `unknown shard "${self}" (shards: ${cfg.shards.map((s) => s.id).join(", ")})`,
    });
  }

  const known = new Set(cfg.accounts.map((a) => a.id));
  const listed = new Map<string, string[]>();
  cfg.shards.forEach((s, i) => {
    s.accounts.forEach((id, j) => {
      if (!known.has(id)) {
        problems.push({ path: `shards[${i}].accounts[${j}]`, message: `unknown account "${id}"` });
        return;
      }
      const owners = listed.get(id) ?? [];
      if (!owners.includes(s.id)) owners.push(s.id);
      listed.set(id, owners);
    });
  });

  const assigned: ShardAccount[] = [];
  const unassigned: string[] = [];
  const twice: ConfigProblem[] = [];
  cfg.accounts.forEach((a, k) => {
    const owners = [...(listed.get(a.id) ?? [])];
    for (const s of cfg.shards) {
      if (!owners.includes(s.id) && s.tags.some((t) => a.tags.includes(t))) owners.push(s.id);
    }
    if (owners.length === 0) unassigned.push(a.id);
    else if (owners.length > 1) {
      twice.push({
        path: `accounts[${k}]`,
        message: `"${a.id}" is in shards ${owners.join(" and ")}; an account belongs to one shard`,
      });
    } else assigned.push({ id: a.id, mode: a.mode, tags: a.tags, shard: owners[0]! });
  });
  problems.push(...twice.slice(0, 10));
  if (twice.length > 10) {
    problems.push({
      path: "accounts",
      message: `${count(twice.length - 10)} more accounts are in two shards`,
    });
  }
  if (unassigned.length > 0) {
    problems.push({
      path: "accounts",
      message:
        `${count(unassigned.length)} account(s) in no shard (${sample(unassigned)}): ` +
        "list them in shards[].accounts or give them a tag of one",
    });
  }

  const byShard = new Map<string, ShardAccount[]>(cfg.shards.map((s) => [s.id, []]));
  for (const a of assigned) byShard.get(a.shard)!.push(a);
  cfg.shards.forEach((s, i) => {
    const n = byShard.get(s.id)?.length ?? 0;
    if (n > MAX_ACCOUNTS_PER_INSTANCE && shardIndex.get(s.id) === i) {
      problems.push({
        path: `shards[${i}]`,
        message:
          `${count(n)} accounts; one instance serves at most ${count(MAX_ACCOUNTS_PER_INSTANCE)}: ` +
          "split this shard in two",
      });
    }
  });

  const owner = new Map(assigned.map((a) => [a.id, a]));
  const shards: ShardInfo[] = cfg.shards
    .filter((s, i) => shardIndex.get(s.id) === i)
    .map((s) => ({ id: s.id, urls: s.urls ?? [defaultShardUrl(s.id)], accounts: byShard.get(s.id) ?? [] }));
  return {
    layout: { self, shards, accounts: assigned, ownerOf: (id) => owner.get(id) },
    problems,
  };
}
