/** Test harness for the market-data handlers: a tiny SimRouter, a registry, and a real ws server. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type {
  SimHandler,
  SimRequest,
  SimResponse,
  SimRouter,
  StreamRegistry,
} from "../../../../src/sim/contract.js";

export interface TestRouter extends SimRouter {
  call(path: string, keyId?: string): Promise<SimResponse>;
}

export function createTestRouter(): TestRouter {
  const routes: Array<{ segs: string[]; handler: SimHandler }> = [];
  return {
    add(_method, pattern, handler) {
      routes.push({ segs: pattern.split("/").slice(1), handler });
    },
    async call(url, keyId = "k") {
      const [path = "", qs = ""] = url.split("?");
      const parts = path.split("/").slice(1);
      for (const r of routes) {
        if (r.segs.length !== parts.length) continue;
        const params: Record<string, string> = {};
        let ok = true;
        r.segs.forEach((s, i) => {
          const p = parts[i] ?? "";
          if (s.startsWith(":")) params[s.slice(1)] = decodeURIComponent(p);
          else if (s !== p) ok = false;
        });
        if (!ok) continue;
        const req: SimRequest = {
          method: "GET",
          path,
          query: new URLSearchParams(qs),
          headers: {},
          body: undefined,
          keyId,
          params,
        };
        return r.handler(req);
      }
      return { status: 404, body: { code: 40410000, message: "no route" } };
    },
  };
}

export function createTestRegistry(): StreamRegistry & { opened: number } {
  const open = new Map<string, Set<WebSocket>>();
  const reg = {
    opened: 0,
    open(keyId: string, feed: string, socket: WebSocket) {
      const k = `${keyId}|${feed}`;
      let set = open.get(k);
      if (!set) {
        set = new Set();
        open.set(k, set);
      }
      set.add(socket);
      reg.opened++;
      return () => {
        set?.delete(socket);
      };
    },
    count(keyId: string, feed: string) {
      return open.get(`${keyId}|${feed}`)?.size ?? 0;
    },
    dropAll() {
      for (const set of open.values()) for (const s of set) s.terminate();
    },
  };
  return reg;
}

export interface WsHarness {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 whose upgrades on `/v2/:feed` go to `onConnection`. */
export async function startWsHarness(
  onConnection: (socket: WebSocket, req: IncomingMessage, feed: string) => void,
): Promise<WsHarness> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, sock, head) => {
    const feed = /^\/v2\/(iex|sip|test)$/.exec(req.url ?? "")?.[1];
    if (!feed) {
      sock.destroy();
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => onConnection(ws, req, feed));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
