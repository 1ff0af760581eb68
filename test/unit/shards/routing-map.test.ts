/**
 * The routing map from the account list: `paddock init --shards` writes a sharded fleet,
 * `paddock shards map` prints it for nginx (read back by the routing proxy, which then sends each
 * account's requests to its shard's servers and the rest to any replica), Envoy and JSON;
 * `paddock shards list` checks the registry against the file. Also the merge of shard pages.
 */

import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { main } from "../../../src/cli/main.js";
import { idCursor } from "../../../src/fleet/account-query.js";
import { mergePages } from "../../../src/fleet/fleet-wide.js";
import { accountsHash, createShardRegistry } from "../../../src/shards/registry.js";
import { parseNginxMap, startRoutingProxy } from "../../../src/shards/routing-proxy.js";
import { captureOutput } from "../../helpers/capture.js";
import { getRedisUrl, uniquePrefix } from "../../helpers/redis.js";

const run = async (...args: string[]) => {
  const out = captureOutput();
  const code = await main(["node", "paddock", ...args], out);
  return { code, text: out.stdout.join("\n"), err: out.stderr.join("\n") };
};

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A stand-in replica that answers with its own name. */
async function replica(name: string): Promise<number> {
  const srv = createServer((req, res) => res.end(JSON.stringify({ name, url: req.url })));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return (srv.address() as { port: number }).port;
}

describe("paddock shards map", () => {
  it("init --shards splits the fleet; the nginx map routes each account to its shard's servers, the rest anywhere", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-map-"));
    expect((await run("init", "--dir", dir, "--accounts", "25", "--shards", "3")).code).toBe(0);
    const config = join(dir, "paddock.yaml");
    const raw = parse(await readFile(config, "utf8")) as { shards: Array<Record<string, unknown>> };
    expect(raw.shards.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
    const ports = await Promise.all(["s1a", "s1b", "s2", "s3"].map(replica));
    raw.shards[0]!.urls = [`http://127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[1]}`];
    raw.shards[1]!.urls = [`http://127.0.0.1:${ports[2]}`];
    raw.shards[2]!.urls = [`http://127.0.0.1:${ports[3]}`];
    await writeFile(config, stringify(raw));

    const json = JSON.parse((await run("shards", "map", "--config", config, "--format", "json")).text) as {
      shards: Array<{ id: string; accounts: string[] }>;
    };
    expect(json.shards.map((s) => s.accounts.length)).toEqual([9, 9, 7]);
    expect(json.shards[1]!.accounts[0]).toBe("acct-010");

    const nginx = await run("shards", "map", "--config", config, "--format", "nginx", "--listen", "9000");
    expect(nginx.code).toBe(0);
    expect(nginx.text).toContain("    acct-010 paddock_shard_s2;");
    expect(nginx.text).toContain("    listen 9000;");
    const mapFile = join(dir, "routing.nginx.conf");
    await writeFile(mapFile, nginx.text);
    const parsed = parseNginxMap(nginx.text);
    expect(parsed.accounts.size).toBe(25);
    expect(parsed.upstreams.get("paddock_any")).toHaveLength(4);

    const proxy = await startRoutingProxy({ mapFile, port: 0 });
    try {
      const name = async (path: string) =>
        ((await (await fetch(`${proxy.url}${path}`)).json()) as { name: string }).name;
      expect(await name("/v1/accounts/acct-012/v2/account")).toBe("s2");
      expect(await name("/v1/accounts/acct-025/v2/orders?status=open")).toBe("s3");
      // a shard's servers take turns
      expect(
        new Set([
          await name("/v1/accounts/acct-001/v2/account"),
          await name("/v1/accounts/acct-002/v2/account"),
        ]),
      ).toEqual(new Set(["s1a", "s1b"]));
      expect(await name("/v1/accounts/acct-999/v2/account")).toMatch(/^s/); // unknown: any replica (it answers 404)
      await name("/v1/portfolio");
      const counts = (await (await fetch(`${proxy.url}/_routing/counts`)).json()) as Record<string, number>;
      expect(counts).toEqual({
        paddock_shard_s2: 1,
        paddock_shard_s3: 1,
        paddock_shard_s1: 2,
        paddock_any: 2,
      });
    } finally {
      await proxy.close();
    }

    const envoy = parse((await run("shards", "map", "--config", config, "--format", "envoy")).text) as {
      static_resources: { clusters: Array<{ name: string }>; listeners: unknown[] };
    };
    expect(envoy.static_resources.clusters.map((c) => c.name)).toEqual([
      "paddock_shard_s1",
      "paddock_shard_s2",
      "paddock_shard_s3",
      "paddock_any",
    ]);
    const helm = parse((await run("shards", "map", "--config", config, "--format", "helm-values")).text) as {
      shards: Array<{ id: string; accounts: string[] }>;
    };
    expect(helm.shards[2]).toEqual({ id: "s3", accounts: json.shards[2]!.accounts });
  });

  it("refuses a configuration without shards, naming what is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-map-"));
    await run("init", "--dir", dir, "--accounts", "2");
    const r = await run("shards", "map", "--config", join(dir, "paddock.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/defines no shards/);
    expect((await run("init", "--dir", join(dir, "x"), "--accounts", "1001")).err).toMatch(
      /--accounts: .*--shards/,
    );
  });
});

const redisUrl = await getRedisUrl();

describe.skipIf(redisUrl === undefined)("paddock shards list", () => {
  it("lists the registered replicas and flags a shard without one and a replica serving another list", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-list-"));
    await run("init", "--dir", dir, "--accounts", "4", "--shards", "2");
    const config = join(dir, "paddock.yaml");
    const raw = parse(await readFile(config, "utf8")) as Record<string, unknown>;
    const keyPrefix = uniquePrefix("shards-list");
    raw.cache = { redisUrl, redisKeyPrefix: keyPrefix };
    await writeFile(config, stringify(raw));
    const redis = new Redis(redisUrl!);
    const registry = createShardRegistry({ redis, keyPrefix, heartbeatMs: 1000, ttlMs: 5000 });
    try {
      await registry.register({
        shard: "s1",
        replica: "r1",
        url: "http://127.0.0.1:1",
        accounts: 2,
        accountsHash: accountsHash(["acct-001", "acct-002"]),
        version: "test",
      });
      const ok = await run("shards", "list", "--config", config);
      expect(ok.text).toMatch(
        /^s1: 2 accounts, 1 replica\(s\)\n {2}r1 {2}http:\/\/127\.0\.0\.1:1 {2}2 accounts/,
      );
      expect(ok.text).toContain("s2: 2 accounts, 0 replica(s)");
      expect(ok.code).toBe(1); // s2 has no replica
      await registry.update({ accounts: 1, accountsHash: accountsHash(["acct-001"]) });
      expect((await run("shards", "list", "--config", config)).text).toContain(
        "ACCOUNT LIST DIFFERS FROM THIS CONFIG",
      );
    } finally {
      await registry.deregister();
      redis.disconnect();
      process.exitCode = 0;
    }
  });
});

describe("merging shard pages", () => {
  it("keeps id order, cuts at the limit, continues when a shard had more, and shows an account once", () => {
    const page = (ids: string[], more: boolean) => ({
      items: ids.map((id) => ({ id })),
      nextCursor: more ? idCursor(ids.at(-1)!) : null,
      total: ids.length + (more ? 10 : 0),
    });
    const merged = mergePages([page(["a", "d", "e"], false), page(["b", "c", "d"], true)], 4);
    expect(merged.items.map((i) => i.id)).toEqual(["a", "b", "c", "d"]);
    expect(merged.nextCursor).toBe(idCursor("d"));
    expect(merged.total).toBe(16);
    const last = mergePages([page(["x"], false), page(["y"], false)], 5);
    expect(last.nextCursor).toBeNull();
  });
});
