/**
 * The account fleet as the rest of the gateway sees it. Routes, market data and
 * streams depend on these interfaces only; src/accounts implements them.
 */
import type { AccountConfig } from "../config/schema.js";
import type { BreakerState } from "../resilience/breaker.js";
import type { BudgetSnapshot } from "../resilience/budget.js";
import type { AccountCredentials, UpstreamRequest, UpstreamResponse } from "../upstream/types.js";

export type { BreakerState } from "../resilience/breaker.js";
export type { BudgetSnapshot } from "../resilience/budget.js";
export type {
  AccountCredentials,
  HttpMethod,
  Priority,
  UpstreamKind,
  UpstreamRequest,
  UpstreamResponse,
} from "../upstream/types.js";

export interface AccountStatus {
  readonly budget: BudgetSnapshot;
  readonly breaker: BreakerState;
  readonly halted: boolean;
  readonly lastError?: { readonly at: string; readonly status?: number; readonly message: string };
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
