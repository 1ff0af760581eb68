/**
 * `paddock shards map --config F --format nginx|envoy|httproute|helm-values|json`: the routing
 * map for the layer in front of the shards, from the configuration's account list.
 * `paddock shards proxy --map FILE --port P`: a small routing proxy reading that nginx map (trials
 * and the demo, where no nginx is installed).
 * `paddock shards list --config F`: the replicas registered in the shared Redis, checked against
 * the configuration (a shard without a live replica, a replica serving another account list).
 */
import { Command, Option } from "commander";
import { Redis } from "ioredis";
import { loadConfig } from "../../config/load.js";
import { PaddockError } from "../../errors.js";
import { accountsHash, readRegistry } from "../../shards/registry.js";
import { MAP_FORMATS, type MapFormat, routingMap } from "../../shards/routing-map.js";
import { startRoutingProxy } from "../../shards/routing-proxy.js";
import { type Output, processOutput } from "../io.js";
import { parseIntOption } from "../options.js";

/** The configuration with every shard (whatever PADDOCK_SHARD says here); keys stay encrypted. */
async function layoutOf(path: string) {
  const loaded = await loadConfig(path, { decrypt: false, env: { ...process.env, PADDOCK_SHARD: "" } });
  if (!loaded.layout) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `${path} defines no shards (shards: [{id, accounts | tags}]); see docs/deploy.md`,
    });
  }
  return { loaded, layout: loaded.layout };
}

export function shardsCommand(output: Output = processOutput): Command {
  const shards = new Command("shards").description("shards: the routing map, the registered replicas");
  shards
    .command("map")
    .description(
      "print the routing map (account id -> shard) for the proxy or ingress in front of the shards",
    )
    .requiredOption("--config <file>", "configuration file (the fleet's account list and shards)")
    .addOption(new Option("--format <format>", "output format").choices([...MAP_FORMATS]).default("nginx"))
    .option("--listen <port>", "nginx/Envoy: the port the proxy listens on", parseIntOption, 8080)
    .option("--release <name>", "httproute: the Helm release (Services <release>-<shard>)", "paddock")
    .option("--port <port>", "httproute: the Services' port", parseIntOption, 8080)
    .option("--gateway <name>", "httproute: the Gateway the routes attach to", "paddock")
    .action(
      async (o: {
        config: string;
        format: MapFormat;
        listen: number;
        release: string;
        port: number;
        gateway: string;
      }) => {
        const { loaded, layout } = await layoutOf(o.config);
        output.out(
          routingMap(layout, o.format, {
            listenPort: o.listen,
            release: o.release,
            servicePort: o.port,
            gateway: o.gateway,
            source: loaded.path,
          }).trimEnd(),
        );
      },
    );
  shards
    .command("proxy")
    .description(
      "run a small routing proxy from a generated nginx map (for trials; use nginx or a Gateway in production)",
    )
    .requiredOption("--map <file>", "the map `paddock shards map --format nginx` wrote")
    .option("--port <port>", "port to listen on (0 picks a free one)", parseIntOption, 8080)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .action(async (o: { map: string; port: number; host: string }) => {
      const proxy = await startRoutingProxy({ mapFile: o.map, port: o.port, host: o.host });
      output.out(`paddock routing proxy listening on ${proxy.url}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void proxy.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
  shards
    .command("list")
    .description("list the replicas registered in the shared Redis, checked against the configuration")
    .requiredOption("--config <file>", "configuration file (cache.redisUrl or REDIS_URL)")
    .action(async (o: { config: string }) => {
      const { loaded, layout } = await layoutOf(o.config);
      const url = loaded.config.cache.redisUrl;
      if (!url)
        throw new PaddockError("PADDOCK_USAGE", { detail: "cache.redisUrl (or REDIS_URL) is not set" });
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on("error", () => undefined);
      try {
        await redis.connect();
        const replicas = await readRegistry(redis, loaded.config.cache.redisKeyPrefix);
        const now = Date.now();
        let problems = 0;
        for (const s of layout.shards) {
          const expected = accountsHash(s.accounts.map((a) => a.id));
          const mine = replicas.filter((r) => r.shard === s.id);
          output.out(`${s.id}: ${s.accounts.length} accounts, ${mine.length} replica(s)`);
          if (mine.length === 0) problems++;
          for (const r of mine) {
            const age = ((now - Date.parse(r.heartbeatAt)) / 1000).toFixed(1);
            const drift = r.accountsHash === expected ? "" : "  ACCOUNT LIST DIFFERS FROM THIS CONFIG";
            if (drift) problems++;
            output.out(
              `  ${r.replica}  ${r.url}  ${r.accounts} accounts  v${r.version}  heartbeat ${age}s ago${drift}`,
            );
          }
        }
        for (const r of replicas.filter((r) => !layout.shards.some((s) => s.id === r.shard))) {
          problems++;
          output.out(`unknown shard ${r.shard}: ${r.replica} ${r.url}`);
        }
        if (problems > 0) process.exitCode = 1;
      } finally {
        redis.disconnect();
      }
    });
  return shards;
}
