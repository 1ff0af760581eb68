/**
 * Per-account requests for an account of another shard: `/v1/accounts/{id}/…` and
 * `/v1/admin/accounts/{id}…` that reach a replica not serving `{id}` (a client that skipped the
 * routing proxy, the console, a block order's child) are proxied to a live replica of the owning
 * shard, found in the registry, with the request's own credentials; the answer comes back as
 * the owner gave it, with `X-Paddock-Shard` naming the shard that served it.
 *
 * Two cases answer 421 (PADDOCK_SHARD_MISDIRECTED) naming the shard instead: a WebSocket upgrade
 * (connect through the routing proxy), and a request that is already a hop between replicas
 * (the replicas disagree about the owner: never a loop). Accounts no shard serves fall through
 * to the routes, which answer 404.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Fleet } from "../accounts/types.js";
import { PaddockError } from "../errors.js";
import { FANOUT_HEADER, isHop, type ShardPeers } from "../shards/peers.js";
import { requestTarget } from "./canonical-target.js";
import { sendError } from "./error-handler.js";

export const SHARD_HEADER = "x-paddock-shard";

export interface ShardProxyDeps {
  readonly fleet: Fleet;
  /** The shard serving an account of another shard; undefined for this shard's and unknown ids. */
  readonly ownerOf: (accountId: string) => string | undefined;
  readonly peers: () => ShardPeers | undefined;
  /** Largest body proxied (server.bodyLimitBytes). */
  readonly bodyLimit: () => number;
}

/** Request headers a proxy never forwards (connection-level, or recomputed). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "proxy-connection",
  "te",
  "trailer",
]);
const RESPONSE_SKIP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date"]);

/** The account a per-account path names: `/v1/accounts/{id}/…` or `/v1/admin/accounts/{id}…`. */
export function accountOfPath(segments: readonly string[]): string | undefined {
  if (segments[0] !== "v1") return undefined;
  if (segments[1] === "accounts" && segments.length >= 4) return segments[2];
  if (segments[1] === "admin" && segments[2] === "accounts" && segments.length >= 4) return segments[3];
  return undefined;
}

async function readBody(request: FastifyRequest, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new PaddockError("PADDOCK_REQUEST_TOO_LARGE", { detail: `over ${limit} bytes` });
    chunks.push(b);
  }
  return size > 0 ? Buffer.concat(chunks) : undefined;
}

/** An onRequest hook (after the canonical-target check) that proxies other shards' accounts. */
export function shardProxyHook(deps: ShardProxyDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const peers = deps.peers();
    if (!peers) return undefined;
    reply.header(SHARD_HEADER, peers.self);
    const target = requestTarget(request.raw);
    const id = target ? accountOfPath(target.segments) : undefined;
    if (id === undefined || deps.fleet.get(id)) return undefined;
    const shard = deps.ownerOf(id);
    if (shard === undefined) return undefined;
    try {
      if (isHop(request.headers) || request.headers.upgrade !== undefined) {
        throw new PaddockError("PADDOCK_SHARD_MISDIRECTED", {
          detail: `account ${id} is served by shard ${shard}; send it through the routing proxy`,
          extra: { shard },
        });
      }
      const headers: Record<string, string> = { [FANOUT_HEADER]: "1" };
      for (const [k, v] of Object.entries(request.headers)) {
        if (typeof v === "string" && !HOP_BY_HOP.has(k)) headers[k] = v;
      }
      const body = await readBody(request, deps.bodyLimit());
      const res = await peers.request(shard, {
        method: request.method,
        path: request.raw.url ?? request.url,
        headers,
        ...(body ? { body } : {}),
      });
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && !RESPONSE_SKIP.has(k)) reply.header(k, v);
      }
      reply.header(SHARD_HEADER, shard);
      return reply.code(res.status).send(res.body.length > 0 ? res.body : undefined);
    } catch (err) {
      reply.header(SHARD_HEADER, shard);
      return sendError(request, reply, err);
    }
  };
}
