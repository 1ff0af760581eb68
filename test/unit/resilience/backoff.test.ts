import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "../../../src/resilience/backoff.js";

describe("backoffDelay", () => {
  it("stays within [0, min(maxMs, baseMs * 2^attempt)) for any attempt and random value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, extra, r) => {
          const maxMs = baseMs + extra;
          const d = backoffDelay(attempt, { baseMs, maxMs, random: () => r });
          const cap = Math.min(maxMs, baseMs * 2 ** attempt);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(Math.max(cap, 1));
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });

  it("grows exponentially until the cap (random fixed near 1)", () => {
    const o = { baseMs: 100, maxMs: 1000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, o))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it("is fully jittered: random 0 gives 0", () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000, random: () => 0 })).toBe(0);
  });

  it("refuses nonsense options, naming the field", () => {
    expect(() => backoffDelay(-1, { baseMs: 1, maxMs: 2 })).toThrow(/attempt/);
    expect(() => backoffDelay(0, { baseMs: 0, maxMs: 2 })).toThrow(/baseMs/);
    expect(() => backoffDelay(0, { baseMs: 5, maxMs: 2 })).toThrow(/maxMs/);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-03-02T15:00:00Z");

  it("reads Retry-After seconds", () => {
    expect(retryAfterMs({ "retry-after": "3" }, now)).toBe(3000);
    expect(retryAfterMs({ "Retry-After": ["1.5"] }, now)).toBe(1500);
  });

  it("reads Retry-After as an HTTP date, never negative", () => {
    expect(retryAfterMs({ "retry-after": "Mon, 02 Mar 2026 15:00:07 GMT" }, now)).toBe(7000);
    expect(retryAfterMs({ "retry-after": "Mon, 02 Mar 2026 14:00:00 GMT" }, now)).toBe(0);
  });

  it("falls back to X-RateLimit-Reset (Unix seconds)", () => {
    expect(retryAfterMs({ "x-ratelimit-reset": String(now / 1000 + 12) }, now)).toBe(12_000);
    expect(retryAfterMs({ "x-ratelimit-reset": String(now / 1000 - 5) }, now)).toBe(0);
  });

  it("prefers Retry-After over X-RateLimit-Reset, and ignores garbage", () => {
    expect(retryAfterMs({ "retry-after": "2", "x-ratelimit-reset": String(now / 1000 + 30) }, now)).toBe(
      2000,
    );
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({ "x-ratelimit-reset": "-3" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});
