/** Shared option builders and a settable clock for the auth tests. */
import { expect } from "vitest";
import type { AuthOptions } from "../../../src/auth/index.js";
import { type ErrorCode, isPaddockError, type PaddockError } from "../../../src/errors.js";

export function authOptions(overrides: Partial<AuthOptions> = {}): AuthOptions {
  return {
    algorithms: ["RS256"],
    clockSkewSeconds: 30,
    maxLifetimeSeconds: 86_400,
    maxTokenBytes: 8192,
    publicKeyFiles: [],
    jwksRefreshSeconds: 600,
    cacheMaxEntries: 10_000,
    ...overrides,
  };
}

/** A clock the test moves by hand (epoch ms). */
export function manualClock(startMs = Date.UTC(2026, 0, 5, 15, 0, 0)) {
  let t = startMs;
  return {
    now: () => t,
    seconds: () => Math.floor(t / 1000),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** Awaits a rejection and checks it is a PaddockError with this code; returns it for more checks. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<PaddockError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  if (!isPaddockError(caught)) throw caught;
  expect(caught.code, caught.message).toBe(code);
  return caught;
}
