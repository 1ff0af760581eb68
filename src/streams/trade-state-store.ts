/**
 * Trade updates as the owner of an account's upstream stream hands them on with
 * Redis: numbered by `INCR …seq:{account}` and published in one script, which also
 * keeps the order's state (the newest 1,000 per account, for 7 days after the last
 * update). A later owner — after a takeover or a restart — resumes from those
 * states, so its first connection backfills the updates of the gap once instead of
 * absorbing them into a fresh snapshot.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";
import type { TradeUpdateData, WireOrder } from "./trade-backfill.js";

/**
 * Numbers and publishes one trade update and keeps the order's state (hash KEYS[3], indexed by
 * update time in KEYS[4], trimmed to the newest ARGV[6]) for whoever owns the stream next.
 */
const PUBLISH_TRADE = `local s = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"a":' .. ARGV[1] .. ',"q":' .. s .. ',"d":' .. ARGV[2] .. '}')
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
  local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[6])
  if extra > 0 then
    local old = redis.call('ZRANGE', KEYS[4], 0, extra - 1)
    redis.call('HDEL', KEYS[3], unpack(old))
    redis.call('ZREMRANGEBYRANK', KEYS[4], 0, extra - 1)
  end
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
end
return s`;

/** Order states kept per account for the next owner: at least Alpaca's 500-order backfill page. */
const KEPT_ORDER_STATES = 1000;
/** Kept this long after the account's last update (an account removed from the fleet leaves nothing behind). */
const KEPT_STATES_TTL_MS = 7 * 24 * 3600 * 1000;

/** The part of an order a backfill compares (trade-backfill.ts `stateOf`). */
function orderState(order: WireOrder): { id: string; json: string; score: number } | undefined {
  if (typeof order.id !== "string" || order.id.length === 0) return undefined;
  const kept = {
    id: order.id,
    status: order.status,
    filled_qty: order.filled_qty,
    updated_at: order.updated_at,
  };
  const at = typeof order.updated_at === "string" ? Date.parse(order.updated_at) : Number.NaN;
  return { id: order.id, json: JSON.stringify(kept), score: Number.isNaN(at) ? 0 : at };
}

export interface TradeStateStore {
  /** Numbers the update, publishes it on `channel` and keeps its order's state; resolves with its seq. */
  publish(accountId: string, channel: string, data: TradeUpdateData): Promise<number>;
  /** The states the previous owner kept (empty: take a fresh snapshot). */
  resume(accountId: string): Promise<WireOrder[]>;
  /** Keeps a fresh snapshot's states, never over a newer one an update already kept. */
  keepSnapshot(accountId: string, orders: readonly WireOrder[]): void;
}

export function createTradeStateStore(deps: {
  readonly redis: Redis;
  /** The streams key prefix, e.g. `paddock:streams:`. */
  readonly prefix: string;
  readonly logger: Logger;
}): TradeStateStore {
  const { redis, prefix: P } = deps;
  const states = (a: string) => `${P}orders:${a}`;
  const byTime = (a: string) => `${P}orders-by-time:${a}`;
  return {
    async publish(accountId, channel, data) {
      const st = orderState(data.order);
      const seq = await redis.eval(
        PUBLISH_TRADE,
        4,
        `${P}seq:${accountId}`,
        channel,
        states(accountId),
        byTime(accountId),
        JSON.stringify(accountId),
        JSON.stringify(data),
        st?.id ?? "",
        st?.json ?? "",
        String(st?.score ?? 0),
        String(KEPT_ORDER_STATES),
        String(KEPT_STATES_TTL_MS),
      );
      return Number(seq);
    },
    async resume(accountId) {
      return (await redis.hvals(states(accountId))).flatMap((json) => {
        try {
          return [JSON.parse(json) as WireOrder];
        } catch {
          return [];
        }
      });
    },
    keepSnapshot(accountId, orders) {
      const p = redis.pipeline();
      for (const o of orders.slice(0, KEPT_ORDER_STATES)) {
        const st = orderState(o);
        if (st) p.hsetnx(states(accountId), st.id, st.json).zadd(byTime(accountId), "NX", st.score, st.id);
      }
      p.pexpire(states(accountId), KEPT_STATES_TTL_MS).pexpire(byTime(accountId), KEPT_STATES_TTL_MS);
      p.exec().catch((err: unknown) =>
        deps.logger.warn(
          { err: (err as Error).message, account: accountId },
          "keeping the order snapshot failed",
        ),
      );
    },
  };
}
