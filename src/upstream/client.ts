/**
 * The raw upstream transport: undici dispatchers and one function that sends a request
 * with an account's credentials. Each account has its own connections: a keep-alive
 * Pool to its trading host (market data shares one Pool per data origin), or, with a
 * proxy configured (`upstream.proxy`, else HTTPS_PROXY/HTTP_PROXY/NO_PROXY), its own
 * ProxyAgent whose tunnels are its alone. Socket-level failures are translated here, at
 * the edge, into PaddockErrors by their codes.
 */
import { type Dispatcher, EnvHttpProxyAgent, Pool, ProxyAgent } from "undici";
import { PaddockError } from "../errors.js";
import type { AccountCredentials, UpstreamRequest, UpstreamResponse } from "./types.js";

export interface TransportOptions {
  readonly connectionsPerAccount: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly proxy?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** One account's connections. */
export interface AccountConnection {
  /** Sends to `origin` (its trading host, or the data host) with the account's credentials. */
  send(origin: string, req: UpstreamRequest, credentials: AccountCredentials): Promise<UpstreamResponse>;
  /** Opens `count` connections to warm the pool (`upstream.preconnect`). */
  preconnect(origin: string, count: number): Promise<void>;
  /** Releases the account's own connections once their in-flight requests finish. */
  close(): Promise<void>;
}

export interface Transport {
  forAccount(tradingOrigin: string): AccountConnection;
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

async function sendVia(
  d: Dispatcher,
  origin: string,
  req: UpstreamRequest,
  credentials: AccountCredentials,
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = {
    ...req.headers,
    "apca-api-key-id": credentials.keyId,
    "apca-api-secret-key": credentials.secretKey,
  };
  if (req.body !== undefined && headers["content-type"] === undefined) {
    headers["content-type"] = "application/json";
  }
  try {
    const res = await d.request({
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
}

async function warm(d: Dispatcher, origin: string, count: number): Promise<void> {
  await Promise.allSettled(
    Array.from({ length: count }, () =>
      d.request({ origin, method: "HEAD", path: "/", headers: {} }).then((r) => r.body.dump()),
    ),
  );
}

export function createTransport(opts: TransportOptions): Transport {
  const env = opts.env ?? process.env;
  const common = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: opts.requestTimeoutMs,
    bodyTimeout: opts.requestTimeoutMs,
    connect: { timeout: opts.connectTimeoutMs },
  };
  const proxied = opts.proxy !== undefined || hasEnvProxy(env);
  const owned = new Set<Dispatcher>();
  const sharedPools = new Map<string, Dispatcher>();

  const own = <D extends Dispatcher>(d: D): D => {
    owned.add(d);
    return d;
  };
  /** A proxy agent of one account: its own tunnels through the proxy, for every origin. */
  const proxyAgent = (): Dispatcher => {
    const o = { ...common, connections: opts.connectionsPerAccount };
    return own(opts.proxy ? new ProxyAgent({ uri: opts.proxy, ...o }) : new EnvHttpProxyAgent(o));
  };
  const shared = (origin: string): Dispatcher => {
    let d = sharedPools.get(origin);
    if (!d) {
      d = own(new Pool(origin, { ...common, connections: Math.max(16, opts.connectionsPerAccount * 8) }));
      sharedPools.set(origin, d);
    }
    return d;
  };

  return {
    forAccount(tradingOrigin) {
      const mine = proxied
        ? proxyAgent()
        : own(new Pool(tradingOrigin, { ...common, connections: opts.connectionsPerAccount }));
      const pick = (origin: string): Dispatcher =>
        proxied || origin === tradingOrigin ? mine : shared(origin);
      return {
        send: (origin, req, credentials) => sendVia(pick(origin), origin, req, credentials),
        preconnect: (origin, count) => warm(pick(origin), origin, count),
        async close() {
          owned.delete(mine);
          await mine.close();
        },
      };
    },
    async close() {
      await Promise.allSettled([...owned].map((d) => d.close()));
      owned.clear();
    },
  };
}
