/**
 * Picks the state store for a configuration: a Redis of its own (`state.redisUrl`), else
 * the cache's Redis (`cache.redisUrl`), both under `<cache.redisKeyPrefix>state:`, else the
 * embedded SQLite file `<state.dir>/paddock-state.db`.
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { PaddockError } from "../errors.js";
import { createRedisStateStore } from "./redis-store.js";
import { openSqliteStateStore } from "./sqlite-store.js";
import type { StateStore } from "./state-store.js";

export const STATE_FILE = "paddock-state.db";

export interface OpenStateDeps {
  /** The gateway's Redis client for `cache.redisUrl`, when it has one (shared, not closed by the store). */
  readonly redis?: Redis;
  readonly logger?: { warn(o: object, m?: string): void };
  readonly now?: () => number;
}

const failFast = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(times * 200, 2000),
} as const;

/** Warns when the Redis holding durable state may evict it (CONFIG may be disabled: then say nothing). */
async function warnIfEvicting(redis: Redis, logger: OpenStateDeps["logger"]): Promise<void> {
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as unknown as string[];
    const policy = reply[1];
    if (policy !== undefined && policy !== "noeviction") {
      logger?.warn(
        { policy },
        "the Redis holding durable state (order ledger, halts, revocations) may evict keys: run it with " +
          "maxmemory-policy noeviction, or give the state its own Redis (state.redisUrl); see docs/deploy.md",
      );
    }
  } catch {
    /* managed Redis without CONFIG: cannot tell */
  }
}

async function ownRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { ...failFast, lazyConnect: true });
  redis.on("error", () => undefined); // surfaced by the calls that fail and by /readyz
  await redis.connect().catch(() => undefined); // start degraded rather than not at all
  return redis;
}

export async function openStateStore(config: Config, deps: OpenStateDeps = {}): Promise<StateStore> {
  const prefix = `${config.cache.redisKeyPrefix}state:`;
  const url = config.state.redisUrl ?? config.cache.redisUrl;
  if (url) {
    // the gateway's own client serves when the state shares the cache's Redis; tools get their own
    const shared = config.state.redisUrl === undefined ? deps.redis : undefined;
    const redis = shared ?? (await ownRedis(url));
    void warnIfEvicting(redis, deps.logger);
    return createRedisStateStore({ redis, keyPrefix: prefix, ownsClient: shared === undefined });
  }
  try {
    return openSqliteStateStore({
      file: join(config.state.dir, STATE_FILE),
      ...(deps.now ? { now: deps.now } : {}),
    });
  } catch (cause) {
    // an operator's problem (permissions, a read-only mount, a file that is not SQLite): one clear line
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new PaddockError("PADDOCK_CONFIG_IO", {
      detail: `state.dir ${config.state.dir}: cannot open ${STATE_FILE} (${why}); set state.dir or PADDOCK_STATE_DIR to a writable folder`,
      cause,
    });
  }
}
