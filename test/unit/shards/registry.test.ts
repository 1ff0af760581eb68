/**
 * The shard registry against a real Redis: replicas see each other, a registration that stops
 * being refreshed expires by its TTL, a drained replica disappears at once; and the peers that
 * fan out through it skip a replica that refuses connections and name a shard nobody answers for.
 */
import { createServer, type Server } from "node:http";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { createShardPeers, FANOUT_HEADER, hopHeaders } from "../../../src/shards/peers.js";
import {
  accountsHash,
  createShardRegistry,
  type ReplicaRecord,
  readRegistry,
} from "../../../src/shards/registry.js";
import { freePort, getRedisUrl, uniquePrefix } from "../../helpers/redis.js";
import { within } from "../../helpers/wait.js";

const url = await getRedisUrl();
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});
const redis = (): Redis => {
  const c = new Redis(url!, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
};

const identity = (shard: string, replica: string, ids: string[]) => ({
  shard,
  replica,
  url: `http://127.0.0.1:1/${replica}`,
  accounts: ids.length,
  accountsHash: accountsHash(ids),
  version: "0.0.0-test",
});

describe.skipIf(url === undefined)("shard registry (real Redis)", () => {
  it("replicas register, see each other, update, and leave at once when they deregister", async () => {
    const keyPrefix = uniquePrefix("shards");
    const opts = { keyPrefix, heartbeatMs: 100, ttlMs: 1000 };
    const a = createShardRegistry({ ...opts, redis: redis() });
    const b = createShardRegistry({ ...opts, redis: redis() });
    await a.register(identity("s1", "a", ["acct-1", "acct-2"]));
    await b.register(identity("s2", "b", ["acct-3"]));
    await within(2000, "a sees b", async () => a.replicas("s2").length === 1);
    const seen = a.replicas();
    expect(seen.map((r) => [r.shard, r.replica, r.accounts])).toEqual([
      ["s1", "a", 2],
      ["s2", "b", 1],
    ]);
    expect(seen[0]!.accountsHash).toBe(accountsHash(["acct-2", "acct-1"])); // order does not matter
    expect(Date.parse(seen[0]!.heartbeatAt)).toBeGreaterThan(0);

    await b.update({ accounts: 2, accountsHash: accountsHash(["acct-3", "acct-4"]) });
    await within(2000, "the update reaches a", async () => a.replicas("s2")[0]?.accounts === 2);

    await b.deregister();
    const after = await readRegistry(redis(), keyPrefix);
    expect(after.map((r: ReplicaRecord) => r.replica)).toEqual(["a"]);
    await a.deregister();
    expect(await readRegistry(redis(), keyPrefix)).toEqual([]);
  });

  it("a replica that stops refreshing (a crash) expires after its TTL", async () => {
    const keyPrefix = uniquePrefix("shards-ttl");
    const opts = { keyPrefix, heartbeatMs: 100, ttlMs: 400 };
    const live = createShardRegistry({ ...opts, redis: redis() });
    const crashed = createShardRegistry({ ...opts, redis: redis() });
    await live.register(identity("s1", "live", ["x"]));
    await crashed.register(identity("s1", "crashed", ["x"]));
    await within(2000, "both registered", async () => live.replicas("s1").length === 2);
    crashed.close(); // no more heartbeats, no deregistration
    const ms = await within(
      3000,
      "the crashed replica expires",
      async () => live.replicas("s1").length === 1,
    );
    expect(ms).toBeGreaterThan(100);
    expect(live.replicas("s1")[0]!.replica).toBe("live");
    await live.deregister();
  });
});

describe("shard peers", () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("skip a replica that refuses connections, carry the hop header, and name a shard nobody answers for", async () => {
    const seen: Array<Record<string, unknown>> = [];
    server = createServer((req, res) => {
      seen.push({ path: req.url, ...req.headers });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true }));
    });
    const port = await freePort();
    await new Promise<void>((r) => server!.listen(port, "127.0.0.1", r));
    const dead = await freePort(); // nothing listens there
    const record = (replica: string, p: number): ReplicaRecord => ({
      ...identity("s2", replica, []),
      url: `http://127.0.0.1:${p}`,
      startedAt: "",
      heartbeatAt: "",
    });
    const peers = createShardPeers({
      self: "s1",
      selfReplica: "me",
      shards: () => ["s1", "s2", "s3"],
      replicas: (shard) => (shard === "s2" ? [record("dead", dead), record("live", port)] : []),
      timeoutMs: () => 2000,
    });
    try {
      expect(peers.others()).toEqual(["s2", "s3"]);
      const headers = hopHeaders({ authorization: "Bearer t", cookie: "no", "x-request-id": "r1" });
      expect(headers).toEqual({ [FANOUT_HEADER]: "1", authorization: "Bearer t", "x-request-id": "r1" });
      // both turns: whichever replica comes first, the live one answers
      for (let i = 0; i < 2; i++) {
        const res = await peers.request("s2", {
          method: "POST",
          path: "/v1/x?y=1",
          headers,
          body: Buffer.from("{}"),
        });
        expect(res.status).toBe(200);
        expect(res.replica).toBe("live");
      }
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatchObject({ path: "/v1/x?y=1", [FANOUT_HEADER]: "1", authorization: "Bearer t" });
      const err = await peers.request("s3", { method: "GET", path: "/", headers }).catch((e: unknown) => e);
      expect(isPaddockError(err, "PADDOCK_SHARD_UNAVAILABLE")).toBe(true);
      expect((err as Error).message).toContain("shard s3");
    } finally {
      await peers.close();
    }
  });
});
