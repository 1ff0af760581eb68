/**
 * The seams between the simulator's parts (trading/exchange and market data).
 * Kept tiny and stable so both halves can be built and tested independently.
 * The simulator shares no Alpaca model code with the gateway (docs/architecture.md).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { WebSocket } from "ws";

/** A parsed request as the simulator's router hands it to a handler (after auth, rate limit and faults). */
export interface SimRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v2/stocks/AAPL/bars`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  /** The API key id the request authenticated with. */
  readonly keyId: string;
  /** Path parameters captured by the route pattern (`:symbol`). */
  readonly params: Readonly<Record<string, string>>;
}

export interface SimResponse {
  readonly status: number;
  /** Serialized as JSON unless undefined (no body, e.g. 204). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Route table: patterns like `/v2/stocks/:symbol/bars`; literal segments may contain `:` only after the first char (`/v2/orders:by_client_order_id`). */
export interface SimRouter {
  add(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", pattern: string, handler: SimHandler): void;
}

/** The simulator's clock: simulated time, which tests and users move through `/_sim/clock`. */
export interface SimClock {
  /** Simulated now, epoch milliseconds. */
  now(): number;
  /** Whether the regular session (or a forced-open override) is open at `atMs` (default now). */
  isOpen(atMs?: number): boolean;
  /** Whether the extended 04:00–20:00 session (or a forced-open override) is open; the calendar's when absent. */
  isExtendedOpen?(atMs?: number): boolean;
}

/**
 * Deterministic prices for every symbol (seeded). History is generated on demand, never stored.
 * A price set through `/_sim/prices` overrides the path from that moment on.
 */
export interface PriceEngine {
  /** Current trade price of a symbol at simulated time `atMs`. Throws nothing; unknown symbols get a path too. */
  priceAt(symbol: string, atMs: number): number;
  /** Force a symbol's price from `atMs` on (control API). */
  setPrice(symbol: string, price: number, atMs: number): void;
  /** Subscribe to price ticks (for fills and streams); returns an unsubscribe function. */
  onTick(listener: (symbol: string, price: number, atMs: number) => void): () => void;
}

/** Open streaming connections, shared by the trading stream, the data streams, stats and fault injection. */
export interface StreamRegistry {
  /** Register an open connection; returns a function to call when it closes. */
  open(keyId: string, feed: string, socket: WebSocket): () => void;
  /** Open connections of a key on a feed (`iex`, `sip`, `test`, `trading`). */
  count(keyId: string, feed: string): number;
  /** Close every open connection once (the `streamDrop` fault). */
  dropAll(): void;
}
