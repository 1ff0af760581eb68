/**
 * The container's health check (deploy/docker/healthcheck.mjs, the Dockerfile's HEALTHCHECK): healthy when
 * /livez answers 200 over plain HTTP or over TLS with a self-signed certificate, unhealthy otherwise.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const script = join(import.meta.dirname, "../../deploy/docker/healthcheck.mjs");
const servers: Server[] = [];

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

const answer =
  (status: number): RequestListener =>
  (req, res) => {
    res.statusCode = req.url === "/livez" ? status : 404;
    res.end("{}");
  };

function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { env: { ...process.env, PADDOCK_PORT: String(port) } }, (err) =>
      resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
    );
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("container health check", () => {
  it("is healthy over plain HTTP when /livez answers 200", async () => {
    expect(await probe(await listen(createHttpServer(answer(200))))).toBe(0);
  });

  it("is healthy over TLS with a self-signed certificate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-hc-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=paddock.example"].concat([
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    const tls = { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) };
    expect(await probe(await listen(createHttpsServer(tls, answer(200))))).toBe(0);
  });

  it("is unhealthy when /livez fails or nothing listens", async () => {
    expect(await probe(await listen(createHttpServer(answer(503))))).toBe(1);
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    expect(await probe(port)).toBe(1);
  });
});
