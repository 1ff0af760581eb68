/** TLS: a self-signed certificate made in the test; TLS 1.1 is refused, 1.2 and 1.3 are served. */
import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { startGateway } from "../helpers/start-gateway.js";

function handshake(port: number, version: "TLSv1.1" | "TLSv1.2" | "TLSv1.3"): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
      ...(version === "TLSv1.1" ? { ciphers: "DEFAULT@SECLEVEL=0" } : {}),
    });
    socket.once("secureConnect", () => {
      resolve(socket.getProtocol() ?? "none");
      socket.end();
    });
    socket.once("error", (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  });
}

describe("TLS", () => {
  it("refuses TLS 1.1 and serves 1.2 and 1.3", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-tls-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"].concat([
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    const gw = await startGateway({
      accounts: 1,
      configure: (raw) => {
        (raw.server as Record<string, unknown>).tls = {
          certFile: join(dir, "cert.pem"),
          keyFile: join(dir, "key.pem"),
        };
      },
    });
    try {
      expect(gw.url.startsWith("https://")).toBe(true);
      const port = Number(new URL(gw.url).port);
      expect(await handshake(port, "TLSv1.1")).toMatch(/^error/);
      expect(await handshake(port, "TLSv1.2")).toBe("TLSv1.2");
      expect(await handshake(port, "TLSv1.3")).toBe("TLSv1.3");
    } finally {
      await gw.close();
    }
  });
});
