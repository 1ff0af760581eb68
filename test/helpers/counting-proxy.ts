/**
 * A small forward HTTP proxy on a loopback port that counts what goes through it: CONNECT
 * tunnels (how undici's ProxyAgent and WebSocket clients reach their targets) and plain
 * absolute-form requests. Tests use the counts to prove traffic took the proxy.
 */
import { createServer, request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";

export interface CountingProxy {
  readonly url: string;
  /** CONNECT tunnels opened, by target `host:port`. */
  readonly tunnels: Map<string, number>;
  /** Plain requests forwarded, by `METHOD url`. */
  readonly requests: Map<string, number>;
  tunnelCount(): number;
  close(): Promise<void>;
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

export async function startCountingProxy(): Promise<CountingProxy> {
  const tunnels = new Map<string, number>();
  const requests = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    bump(requests, `${req.method} ${req.url}`);
    const target = new URL(req.url ?? "/");
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    bump(tunnels, target);
    const [host, port] = target.split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    requests,
    tunnelCount: () => [...tunnels.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
