/**
 * OpenTelemetry tracing, off by default (`tracing.enabled`). When on:
 * - each HTTP request gets a server span, continuing the caller's W3C `traceparent` when sent;
 * - every upstream call made with undici while a request's span is active gets a client span and
 *   carries `traceparent` to Alpaca — observed through undici's diagnostics channels, so the
 *   upstream layer is not wrapped (the way undici itself publishes its metrics);
 * - `span(name, fn)` wraps a step of our own (auth, audit append…) in a child span.
 * Spans go to the OTLP/HTTP exporter, configured by the standard `OTEL_EXPORTER_OTLP_*`
 * variables (endpoint, headers, timeout); `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
 * name the service; `OTEL_TRACES_SAMPLER` picks the sampler. Tests pass an in-memory exporter.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

export interface TracingOptions {
  readonly enabled: boolean;
  /** `service.name`; `OTEL_SERVICE_NAME` wins when set. */
  readonly serviceName?: string;
  /** Where spans go; defaults to OTLP/HTTP from `OTEL_*`. Tests pass an InMemorySpanExporter. */
  readonly exporter?: SpanExporter;
  /** Export each span as it ends (tests) instead of in batches. */
  readonly simple?: boolean;
  readonly version?: string;
}

export type Attributes = Record<string, string | number | boolean | undefined>;

/** The headers of an incoming request, as Fastify and node:http give them. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface Tracing {
  readonly enabled: boolean;
  /** Starts the server span of a request; returns the context to run the request in. */
  startRequest(headers: IncomingHeaders, name: string, attributes: Attributes): RequestTrace | undefined;
  /** Runs `fn` in a child span of the active one (no-op when tracing is off). */
  span<T>(name: string, fn: () => Promise<T>, attributes?: Attributes): Promise<T>;
  /** Flushes and stops the exporter. */
  close(): Promise<void>;
}

export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  /** Runs `fn` (and everything it starts) inside the request's span. */
  run<T>(fn: () => T): T;
  end(status: number, attributes?: Attributes): void;
}

const propagator = new W3CTraceContextPropagator();
let contextManagerReady = false;

/** The API's context manager is process-global: one AsyncLocalStorage manager, registered once. */
function ensureContextManager(): void {
  if (contextManagerReady) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
  contextManagerReady = true;
}

function clean(attributes: Attributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attributes ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

const disabled: Tracing = {
  enabled: false,
  startRequest: () => undefined,
  span: (_name, fn) => fn(),
  close: async () => {},
};

/** undici's request object as its diagnostics channels publish it (the fields used here). */
interface UndiciRequest {
  readonly origin: string | URL;
  readonly method: string;
  readonly path: string;
  addHeader(name: string, value: string): unknown;
}

export function createTracing(options: TracingOptions): Tracing {
  if (!options.enabled) return disabled;
  ensureContextManager();
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const processor = options.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        "service.name": process.env.OTEL_SERVICE_NAME || options.serviceName || "paddock",
        ...(options.version ? { "service.version": options.version } : {}),
      }),
    ),
    spanProcessors: [processor],
  });
  const tracer: Tracer = provider.getTracer("paddock", options.version);
  // spans this instance started: upstream calls are traced only under one of them
  const ours = new WeakSet<Span>();
  const upstream = new WeakMap<object, Span>();

  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const parent = trace.getSpan(context.active());
    if (!parent || !ours.has(parent)) return;
    const origin = new URL(String(request.origin));
    const span = tracer.startSpan(
      `${request.method} upstream`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "http.request.method": request.method,
          "server.address": origin.hostname,
          "server.port": Number(origin.port || (origin.protocol === "https:" ? 443 : 80)),
          "url.path": request.path.split("?")[0] ?? "/",
        },
      },
      context.active(),
    );
    upstream.set(request, span);
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(context.active(), span), carrier, defaultTextMapSetter);
    for (const [k, v] of Object.entries(carrier)) request.addHeader(k, v);
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    const span = upstream.get(request);
    if (!span) return;
    span.setAttribute("http.response.status_code", response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const onDone = (message: unknown) => {
    const { request } = message as { request: object };
    upstream.get(request)?.end();
    upstream.delete(request);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: object; error: Error };
    const span = upstream.get(request);
    if (!span) return;
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
    upstream.delete(request);
  };
  const channels: [string, (m: unknown) => void][] = [
    ["undici:request:create", onCreate],
    ["undici:request:headers", onHeaders],
    ["undici:request:trailers", onDone],
    ["undici:request:error", onError],
  ];
  for (const [name, fn] of channels) subscribe(name, fn);

  return {
    enabled: true,
    startRequest(headers, name, attributes) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: clean(attributes) }, parent);
      ours.add(span);
      const ctx = trace.setSpan(parent, span);
      return {
        span,
        context: ctx,
        run: (fn) => context.with(ctx, fn),
        end(status, more) {
          span.setAttributes({ "http.response.status_code": status, ...clean(more) });
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    async span(name, fn, attributes) {
      const span = tracer.startSpan(name, { attributes: clean(attributes) }, context.active());
      ours.add(span);
      try {
        return await context.with(trace.setSpan(context.active(), span), fn);
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
    async close() {
      for (const [name, fn] of channels) unsubscribe(name, fn);
      await provider.shutdown();
    },
  };
}
