/**
 * An error the simulator answers with, in Alpaca's envelope `{code, message}`. Simulator-local on
 * purpose: these are Alpaca's errors as the simulator models them, not Paddock's own (src/errors.ts).
 */
export class SimApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly extra: Readonly<Record<string, unknown>> | undefined;

  constructor(status: number, code: number, message: string, extra?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = "SimApiError";
    this.status = status;
    this.code = code;
    this.extra = extra;
  }

  toBody(): Record<string, unknown> {
    return { ...this.extra, code: this.code, message: this.message };
  }
}

/** Alpaca's error codes as the simulator uses them. */
export const ALPACA_CODES = {
  malformed: 40010001,
  unauthorized: 40110000,
  forbidden: 40310000,
  pdt: 40310100,
  notFound: 40410000,
  unprocessable: 42210000,
  rateLimited: 42910000,
  internal: 50010000,
} as const;

export const unprocessable = (message: string): SimApiError =>
  new SimApiError(422, ALPACA_CODES.unprocessable, message);
export const badRequest = (message: string): SimApiError =>
  new SimApiError(400, ALPACA_CODES.malformed, message);
export const notFound = (message: string): SimApiError =>
  new SimApiError(404, ALPACA_CODES.notFound, message);
export const forbidden = (message: string, extra?: Readonly<Record<string, unknown>>): SimApiError =>
  new SimApiError(403, ALPACA_CODES.forbidden, message, extra);
