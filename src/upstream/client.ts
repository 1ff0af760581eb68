/**
 * The raw upstream transport: undici dispatchers (a keep-alive Pool per account
 * for trading, one shared Pool per data origin, or a proxy agent) and one function
 * that sends a request with an account's credentials. Socket-level failures are
 * translated here, at the edge, into PaddockErrors by their codes.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent, Pool, ProxyAgent } from "undici";
import type { AccountCredentials, UpstreamRequest, UpstreamResponse } from "../accounts/types.js";
import { PaddockError } from "../errors.js";

export interface TransportOptions {
  readonly connectionsPerAccount: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly proxy?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Transport {
  /** A dedicated pool (per account); shared through the proxy agent when a proxy is configured. */
  pool(origin: string): Dispatcher;
  /** A pool shared by everyone for this origin (market data). */
  shared(origin: string): Dispatcher;
  send(
    dispatcher: Dispatcher,
    origin: string,
    req: UpstreamRequest,
    credentials: AccountCredentials,
  ): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** Maps a transport failure to the gateway's error, keeping the cause for logs. */
export function translateTransportError(err: unknown): PaddockError {
  if (err instanceof PaddockError) return err;
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? e.name ?? "error";
  if (TIMEOUT_CODES.has(code) || e.name === "TimeoutError") {
    return new PaddockError("PADDOCK_UPSTREAM_TIMEOUT", { detail: code, cause: err });
  }
  if (e.name === "AbortError" || code === "UND_ERR_ABORTED") {
    return new PaddockError("PADDOCK_UNAVAILABLE", { detail: "request aborted", cause: err });
  }
  return new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", { detail: code, cause: err });
}

const hasEnvProxy = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);

export function createTransport(opts: TransportOptions): Transport {
  const env = opts.env ?? process.env;
  const common = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: opts.requestTimeoutMs,
    bodyTimeout: opts.requestTimeoutMs,
    connect: { timeout: opts.connectTimeoutMs },
  };
  let proxy: Dispatcher | undefined;
  if (opts.proxy) proxy = new ProxyAgent({ uri: opts.proxy, ...common });
  else if (hasEnvProxy(env)) proxy = new EnvHttpProxyAgent(common);
  const owned = new Set<Dispatcher>();
  const sharedPools = new Map<string, Dispatcher>();
  const fallback = new Agent(common);

  const makePool = (origin: string, connections: number): Dispatcher => {
    if (proxy) return proxy;
    const pool = new Pool(origin, { ...common, connections });
    owned.add(pool);
    return pool;
  };

  return {
    pool: (origin) => makePool(origin, opts.connectionsPerAccount),
    shared(origin) {
      let d = sharedPools.get(origin);
      if (!d) {
        d = makePool(origin, Math.max(16, opts.connectionsPerAccount * 8));
        sharedPools.set(origin, d);
      }
      return d;
    },
    async send(dispatcher, origin, req, credentials) {
      const headers: Record<string, string> = {
        ...req.headers,
        "apca-api-key-id": credentials.keyId,
        "apca-api-secret-key": credentials.secretKey,
      };
      if (req.body !== undefined && headers["content-type"] === undefined) {
        headers["content-type"] = "application/json";
      }
      try {
        const res = await (dispatcher ?? fallback).request({
          origin,
          method: req.method,
          path: req.path,
          headers,
          body: req.body ?? null,
          ...(req.signal ? { signal: req.signal } : {}),
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        return { status: res.statusCode, headers: res.headers, body };
      } catch (err) {
        throw translateTransportError(err);
      }
    },
    async close() {
      const all = [...owned, fallback, ...(proxy ? [proxy] : [])];
      await Promise.allSettled(all.map((d) => d.close()));
    },
  };
}

/** Releases a dedicated pool (an account removed at reload) once its in-flight requests finish. */
export async function closeDispatcher(d: Dispatcher): Promise<void> {
  if (d instanceof Pool) await d.close();
}

/** Opens `count` connections to warm a pool (`upstream.preconnect`). */
export async function preconnect(d: Dispatcher, origin: string, count: number): Promise<void> {
  await Promise.allSettled(
    Array.from({ length: count }, () =>
      d.request({ origin, method: "HEAD", path: "/", headers: {} }).then((r) => r.body.dump()),
    ),
  );
}
