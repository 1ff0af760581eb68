/**
 * The account fleet as the rest of the gateway sees it. Routes, market data and
 * streams depend on these interfaces only; src/accounts implements them.
 */
import type { AccountConfig } from "../config/schema.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Scheduling class of an upstream request: order mutations first, then reads, then bulk fan-out. */
export type Priority = "order" | "read" | "bulk";

/** Which Alpaca service a request goes to. */
export type UpstreamKind = "trading" | "data";

export interface UpstreamRequest {
  readonly method: HttpMethod;
  /** Path and query as Alpaca expects them, e.g. `/v2/orders?status=open`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly priority: Priority;
  readonly kind: UpstreamKind;
  /** Safe to repeat (reads, cancels). Order submissions are never retried blindly. */
  readonly idempotent: boolean;
  readonly signal?: AbortSignal;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export type BreakerState = "closed" | "open" | "half_open";

export interface BudgetSnapshot {
  /** Requests per minute allowed (0 = unlimited). */
  readonly limit: number;
  readonly remaining: number;
  /** Epoch ms when the window resets. */
  readonly resetAt: number;
  readonly queued: number;
}

export interface AccountStatus {
  readonly budget: BudgetSnapshot;
  readonly breaker: BreakerState;
  readonly halted: boolean;
  readonly lastError?: { readonly at: string; readonly status?: number; readonly message: string };
}

export interface AccountCredentials {
  readonly keyId: string;
  readonly secretKey: string;
}

export interface Account {
  readonly id: string;
  readonly mode: "paper" | "live";
  readonly tags: readonly string[];
  readonly feed: "iex" | "sip";
  readonly limits: AccountConfig["limits"];
  /** Trading REST base URL (paper or live) and trading stream URL of this account. */
  readonly tradingUrl: string;
  readonly streamUrl: string;
  /** Sends through this account's budget, breaker and connection pool, with its credentials. */
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
  status(): AccountStatus;
  /** The account's Alpaca keys: only for authenticating upstream streams; never log them. */
  credentials(): AccountCredentials;
}

export interface Fleet {
  get(id: string): Account | undefined;
  list(): readonly Account[];
  /** Accounts whose credentials may serve market data (marketData.accounts, or all). */
  dataAccounts(): readonly Account[];
  /** Called after a reload changed the fleet (streams re-key their upstream sessions). */
  onChange(listener: (change: { added: string[]; removed: string[]; rekeyed: string[] }) => void): () => void;
}
