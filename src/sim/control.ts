/** The `/_sim/` control API (no auth): faults, stats, clock, prices, reset. Shapes per DESIGN.md. */
import type { ControllableClock } from "./clock.js";
import type { PriceEngine, SimResponse } from "./contract.js";
import type { Exchange } from "./exchange/exchange.js";
import { type FaultInjector, parseFaults } from "./faults.js";
import type { SimRateLimiter } from "./rate-limit.js";
import { ts } from "./routes/wire.js";
import { notFound, unprocessable } from "./sim-error.js";
import type { StatsRecorder } from "./stats.js";
import type { SimStreamRegistry } from "./stream-registry.js";

export interface ControlDeps {
  readonly clock: ControllableClock;
  readonly prices: PriceEngine & { clearOverrides?: () => void };
  readonly exchange: Exchange;
  readonly faults: FaultInjector;
  readonly stats: StatsRecorder;
  readonly streams: SimStreamRegistry;
  readonly rateLimiter: SimRateLimiter;
}

type Json = Record<string, unknown>;
const asObject = (body: unknown): Json => {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw unprocessable("body: must be a JSON object");
  return body as Json;
};

export function createControl(
  deps: ControlDeps,
): (method: string, path: string, body: unknown) => SimResponse {
  const { clock, prices, exchange, faults, stats, streams, rateLimiter } = deps;

  const clockState = (): Json => {
    const now = clock.now();
    const { nextOpen, nextClose } = clock.nextOpenClose(now);
    return {
      timestamp: ts(now),
      is_open: clock.isOpen(now),
      next_open: ts(nextOpen),
      next_close: ts(nextClose),
      forced: clock.forced ?? null,
    };
  };

  const routes: Record<string, (body: unknown) => SimResponse> = {
    "GET /_sim/stats": () => ({
      status: 200,
      body: stats.snapshot(streams.snapshot(), exchange.ordersByClientOrderId),
    }),
    "GET /_sim/faults": () => ({ status: 200, body: faults.config }),
    "POST /_sim/faults": (body) => {
      const { config, streamDrop } = parseFaults(body ?? {}, faults.config);
      faults.set(config);
      if (streamDrop) streams.dropAll();
      return { status: 200, body: { ...config, streamDrop } };
    },
    "DELETE /_sim/faults": () => {
      faults.clear();
      return { status: 200, body: faults.config };
    },
    "GET /_sim/clock": () => ({ status: 200, body: clockState() }),
    "POST /_sim/clock": (body) => {
      const b = asObject(body);
      for (const k of Object.keys(b))
        if (!["open", "at", "advanceMinutes"].includes(k)) throw unprocessable(`${k}: unknown clock option`);
      if (b.at !== undefined) {
        const at = typeof b.at === "string" ? Date.parse(b.at) : Number.NaN;
        if (Number.isNaN(at)) throw unprocessable("at: must be an RFC 3339 timestamp");
        clock.setAt(at);
      }
      if (b.advanceMinutes !== undefined) {
        if (typeof b.advanceMinutes !== "number" || !Number.isFinite(b.advanceMinutes))
          throw unprocessable("advanceMinutes: must be a number");
        clock.advanceMinutes(b.advanceMinutes);
      }
      if (b.open !== undefined) {
        if (b.open !== true && b.open !== false && b.open !== null && b.open !== "auto")
          throw unprocessable('open: must be true, false, or null/"auto" to follow the calendar');
        clock.forceOpen(b.open === true ? true : b.open === false ? false : undefined);
      }
      exchange.evaluate();
      return { status: 200, body: clockState() };
    },
    "POST /_sim/prices": (body) => {
      const b = asObject(body);
      const now = clock.now();
      const out: Json = {};
      for (const [symbol, v] of Object.entries(b)) {
        const n =
          typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
        if (!Number.isFinite(n) || n <= 0) throw unprocessable(`${symbol}: price must be a positive decimal`);
        out[symbol.toUpperCase()] = n;
      }
      for (const [symbol, n] of Object.entries(out)) {
        prices.setPrice(symbol, n as number, now);
        exchange.evaluate(symbol);
      }
      return { status: 200, body: Object.fromEntries(Object.entries(out).map(([s, n]) => [s, String(n)])) };
    },
    "POST /_sim/reset": () => {
      exchange.reset();
      stats.reset();
      faults.clear();
      clock.reset();
      rateLimiter.reset();
      prices.clearOverrides?.();
      return { status: 200, body: { reset: true } };
    },
  };

  return (method, path, body) => {
    const route = routes[`${method} ${path}`];
    if (!route) throw notFound(`no control endpoint ${method} ${path}`);
    return route(body);
  };
}
