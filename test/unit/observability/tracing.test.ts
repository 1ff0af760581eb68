/** The OTLP exporter follows the standard OTEL_* variables: spans reach the collector they name. */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createTracing } from "../../../src/observability/tracing.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("OTLP export", () => {
  it("posts spans to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces with OTEL_EXPORTER_OTLP_HEADERS", async () => {
    const received: { url: string; auth: string | undefined; bytes: number }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let bytes = 0;
      req.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      req.on("end", () => {
        received.push({ url: req.url ?? "", auth: req.headers.authorization, bytes });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    try {
      const { port } = collector.address() as AddressInfo;
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
      process.env.OTEL_EXPORTER_OTLP_HEADERS = "authorization=Bearer collector-token";
      process.env.OTEL_SERVICE_NAME = "paddock-test";
      const tracing = createTracing({ enabled: true });
      expect(await tracing.span("audit.append", async () => 42)).toBe(42);
      await tracing.close(); // flushes the batch
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ url: "/v1/traces", auth: "Bearer collector-token" });
      expect(received[0]!.bytes).toBeGreaterThan(20);
    } finally {
      await new Promise((r) => collector.close(r));
    }
  });

  it("is off by default: spans are not recorded and steps still run", async () => {
    const tracing = createTracing({ enabled: false });
    expect(tracing.enabled).toBe(false);
    expect(tracing.startRequest({}, "GET /", {})).toBeUndefined();
    expect(await tracing.span("auth", async () => "ran")).toBe("ran");
  });
});
