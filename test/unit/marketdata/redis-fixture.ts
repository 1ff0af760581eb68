/**
 * Redis for the market-data tests: test/helpers/redis.ts was not there when these were
 * written, so this is a small equivalent. Returns the URL of a reachable Redis
 * (REDIS_URL or 127.0.0.1:6379), or undefined after printing a skip notice.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export async function getRedisUrl(): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch {
    if (process.env.CI) throw new Error(`Redis is required in CI but ${url} is unreachable`);
    console.warn(`[skip] Redis unreachable at ${url}: Redis-backed market-data tests are skipped`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** A unique key prefix per test, and a cleanup that deletes its keys. */
export function uniquePrefix(): string {
  return `paddock-test:${randomUUID()}:`;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}
