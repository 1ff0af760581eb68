/**
 * Regression: a WebSocket upgrade the gateway refuses (a non-canonical target, a bad token)
 * left its socket open, and `close()` — a SIGTERM drain — then waited for it forever. The
 * refusal now closes the socket once the 400/401 is out, so the gateway stops at once.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { startGateway } from "../helpers/start-gateway.js";

describe("a refused WebSocket upgrade", () => {
  it("is answered, its socket closed, and does not hold up the gateway's shutdown", async () => {
    const gw = await startGateway({ accounts: 1 });
    const u = new URL(gw.url);
    const upgrade = (target: string, auth: string) =>
      new Promise<{ status: number; closed: Promise<void> }>((resolve, reject) => {
        const socket = connect({ host: u.hostname, port: Number(u.port) }, () =>
          socket.write(
            `GET ${target} HTTP/1.1\r\nhost: ${u.host}\r\n${auth}connection: Upgrade\r\nupgrade: websocket\r\n` +
              "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
          ),
        );
        const closed = new Promise<void>((r) => socket.once("close", () => r()));
        socket.once("data", (c) => resolve({ status: Number(c.toString("latin1").split(" ")[1]), closed }));
        socket.once("error", reject);
      });
    const refused = [
      await upgrade("/v1/accounts/acct-001/./stream", ""),
      await upgrade("/v1/accounts/acct%2D001/stream", ""),
      await upgrade("/v1/accounts/acct-001/stream", "authorization: Bearer not-a-token\r\n"),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 401]);
    // the gateway closed each socket itself (the client never did)
    await Promise.all(refused.map((r) => r.closed));
    const started = Date.now();
    await gw.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
