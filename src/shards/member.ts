/**
 * One replica's membership in its shard: registration in the shared Redis (from listen to
 * drain), the peers it fans out to, and the other shards' accounts for block orders. app.ts
 * builds one when `shard.id` is set; everything reads the layout through a getter, so a reload
 * that moves accounts between shards reaches it.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { ShardLayout } from "../config/shards.js";
import { createShardPeers, type ShardPeers } from "./peers.js";
import { accountsHash, createShardRegistry, type ShardRegistry } from "./registry.js";
import { createRemoteAccounts, type RemoteAccounts } from "./remote-accounts.js";

const VERSION = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

export interface ShardSettings {
  readonly id: string;
  readonly advertiseUrl?: string | undefined;
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  readonly fanoutTimeoutMs: number;
}

export interface ShardMemberDeps {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly settings: () => ShardSettings;
  readonly layout: () => ShardLayout;
  /** The ids of the accounts this replica serves now. */
  readonly accountIds: () => readonly string[];
  readonly now?: () => number;
  readonly logger: {
    warn(o: object, m: string): void;
    debug(o: object, m: string): void;
    info(o: object, m: string): void;
  };
}

export interface ShardMember {
  readonly self: string;
  readonly replica: string;
  readonly registry: ShardRegistry;
  readonly peers: ShardPeers;
  remote(): RemoteAccounts;
  /** Registers once the listener is up (`address` as the server reports it). */
  register(address: { address: string; port: number }, tls: boolean): Promise<void>;
  /** Tells the registry what this replica serves now (after a reload). */
  updated(): Promise<void>;
  deregister(): Promise<void>;
  close(): Promise<void>;
}

/** `http(s)://host:port` other replicas reach a listener at (the host name when it listens everywhere). */
export function advertisedUrl(address: { address: string; port: number }, tls: boolean): string {
  const wildcard = address.address === "0.0.0.0" || address.address === "::" || address.address === "";
  const host = wildcard ? hostname() : address.address;
  return `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

export function createShardMember(deps: ShardMemberDeps): ShardMember {
  const settings = deps.settings();
  const replica = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const registry = createShardRegistry({
    redis: deps.redis,
    keyPrefix: deps.keyPrefix,
    heartbeatMs: settings.heartbeatMs,
    ttlMs: settings.ttlMs,
    ...(deps.now ? { now: deps.now } : {}),
    logger: deps.logger,
  });
  const peers = createShardPeers({
    self: settings.id,
    selfReplica: replica,
    shards: () => deps.layout().shards.map((s) => s.id),
    replicas: (shard) => registry.replicas(shard),
    timeoutMs: () => deps.settings().fanoutTimeoutMs,
  });
  let remote: { layout: ShardLayout; accounts: RemoteAccounts } | undefined;
  const served = () => {
    const ids = deps.accountIds();
    return { accounts: ids.length, accountsHash: accountsHash(ids) };
  };
  return {
    self: settings.id,
    replica,
    registry,
    peers,
    remote() {
      const layout = deps.layout();
      if (remote?.layout !== layout) remote = { layout, accounts: createRemoteAccounts(layout, peers) };
      return remote.accounts;
    },
    async register(address, tls) {
      const url = deps.settings().advertiseUrl ?? advertisedUrl(address, tls);
      await registry.register({ shard: settings.id, replica, url, version: VERSION, ...served() });
      deps.logger.info({ shard: settings.id, replica, url }, "registered in the shard registry");
    },
    updated: () => registry.update(served()),
    deregister: () => registry.deregister(),
    async close() {
      registry.close();
      await peers.close();
    },
  };
}
