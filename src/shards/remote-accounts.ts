/**
 * The accounts of the other shards, as block orders see them: the fleet's list (the same on
 * every replica) says which shard owns an account and what tags it has; requests for it go to
 * the owner's pass-through route `/v1/accounts/{id}/…` through the registry, with the caller's
 * credentials and the hop header (the owner serves it, and never proxies it again).
 */
import type { ShardLayout } from "../config/shards.js";
import type { ShardPeers } from "./peers.js";

/** An account another shard serves: its id, its tags (for tag targets and tag grants), its shard. */
export interface RemoteAccount {
  readonly id: string;
  readonly tags: readonly string[];
  readonly shard: string;
}

/** The accounts of the other shards, and a way to reach them (the owner's pass-through route). */
export interface RemoteAccounts {
  /** Every account of the fleet's list (this shard's too), in the list's order. */
  all(): readonly RemoteAccount[];
  /** An account of another shard; undefined for this shard's accounts and unknown ids. */
  get(id: string): RemoteAccount | undefined;
  /**
   * Sends `method path` (an Alpaca path, `/v2/...`) to the owning shard's
   * `/v1/accounts/{id}/...` with the caller's credentials (`forward`). Throws
   * PADDOCK_SHARD_UNAVAILABLE naming the shard when no replica of it answers.
   */
  request(
    accountId: string,
    req: { readonly method: string; readonly path: string; readonly body?: Buffer },
    forward: Readonly<Record<string, string>>,
  ): Promise<{ readonly status: number; readonly body: Buffer }>;
}

export function createRemoteAccounts(layout: ShardLayout, peers: ShardPeers): RemoteAccounts {
  const remote = (id: string) => {
    const a = layout.ownerOf(id);
    return a && a.shard !== peers.self ? a : undefined;
  };
  return {
    all: () => layout.accounts,
    get: remote,
    async request(accountId, req, forward) {
      const owner = remote(accountId);
      if (!owner) throw new Error(`account ${accountId} is not served by another shard`);
      return peers.request(owner.shard, {
        method: req.method,
        path: `/v1/accounts/${encodeURIComponent(accountId)}${req.path}`,
        headers: { ...forward, ...(req.body ? { "content-type": "application/json" } : {}) },
        ...(req.body ? { body: req.body } : {}),
      });
    },
  };
}
