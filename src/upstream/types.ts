/**
 * What the transport sends and answers, and the interceptor shape the per-account
 * chain is built from (after undici's `Dispatcher.compose`: each interceptor wraps the
 * send below it; composed once per account, not per request).
 */
import type { Priority } from "../resilience/wait-queue.js";

export type { Priority } from "../resilience/wait-queue.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

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
  /** Aborted when the client went away: dropped while queued, never sent. */
  readonly signal?: AbortSignal;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface AccountCredentials {
  readonly keyId: string;
  readonly secretKey: string;
}

/** One upstream exchange of an account. */
export type Send = (req: UpstreamRequest) => Promise<UpstreamResponse>;

/** Cross-cutting behaviour around a send (budget, breaker, retry, metrics). */
export type Interceptor = (next: Send) => Send;

/** `compose(send, a, b, c)` = a(b(c(send))): the first interceptor is the outermost. */
export const compose = (send: Send, ...interceptors: readonly Interceptor[]): Send =>
  interceptors.reduceRight<Send>((next, wrap) => wrap(next), send);
