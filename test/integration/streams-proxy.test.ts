/**
 * With `upstream.proxy` set, every upstream stream goes through it: a tiny HTTP
 * CONNECT proxy in the test counts the tunnels and reads the request line inside
 * each (the upstream is plain ws://), and the simulator's own count of open
 * streams shows that none connected around it.
 */
import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";
import { connectClient, hasFrame, until } from "../unit/streams/ws-client.js";

interface CountingProxy {
  readonly url: string;
  /** Request lines seen inside the tunnels, e.g. `GET /stream HTTP/1.1`. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function startConnectProxy(): Promise<CountingProxy> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end(); // a CONNECT proxy only
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.once("data", (first: Buffer) => {
        requests.push(first.toString("latin1").split("\r\n")[0] ?? "");
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let proxy: CountingProxy;
let gw: TestGateway;

beforeAll(async () => {
  proxy = await startConnectProxy();
  gw = await startGateway({
    accounts: 2,
    logLevel: "warn",
    configure: (raw) => {
      raw.upstream = { ...(raw.upstream as object), proxy: proxy.url };
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await proxy?.close();
});

describe("upstream streams through upstream.proxy", () => {
  it("opens every account's trading stream and the data stream through the proxy, none directly", async () => {
    const keys = gw.gateway.fleet.list().map((a) => a.credentials().keyId);
    const tunnels = (path: string) => proxy.requests.filter((l) => l.startsWith(`GET ${path} `)).length;
    // the trade recorder opens both accounts' trading streams at start
    await until(() => tunnels("/stream") >= 2, 10_000);

    const client = await connectClient(`${gw.url.replace(/^http/, "ws")}/v1/data/stream/v2/test`, {
      token: await gw.token({ scopes: ["data"] }),
    });
    client.send({ action: "subscribe", quotes: ["FAKEPACA"] });
    await client.waitFor(
      hasFrame((f) => f.T === "q" && f.S === "FAKEPACA"),
      20_000,
    );
    client.close();

    expect(tunnels("/v2/test")).toBe(1);
    expect(tunnels("/stream")).toBe(2);
    // the simulator sees exactly the streams the proxy carried
    const stats = await gw.simStats();
    for (const k of keys) expect(stats.streams[k]?.trading).toBe(1);
    const dataStreams = Object.values(stats.streams).reduce((n, s) => n + (s.test ?? 0), 0);
    expect(dataStreams).toBe(1);
  });
});
