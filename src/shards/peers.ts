/**
 * Requests to the other shards, through the registry: a request for shard S goes to one of
 * S's live replicas (taking turns), with the caller's credentials and the hop header, so the
 * replica that receives it answers for its own shard only and never fans out again (no loops).
 * A replica that cannot be connected to is skipped and the next one tried (nothing was sent);
 * a read is also tried on the next replica after any failure. When no replica answers, the
 * error names the shard (PADDOCK_SHARD_UNAVAILABLE), so callers can say which shard is missing.
 */
import { Agent, request } from "undici";
import { PaddockError } from "../errors.js";
import type { ReplicaRecord } from "./registry.js";

/** Marks a request between replicas: the receiver answers for its own shard and never fans out again. */
export const FANOUT_HEADER = "x-paddock-fanout";

/** The caller's credentials and trace headers, which a hop carries unchanged. */
const FORWARDED = [
  "authorization",
  "apca-api-key-id",
  "apca-api-secret-key",
  "x-request-id",
  "traceparent",
  "tracestate",
] as const;

/** The headers of an incoming request a hop to another shard carries, plus the hop marker. */
export function hopHeaders(incoming: Readonly<Record<string, string | string[] | undefined>>) {
  const out: Record<string, string> = { [FANOUT_HEADER]: "1" };
  for (const name of FORWARDED) {
    const v = incoming[name];
    if (typeof v === "string") out[name] = v;
  }
  return out;
}

export const isHop = (headers: Readonly<Record<string, string | string[] | undefined>>): boolean =>
  headers[FANOUT_HEADER] !== undefined;

export interface PeerRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/accounts?limit=10`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface PeerResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The replica that answered. */
  readonly replica: string;
}

export interface ShardPeers {
  /** This replica's shard. */
  readonly self: string;
  /** The other shards, in the configuration's order. */
  others(): readonly string[];
  /** Sends to one live replica of `shard`; throws PADDOCK_SHARD_UNAVAILABLE naming it when none answers. */
  request(shard: string, req: PeerRequest): Promise<PeerResponse>;
  close(): Promise<void>;
}

export interface ShardPeersOptions {
  readonly self: string;
  /** This replica's own registration id (never a target). */
  readonly selfReplica: string;
  /** Every shard id, in order (read at use: a reload may change it). */
  readonly shards: () => readonly string[];
  readonly replicas: (shard: string) => readonly ReplicaRecord[];
  readonly timeoutMs: () => number;
}

/** Socket errors that mean the request never left: safe to send to another replica. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

const errCode = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const c = typeof e?.code === "string" ? e.code : e?.cause?.code;
  return typeof c === "string" ? c : undefined;
};

export function createShardPeers(options: ShardPeersOptions): ShardPeers {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  let turn = 0;

  const send = async (replica: ReplicaRecord, req: PeerRequest): Promise<PeerResponse> => {
    const timeout = options.timeoutMs();
    const res = await request(new URL(req.path, replica.url), {
      method: req.method as "GET",
      headers: req.headers,
      ...(req.body ? { body: req.body } : {}),
      dispatcher: agent,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body, replica: replica.replica };
  };

  return {
    self: options.self,
    others: () => options.shards().filter((s) => s !== options.self),
    async request(shard, req) {
      const candidates = options.replicas(shard).filter((r) => r.replica !== options.selfReplica);
      if (candidates.length === 0) {
        throw new PaddockError("PADDOCK_SHARD_UNAVAILABLE", {
          detail: `shard ${shard} has no live replica in the registry`,
          extra: { shard },
          retryAfterSeconds: 1,
        });
      }
      const start = turn++ % candidates.length;
      const safeToRepeat = req.method === "GET" || req.method === "HEAD";
      let last = "";
      for (let i = 0; i < candidates.length; i++) {
        const replica = candidates[(start + i) % candidates.length]!;
        try {
          return await send(replica, req);
        } catch (err) {
          const code = errCode(err);
          last = `${replica.replica}: ${code ?? (err instanceof Error ? err.name : "error")}`;
          if (!safeToRepeat && (code === undefined || !NOT_SENT.has(code))) break;
        }
      }
      throw new PaddockError("PADDOCK_SHARD_UNAVAILABLE", {
        detail: `shard ${shard} did not answer (${last})`,
        extra: { shard },
        retryAfterSeconds: 1,
      });
    },
    close: () => agent.close(),
  };
}
