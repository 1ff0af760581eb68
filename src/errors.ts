/**
 * One error class for everything Paddock originates, with a closed set of codes.
 * Each code fixes the HTTP status, the Alpaca-style numeric code the SDKs parse,
 * whether a retry may help, and the public message template. The internal cause
 * (kept for logs) never reaches a client.
 */

export const ERROR_CODES = {
  // configuration and CLI (never HTTP-visible, status used only for exit semantics)
  PADDOCK_CONFIG_INVALID: {
    status: 500,
    alpaca: 50010000,
    retryable: false,
    message: "invalid configuration",
  },
  PADDOCK_CONFIG_IO: { status: 500, alpaca: 50010000, retryable: false, message: "configuration file error" },
  PADDOCK_SECRET_DECRYPT: {
    status: 500,
    alpaca: 50010000,
    retryable: false,
    message: "secret cannot be decrypted",
  },
  PADDOCK_SECRET_PLAINTEXT: {
    status: 500,
    alpaca: 50010000,
    retryable: false,
    message: "plaintext secret refused",
  },
  PADDOCK_MASTER_KEY: { status: 500, alpaca: 50010000, retryable: false, message: "master key unavailable" },
  PADDOCK_USAGE: { status: 400, alpaca: 40010001, retryable: false, message: "invalid usage" },
  // authentication and authorization
  PADDOCK_AUTH_MISSING: {
    status: 401,
    alpaca: 40110000,
    retryable: false,
    message: "authorization required",
  },
  PADDOCK_AUTH_INVALID: { status: 401, alpaca: 40110000, retryable: false, message: "invalid token" },
  PADDOCK_AUTH_EXPIRED: { status: 401, alpaca: 40110000, retryable: false, message: "token expired" },
  PADDOCK_AUTH_TOO_LARGE: { status: 431, alpaca: 43110000, retryable: false, message: "token too large" },
  PADDOCK_AUTH_SCOPE: { status: 403, alpaca: 40310000, retryable: false, message: "scope not granted" },
  PADDOCK_AUTH_ACCOUNT: { status: 403, alpaca: 40310000, retryable: false, message: "account not allowed" },
  // request validation and routing
  PADDOCK_REQUEST_INVALID: { status: 422, alpaca: 42210000, retryable: false, message: "invalid request" },
  PADDOCK_REQUEST_MALFORMED: {
    status: 400,
    alpaca: 40010001,
    retryable: false,
    message: "malformed request",
  },
  PADDOCK_REQUEST_TOO_LARGE: {
    status: 413,
    alpaca: 41310000,
    retryable: false,
    message: "request body too large",
  },
  PADDOCK_REQUEST_TARGET: {
    status: 400,
    alpaca: 40010001,
    retryable: false,
    message: "request target is not canonical",
  },
  PADDOCK_DATA_PARAM_INVALID: {
    status: 400,
    alpaca: 40010001,
    retryable: false,
    message: "invalid market-data parameter",
  },
  PADDOCK_ID_INVALID: { status: 422, alpaca: 40010001, retryable: false, message: "invalid id" },
  PADDOCK_CLIENT_ORDER_ID_DUPLICATE: {
    status: 422,
    alpaca: 40010001,
    retryable: false,
    message: "client_order_id must be unique",
  },
  PADDOCK_NOT_FOUND: { status: 404, alpaca: 40410000, retryable: false, message: "not found" },
  PADDOCK_ACCOUNT_UNKNOWN: { status: 404, alpaca: 40410000, retryable: false, message: "unknown account" },
  PADDOCK_CONFLICT: {
    status: 409,
    alpaca: 40910000,
    retryable: false,
    message: "conflicts with the current state",
  },
  // risk and trading controls
  PADDOCK_RISK_REJECTED: {
    status: 403,
    alpaca: 40310000,
    retryable: false,
    message: "order rejected by risk check",
  },
  PADDOCK_HALTED: { status: 403, alpaca: 40310000, retryable: false, message: "trading halted" },
  // upstream protection
  PADDOCK_RATE_LIMITED: { status: 429, alpaca: 42910000, retryable: true, message: "rate limit exceeded" },
  PADDOCK_BREAKER_OPEN: { status: 503, alpaca: 50310000, retryable: true, message: "upstream circuit open" },
  PADDOCK_UPSTREAM_UNAVAILABLE: {
    status: 502,
    alpaca: 50210000,
    retryable: true,
    message: "upstream unavailable",
  },
  PADDOCK_UPSTREAM_TIMEOUT: { status: 504, alpaca: 50410000, retryable: true, message: "upstream timed out" },
  PADDOCK_ORDER_AMBIGUOUS: {
    status: 504,
    alpaca: 50410001,
    retryable: false,
    message: "order outcome unknown; look it up by client_order_id before resending",
  },
  PADDOCK_UNAVAILABLE: { status: 503, alpaca: 50310000, retryable: true, message: "service unavailable" },
  PADDOCK_SHARD_UNAVAILABLE: {
    status: 503,
    alpaca: 50310001,
    retryable: true,
    message: "shard unavailable",
  },
  PADDOCK_SHARD_MISDIRECTED: {
    status: 421,
    alpaca: 42110000,
    retryable: false,
    message: "account served by another shard",
  },
  PADDOCK_INTERNAL: { status: 500, alpaca: 50010000, retryable: false, message: "internal error" },
} as const satisfies Record<string, { status: number; alpaca: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PaddockErrorOptions {
  /** Public detail appended to the code's message; must never contain secrets. */
  readonly detail?: string;
  /** The input at fault (a request field, a configuration path); named before the detail. */
  readonly field?: string;
  /** Internal cause, logged but never sent to a client. */
  readonly cause?: unknown;
  /** Seconds a client should wait (429, 503). */
  readonly retryAfterSeconds?: number;
  /** Extra public fields for the error body (e.g. `client_order_id`). */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export class PaddockError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly alpacaCode: number;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly extra: Readonly<Record<string, string | number | boolean>> | undefined;
  /** The public detail alone, without the code's message (callers that re-label it read this). */
  readonly detail: string | undefined;
  readonly field: string | undefined;

  constructor(code: ErrorCode, options: PaddockErrorOptions = {}) {
    const def = ERROR_CODES[code];
    const said =
      options.field === undefined ? options.detail : `${options.field}: ${options.detail ?? "invalid"}`;
    super(said ? `${def.message}: ${said}` : def.message, { cause: options.cause });
    this.name = "PaddockError";
    this.code = code;
    this.status = def.status;
    this.alpacaCode = def.alpaca;
    this.retryable = def.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extra = options.extra;
    this.detail = options.detail;
    this.field = options.field;
  }

  /** Wraps anything thrown at a boundary; PaddockErrors pass through unchanged. */
  static from(err: unknown): PaddockError {
    if (err instanceof PaddockError) return err;
    return new PaddockError("PADDOCK_INTERNAL", { cause: err });
  }

  /** The body every gateway error carries: Alpaca's `{code, message}` plus `request_id`. */
  toBody(requestId?: string): Record<string, string | number | boolean> {
    return {
      ...this.extra,
      code: this.alpacaCode,
      message: this.message,
      ...(requestId === undefined ? {} : { request_id: requestId }),
    };
  }
}

export const isPaddockError = (err: unknown, code?: ErrorCode): err is PaddockError =>
  err instanceof PaddockError && (code === undefined || err.code === code);
