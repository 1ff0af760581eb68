/**
 * The simulator's HTTP server: plain `node:http` (speed matters). Per request: split path and
 * query, `/_sim/` control (no auth, no faults), authentication, the per-key rate limit (headers on
 * every authenticated answer), stats, faults, JSON body, then the route. WebSocket upgrades:
 * `/stream` (trading) and `/v2/{iex|sip|test}` (market data) via `ws` in noServer mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { SimAuthenticator } from "./auth.js";
import type { SimResponse } from "./contract.js";
import type { FaultInjector } from "./faults.js";
import type { SimRateLimiter } from "./rate-limit.js";
import type { MatchingRouter } from "./router.js";
import { ALPACA_CODES, SimApiError } from "./sim-error.js";
import type { StatsRecorder } from "./stats.js";

export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SimServerDeps {
  readonly router: MatchingRouter;
  readonly auth: SimAuthenticator;
  readonly rateLimiter: SimRateLimiter;
  readonly faults: FaultInjector;
  readonly stats: StatsRecorder;
  readonly control: (method: string, path: string, body: unknown) => SimResponse;
  /** Upgrade handlers by exact path; the socket is already a WebSocket. */
  readonly upgrades: ReadonlyMap<string, (socket: WebSocket, req: IncomingMessage) => void>;
  readonly logger?: SimLogger;
  /** Paths Alpaca serves without credentials (crypto market data); they count under `anonymous`. */
  readonly isPublic?: (path: string) => boolean;
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

const JSON_TYPE = "application/json; charset=utf-8";
/** The key public (unauthenticated) requests count and are rate limited under. */
export const ANONYMOUS = "anonymous";

export interface SimServer {
  readonly server: Server;
  /** Ends hung (timeout-fault) requests and open WebSockets; then the server can close. */
  shutdown(): Promise<void>;
}

export function createSimServer(deps: SimServerDeps): SimServer {
  const { router, auth, rateLimiter, faults, stats, control, logger } = deps;
  const maxBody = deps.maxBodyBytes ?? 1_048_576;
  const hung = new Set<ServerResponse>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });

  function send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
    if (res.destroyed) return;
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    // a flat [name, value, …] list: the cheapest form writeHead takes
    const raw = ["content-type", JSON_TYPE, "content-length", String(Buffer.byteLength(text))];
    if (headers !== undefined) for (const k in headers) raw.push(k, headers[k] as string);
    res.writeHead(status, raw);
    res.end(text);
  }

  function readBody(req: IncomingMessage, done: (err: SimApiError | undefined, body: unknown) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBody && !failed) {
        failed = true;
        done(new SimApiError(413, 41310000, "request body too large"), undefined);
      }
      if (!failed) chunks.push(c);
    });
    req.on("end", () => {
      if (failed) return;
      if (size === 0) return done(undefined, undefined);
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        done(undefined, JSON.parse(text));
      } catch (err) {
        done(
          new SimApiError(
            400,
            ALPACA_CODES.malformed,
            `invalid JSON body: ${err instanceof Error ? err.message : "parse error"}`,
          ),
          undefined,
        );
      }
    });
    req.on("error", () => {
      failed = true;
    });
  }

  const needsBody = (req: IncomingMessage): boolean =>
    req.method !== "GET" &&
    req.method !== "HEAD" &&
    (req.headers["content-length"] !== "0" || req.headers["transfer-encoding"] !== undefined);

  function errorResponse(err: unknown): { status: number; body: unknown } {
    if (err instanceof SimApiError) return { status: err.status, body: err.toBody() };
    logger?.error({ err }, "simulator handler failed");
    return { status: 500, body: { code: ALPACA_CODES.internal, message: "internal server error" } };
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? "GET";

    if (path.startsWith("/_sim/")) {
      const run = (body: unknown): void => {
        try {
          const r = control(method, path, body);
          send(res, r.status, r.body);
        } catch (err) {
          const e = errorResponse(err);
          send(res, e.status, e.body);
        }
      };
      if (needsBody(req))
        readBody(req, (err, body) => (err ? send(res, err.status, err.toBody()) : run(body)));
      else run(undefined);
      return;
    }

    const keyId = auth.fromHeaders(req.headers) ?? (deps.isPublic?.(path) ? ANONYMOUS : undefined);
    if (keyId === undefined) {
      req.resume();
      send(res, 401, { code: ALPACA_CODES.unauthorized, message: "request is not authorized" });
      return;
    }
    stats.request(keyId, method, path);
    const rate = rateLimiter.take(keyId);
    const headers: Record<string, string> | undefined =
      rate === undefined
        ? undefined
        : {
            "x-ratelimit-limit": String(rate.limit),
            "x-ratelimit-remaining": String(Math.max(0, rate.remaining)),
            "x-ratelimit-reset": String(rate.resetSeconds),
          };
    if (rate !== undefined && !rate.allowed) {
      stats.rateLimited(keyId);
      req.resume();
      send(res, 429, { code: ALPACA_CODES.rateLimited, message: "rate limit exceeded" }, headers);
      return;
    }

    const fault = faults.decide(path, keyId);
    const route = (body: unknown): void => {
      const match = router.match(method, path);
      if (!match) {
        const status = router.hasPath(path) ? 405 : 404;
        send(
          res,
          status,
          { code: status * 100_000, message: status === 405 ? "method not allowed" : "endpoint not found" },
          headers,
        );
        return;
      }
      const query = q < 0 ? new URLSearchParams() : new URLSearchParams(url.slice(q + 1));
      let out: SimResponse | Promise<SimResponse>;
      try {
        out = match.handler({ method, path, query, headers: req.headers, body, keyId, params: match.params });
      } catch (err) {
        const e = errorResponse(err);
        if (fault.kind !== "timeout") send(res, e.status, e.body, headers);
        return;
      }
      const finish = (r: SimResponse): void => {
        if (fault.kind === "timeout") return; // performed, never answered
        send(res, r.status, r.body, r.headers === undefined ? headers : { ...headers, ...r.headers });
      };
      if (out instanceof Promise)
        out.then(finish, (err: unknown) => {
          const e = errorResponse(err);
          if (fault.kind !== "timeout") send(res, e.status, e.body, headers);
        });
      else finish(out);
    };

    const proceed = (): void => {
      if (fault.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault.kind === "error") {
        req.resume();
        send(
          res,
          fault.status,
          { code: fault.status * 100_000, message: `simulated fault: status ${fault.status}` },
          headers,
        );
        return;
      }
      if (fault.kind === "timeout") {
        hung.add(res);
        res.on("close", () => hung.delete(res));
      }
      if (needsBody(req))
        readBody(req, (err, body) => (err ? send(res, err.status, err.toBody(), headers) : route(body)));
      else route(undefined);
    };
    if (fault.delayMs > 0) setTimeout(proceed, fault.delayMs);
    else proceed();
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const handler = deps.upgrades.get(path);
    if (!handler) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handler(ws, req));
  }

  const server = createServer({ keepAliveTimeout: 5_000 }, onRequest);
  server.on("upgrade", onUpgrade);
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  return {
    server,
    async shutdown() {
      for (const res of hung) res.destroy();
      hung.clear();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
