import { describe, expect, it } from "vitest";
import type { UpstreamResponse } from "../../../src/accounts/types.js";
import { PaddockError } from "../../../src/errors.js";
import { isRetryableError, isRetryableStatus, withRetries } from "../../../src/resilience/retry.js";

const res = (status: number, headers: Record<string, string> = {}): UpstreamResponse => ({
  status,
  headers,
  body: Buffer.from("{}"),
});

/** A scripted upstream: each call takes the next step (a response or an error to throw). */
const scripted = (steps: (UpstreamResponse | Error)[]) => {
  let calls = 0;
  const fn = async (): Promise<UpstreamResponse> => {
    const step = steps[Math.min(calls++, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    return step;
  };
  return { fn, calls: () => calls };
};

const recordSleeps = () => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
};

const opts = { maxRetries: 3, baseMs: 100, maxMs: 1000, random: () => 0.5 };

describe("withRetries", () => {
  it("retries 5xx and network errors, then returns the success", async () => {
    const s = scripted([
      res(503),
      new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", { detail: "ECONNRESET" }),
      res(502),
      res(200),
    ]);
    const { sleeps, sleep } = recordSleeps();
    const out = await withRetries(s.fn, { ...opts, sleep });
    expect(out.status).toBe(200);
    expect(s.calls()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]); // 0.5 × 100·2^attempt
  });

  it("stops after 3 retries even if configured for more, returning the last answer", async () => {
    const s = scripted([res(500)]);
    const { sleep } = recordSleeps();
    const out = await withRetries(s.fn, { ...opts, maxRetries: 10, sleep });
    expect(out.status).toBe(500);
    expect(s.calls()).toBe(4);
  });

  it("throws the last network error once retries are spent", async () => {
    const err = new PaddockError("PADDOCK_UPSTREAM_TIMEOUT");
    const s = scripted([err]);
    const { sleep } = recordSleeps();
    await expect(withRetries(s.fn, { ...opts, maxRetries: 2, sleep })).rejects.toBe(err);
    expect(s.calls()).toBe(3);
  });

  it("never retries a client error or the gateway's own refusals", async () => {
    const { sleep, sleeps } = recordSleeps();
    const s422 = scripted([res(422), res(200)]);
    expect((await withRetries(s422.fn, { ...opts, sleep })).status).toBe(422);
    expect(s422.calls()).toBe(1);
    for (const code of ["PADDOCK_RATE_LIMITED", "PADDOCK_BREAKER_OPEN", "PADDOCK_UNAVAILABLE"] as const) {
      const s = scripted([new PaddockError(code), res(200)]);
      await expect(withRetries(s.fn, { ...opts, sleep })).rejects.toMatchObject({ code });
      expect(s.calls()).toBe(1);
    }
    expect(sleeps).toEqual([]);
  });

  it("honours Retry-After on 429 when it is within the cap", async () => {
    const s = scripted([res(429, { "retry-after": "2" }), res(200)]);
    const { sleeps, sleep } = recordSleeps();
    const out = await withRetries(s.fn, { ...opts, sleep, now: () => 0 });
    expect(out.status).toBe(200);
    expect(sleeps).toEqual([2000]);
  });

  it("honours X-RateLimit-Reset on 429", async () => {
    const now = 1_700_000_000_000;
    const s = scripted([res(429, { "x-ratelimit-reset": String(now / 1000 + 3) }), res(200)]);
    const { sleeps, sleep } = recordSleeps();
    await withRetries(s.fn, { ...opts, sleep, now: () => now });
    expect(sleeps).toEqual([3000]);
  });

  it("returns a 429 at once when the upstream asks for longer than the cap", async () => {
    const s = scripted([res(429, { "retry-after": "45" }), res(200)]);
    const { sleeps, sleep } = recordSleeps();
    const out = await withRetries(s.fn, { ...opts, sleep, maxRetryAfterMs: 5000 });
    expect(out.status).toBe(429);
    expect(s.calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("with maxRetries 0 makes exactly one attempt", async () => {
    const s = scripted([res(503), res(200)]);
    expect((await withRetries(s.fn, { ...opts, maxRetries: 0 })).status).toBe(503);
    expect(s.calls()).toBe(1);
  });
});

describe("retry classification", () => {
  it("isRetryableStatus", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 204, 400, 401, 403, 404, 422, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it("isRetryableError: socket codes yes, aborts and bugs no", () => {
    expect(isRetryableError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error("x"), { code: "UND_ERR_ABORTED" }))).toBe(false);
    expect(isRetryableError(new TypeError("bug"))).toBe(false);
  });
});
