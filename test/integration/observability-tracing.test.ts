/**
 * OpenTelemetry tracing through the real gateway and simulator, spans collected by an in-memory
 * exporter: a request's server span continues the caller's W3C traceparent; auth, the upstream call
 * and the audit append are its children; the upstream request carries a traceparent naming the
 * upstream span. With tracing off (the default) nothing is traced and no traceparent goes upstream.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTracing } from "../../src/observability/tracing.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

/** Raw request headers undici writes to the upstream socket (its own diagnostics channel). */
function captureUpstreamHeaders(): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const fn = (m: unknown) => void lines.push(String((m as { headers: string }).headers));
  subscribe("undici:client:sendHeaders", fn);
  return { lines, stop: () => unsubscribe("undici:client:sendHeaders", fn) };
}

async function until<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const order = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day", ...extra });

describe("tracing on", () => {
  const exporter = new InMemorySpanExporter();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      accounts: 1,
      configure: (raw) => {
        raw.tracing = { enabled: true };
      },
      deps: { tracing: createTracing({ enabled: true, exporter, simple: true }) },
    });
    await gw.simCall("POST", "/_sim/clock", { open: true });
  });
  afterAll(() => gw?.close());

  const spansOf = (traceId: string): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it("continues the caller's traceparent: server span, auth and upstream children, traceparent sent upstream", async () => {
    const capture = captureUpstreamHeaders();
    try {
      const res = await gw.call("/v1/accounts/acct-001/v2/account", {
        headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      });
      expect(res.status).toBe(200);
      const server = await until(
        () => spansOf(TRACE_ID).find((s) => s.name === "GET /v1/accounts/:accountId/v2/*"),
        "the server span",
      );
      expect(parentOf(server)).toBe(CALLER_SPAN);
      expect(server.attributes["http.response.status_code"]).toBe(200);
      const spans = spansOf(TRACE_ID);
      const auth = spans.find((s) => s.name === "auth");
      expect(auth && parentOf(auth)).toBe(server.spanContext().spanId);
      expect(auth?.attributes["enduser.id"]).toBe("test-admin");
      expect(auth?.attributes["paddock.account"]).toBe("acct-001");
      const upstream = spans.find((s) => s.name === "GET upstream");
      expect(upstream && parentOf(upstream)).toBe(server.spanContext().spanId);
      expect(upstream?.attributes["url.path"]).toBe("/v2/account");
      expect(upstream?.attributes["http.response.status_code"]).toBe(200);
      // the simulator's side of the call (the test's own fetch to the gateway goes through undici too)
      const sent = capture.lines.find((h) => h.startsWith("GET /v2/account "));
      expect(sent).toMatch(new RegExp(`traceparent: 00-${TRACE_ID}-${upstream?.spanContext().spanId}-01`));
    } finally {
      capture.stop();
    }
  });

  it("starts a new trace when none is sent, and spans the audit append of an order", async () => {
    exporter.reset();
    const res = await gw.call("/v1/accounts/acct-001/v2/orders", { method: "POST", body: order() });
    expect(res.status).toBe(200);
    const server = await until(
      () => exporter.getFinishedSpans().find((s) => s.name.startsWith("POST /v1/accounts/:accountId/")),
      "the order's server span",
    );
    expect(server.parentSpanContext).toBeUndefined();
    const trace = spansOf(server.spanContext().traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["auth", "POST upstream", "audit.append"]));
    const audit = trace.find((s) => s.name === "audit.append");
    expect(audit?.attributes["paddock.audit.outcome"]).toBe("accepted");
    for (const s of trace.filter((x) => x !== server)) {
      expect(s.spanContext().traceId).toBe(server.spanContext().traceId);
    }
  });
});

describe("tracing off (the default)", () => {
  it("sends no traceparent upstream", async () => {
    const gw = await startGateway({ accounts: 1 });
    const capture = captureUpstreamHeaders();
    try {
      const res = await gw.call("/v1/accounts/acct-001/v2/account", {
        headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      });
      expect(res.status).toBe(200);
      const sent = capture.lines.filter((h) => h.startsWith("GET /v2/account "));
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.some((h) => /traceparent/i.test(h))).toBe(false);
    } finally {
      capture.stop();
      await gw.close();
    }
  });
});
