/**
 * A small routing proxy driven by the nginx map `paddock shards map --format nginx` writes
 * (`paddock shards proxy --map FILE`): for trials and the shards demo on a machine without
 * nginx. It reads the two things the map says — which upstream serves each account id, and
 * which servers make up each upstream — and sends `/v1/accounts/{id}/…` to that account's
 * shard (taking turns between its servers), everything else to `paddock_any`. WebSocket
 * upgrades are piped through; `GET /_routing/counts` answers how many requests went to each
 * upstream. Not a production proxy: use nginx, Envoy or a Gateway there.
 */
import { readFile } from "node:fs/promises";
import { Agent, createServer, type IncomingMessage, request } from "node:http";
import { connect } from "node:net";
import { PaddockError } from "../errors.js";

export interface ParsedMap {
  /** account id → upstream name */
  readonly accounts: ReadonlyMap<string, string>;
  /** upstream name → `host:port` servers */
  readonly upstreams: ReadonlyMap<string, readonly string[]>;
  readonly defaultUpstream: string;
}

const ACCOUNT_PATH = /^\/v1\/accounts\/([A-Za-z0-9._-]+)\//;

/** Reads the generated nginx map (the `$paddock_upstream` map and the `upstream` blocks). */
export function parseNginxMap(text: string): ParsedMap {
  const accounts = new Map<string, string>();
  const upstreams = new Map<string, string[]>();
  let defaultUpstream = "paddock_any";
  let block: { kind: "map" } | { kind: "upstream"; name: string } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    if (block === undefined) {
      if (/^map \$paddock_account \$paddock_upstream \{$/.test(line)) block = { kind: "map" };
      const u = /^upstream ([A-Za-z0-9_]+) \{$/.exec(line);
      if (u) {
        block = { kind: "upstream", name: u[1]! };
        upstreams.set(u[1]!, []);
      }
      continue;
    }
    if (line === "}") {
      block = undefined;
      continue;
    }
    if (block.kind === "map") {
      const m = /^(\S+)\s+([A-Za-z0-9_]+);$/.exec(line);
      if (!m) continue;
      if (m[1] === "default") defaultUpstream = m[2]!;
      else accounts.set(m[1]!, m[2]!);
    } else {
      const s = /^server\s+(\S+);$/.exec(line);
      if (s) upstreams.get(block.name)!.push(s[1]!);
    }
  }
  for (const [id, u] of [...accounts, ["(default)", defaultUpstream] as const]) {
    if (!upstreams.get(u)?.length) {
      throw new PaddockError("PADDOCK_CONFIG_INVALID", {
        detail: `routing map: ${id} -> ${u}, an upstream with no server`,
      });
    }
  }
  return { accounts, upstreams, defaultUpstream };
}

export interface RoutingProxy {
  readonly url: string;
  /** Requests sent to each upstream so far. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export async function startRoutingProxy(opts: {
  readonly mapFile: string;
  readonly port: number;
  readonly host?: string;
}): Promise<RoutingProxy> {
  const map = parseNginxMap(await readFile(opts.mapFile, "utf8"));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const turns = new Map<string, number>();
  const counts: Record<string, number> = {};
  const pick = (url: string | undefined): { upstream: string; host: string; port: number } => {
    const id = ACCOUNT_PATH.exec(url ?? "")?.[1];
    const upstream = (id !== undefined ? map.accounts.get(id) : undefined) ?? map.defaultUpstream;
    const servers = map.upstreams.get(upstream)!;
    const turn = turns.get(upstream) ?? 0;
    turns.set(upstream, turn + 1);
    const [host, port] = servers[turn % servers.length]!.split(/:(?=\d+$)/);
    counts[upstream] = (counts[upstream] ?? 0) + 1;
    return { upstream, host: host!.replace(/^\[|\]$/g, ""), port: Number(port) };
  };
  const forwarded = (req: IncomingMessage) => {
    const prior = req.headers["x-forwarded-for"];
    const me = req.socket.remoteAddress ?? "";
    return typeof prior === "string" && prior ? `${prior}, ${me}` : me;
  };

  const server = createServer((req, res) => {
    if (req.url === "/_routing/counts") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(counts));
      return;
    }
    const to = pick(req.url);
    const up = request(
      {
        host: to.host,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "x-forwarded-for": forwarded(req) },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: 50200000, message: `routing proxy: ${to.upstream} did not answer` }));
      } else res.destroy();
    });
    req.pipe(up);
  });
  // WebSocket: the upgrade request goes to the account's shard as it came, then bytes both ways
  server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
    const to = pick(req.url);
    const upstream = connect(to.port, to.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    counts: () => ({ ...counts }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
