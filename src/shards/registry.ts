/**
 * The shard registry in the shared Redis: each replica of a shard registers itself (shard id,
 * replica id, the URL others reach it at, how many accounts it serves and a hash of their ids,
 * its version) under a key with a TTL, refreshes it every heartbeat and deletes it when it
 * drains or stops. Every replica reads the registry on the same beat and keeps the live
 * replicas in memory, so a fan-out never waits on Redis.
 *
 * Keys (one hash tag, so Redis Cluster keeps them in one slot):
 *   <prefix>{shards}:replica:<shard>/<replica>   the record (JSON), PX = ttlMs
 *   <prefix>{shards}:index                       the set of `<shard>/<replica>` ever registered (pruned on read)
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface ReplicaRecord {
  readonly shard: string;
  readonly replica: string;
  /** Where other replicas reach this one (`shard.advertiseUrl`, or its listen address). */
  readonly url: string;
  /** How many accounts it serves, and a hash of their ids (replicas of one shard agree). */
  readonly accounts: number;
  readonly accountsHash: string;
  readonly version: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
}

export type ReplicaIdentity = Omit<ReplicaRecord, "startedAt" | "heartbeatAt">;

export interface ShardRegistryOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  readonly now?: () => number;
  readonly logger?: { warn(o: object, m: string): void; debug(o: object, m: string): void };
}

export interface ShardRegistry {
  /** Registers this replica and keeps its registration fresh until `deregister`. */
  register(identity: ReplicaIdentity): Promise<void>;
  /** Changes what the registration says (after a reload changed the accounts); written at once. */
  update(change: Pick<ReplicaIdentity, "accounts" | "accountsHash">): Promise<void>;
  /** Deletes this replica's registration and stops refreshing it (drain, shutdown). */
  deregister(): Promise<void>;
  /** Live replicas as of the last read (every heartbeat), of one shard or of all, sorted. */
  replicas(shard?: string): readonly ReplicaRecord[];
  /** Reads the registry now. */
  refresh(): Promise<readonly ReplicaRecord[]>;
  /** Stops the timer (without deregistering). */
  close(): void;
}

/** A short stable hash of a set of account ids (order does not matter). */
export function accountsHash(ids: Iterable<string>): string {
  return createHash("sha256")
    .update([...ids].sort().join("\n"))
    .digest("hex")
    .slice(0, 16);
}

const keys = (prefix: string) => ({
  index: `${prefix}{shards}:index`,
  replica: (member: string) => `${prefix}{shards}:replica:${member}`,
});

const member = (r: Pick<ReplicaRecord, "shard" | "replica">): string => `${r.shard}/${r.replica}`;

function parseRecord(text: string | null): ReplicaRecord | undefined {
  if (text === null) return undefined;
  try {
    const r = JSON.parse(text) as Partial<ReplicaRecord>;
    return typeof r.shard === "string" && typeof r.replica === "string" && typeof r.url === "string"
      ? (r as ReplicaRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

const byShardThenReplica = (a: ReplicaRecord, b: ReplicaRecord): number =>
  a.shard === b.shard ? (a.replica < b.replica ? -1 : 1) : a.shard < b.shard ? -1 : 1;

/** Every live registration (for tools: `paddock shards list`). */
export async function readRegistry(redis: Redis, keyPrefix: string): Promise<ReplicaRecord[]> {
  const k = keys(keyPrefix);
  const members = await redis.smembers(k.index);
  if (members.length === 0) return [];
  const values = await redis.mget(...members.map(k.replica));
  const gone = members.filter((_, i) => values[i] === null);
  if (gone.length > 0) await redis.srem(k.index, ...gone);
  return values
    .map(parseRecord)
    .filter((r): r is ReplicaRecord => r !== undefined)
    .sort(byShardThenReplica);
}

export function createShardRegistry(options: ShardRegistryOptions): ShardRegistry {
  const now = options.now ?? Date.now;
  const k = keys(options.keyPrefix);
  let own: ReplicaRecord | undefined;
  let timer: NodeJS.Timeout | undefined;
  let view: ReplicaRecord[] = [];
  /** When the view was last read: a view older than the TTL is empty (Redis unreachable that long). */
  let viewAt = 0;

  const write = async (): Promise<void> => {
    if (!own) return;
    own = { ...own, heartbeatAt: new Date(now()).toISOString() };
    await options.redis
      .multi()
      .set(k.replica(member(own)), JSON.stringify(own), "PX", options.ttlMs)
      .sadd(k.index, member(own))
      .exec();
  };

  const refresh = async (): Promise<readonly ReplicaRecord[]> => {
    view = await readRegistry(options.redis, options.keyPrefix);
    viewAt = now();
    return view;
  };

  const beat = async (): Promise<void> => {
    try {
      await write();
      await refresh();
    } catch (err) {
      options.logger?.debug(
        { err: err instanceof Error ? err.message : String(err) },
        "shard registry: Redis did not answer; keeping the last view",
      );
    }
  };

  return {
    async register(identity) {
      const at = new Date(now()).toISOString();
      own = { ...identity, startedAt: at, heartbeatAt: at };
      await write();
      await refresh();
      timer ??= setInterval(() => void beat(), options.heartbeatMs);
      timer.unref();
    },
    async update(change) {
      if (!own) return;
      own = { ...own, ...change };
      await write();
    },
    async deregister() {
      if (timer) clearInterval(timer);
      timer = undefined;
      const mine = own;
      own = undefined;
      if (!mine) return;
      view = view.filter((r) => member(r) !== member(mine));
      await options.redis
        .multi()
        .del(k.replica(member(mine)))
        .srem(k.index, member(mine))
        .exec();
    },
    replicas(shard) {
      if (now() - viewAt > options.ttlMs) return [];
      return shard === undefined ? view : view.filter((r) => r.shard === shard);
    },
    refresh,
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
