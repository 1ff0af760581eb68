import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BreakerState } from "../../../src/accounts/types.js";
import { isPaddockError } from "../../../src/errors.js";
import { type Breaker, createBreaker } from "../../../src/resilience/breaker.js";

type Outcome = "ok" | "fail" | "client";

const clock = () => {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms: number): void => {
      t += ms;
    },
  };
};

/** 5xx-like failures count, 4xx-like client errors are ignored, like the fleet's classifier. */
const classify = (o: { result?: Outcome; error?: unknown }) =>
  o.error !== undefined ? "failure" : o.result === "client" ? "ignore" : "success";

const run = (b: Breaker, outcome: Outcome, opts?: { bypass?: boolean }) =>
  b.execute(
    async () => {
      if (outcome === "fail") throw new Error("upstream 503");
      return outcome;
    },
    classify,
    opts,
  );

const make = (c = clock(), transitions: [BreakerState, BreakerState][] = []) => ({
  c,
  transitions,
  b: createBreaker({
    name: "account:test",
    failureRatio: 0.5,
    minimumRequests: 10,
    windowMs: 30_000,
    halfOpenAfterMs: 5000,
    now: c.now,
    onStateChange: (from, to) => void transitions.push([from, to]),
  }),
});

describe("breaker", () => {
  it("opens when more than half of at least 10 requests fail, and answers 503 at once", async () => {
    const { b, c, transitions } = make();
    for (let i = 0; i < 5; i++) await run(b, "ok");
    for (let i = 0; i < 5; i++) await run(b, "fail").catch(() => undefined);
    expect(b.state()).toBe("closed"); // 5/10 is not more than 50%
    await run(b, "fail").catch(() => undefined);
    expect(b.state()).toBe("open");
    expect(transitions).toEqual([["closed", "open"]]);
    let called = false;
    const err = await b
      .execute(async () => {
        called = true;
        return "ok" as Outcome;
      }, classify)
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(isPaddockError(err, "PADDOCK_BREAKER_OPEN")).toBe(true);
    expect((err as { retryAfterSeconds: number }).retryAfterSeconds).toBe(5);
    c.advance(2000);
    expect(b.retryAfterMs()).toBe(3000);
  });

  it("does not count client errors (4xx)", async () => {
    const { b } = make();
    for (let i = 0; i < 50; i++) await run(b, "client");
    for (let i = 0; i < 4; i++) await run(b, "fail").catch(() => undefined);
    expect(b.state()).toBe("closed"); // 4 counted outcomes < minimum volume
    expect(b.stats()).toEqual({ successes: 0, failures: 4 });
  });

  it("forgets failures older than the window", async () => {
    const { b, c } = make();
    for (let i = 0; i < 9; i++) await run(b, "fail").catch(() => undefined);
    c.advance(31_000);
    await run(b, "fail").catch(() => undefined);
    expect(b.state()).toBe("closed");
    expect(b.stats().failures).toBe(1);
  });

  it("half-opens after halfOpenAfterMs, admits one probe, closes on its success", async () => {
    const { b, c, transitions } = make();
    for (let i = 0; i < 10; i++) await run(b, "fail").catch(() => undefined);
    c.advance(5000);
    expect(b.state()).toBe("half_open");
    let release!: () => void;
    const probe = b.execute(
      () =>
        new Promise<Outcome>((r) => {
          release = () => r("ok");
        }),
      classify,
    );
    // a second request while the probe is out is refused
    await expect(run(b, "ok")).rejects.toMatchObject({ code: "PADDOCK_BREAKER_OPEN" });
    release();
    await probe;
    expect(b.state()).toBe("closed");
    expect(transitions).toEqual([
      ["closed", "open"],
      ["open", "half_open"],
      ["half_open", "closed"],
    ]);
    expect(b.stats()).toEqual({ successes: 0, failures: 0 }); // a fresh window after recovery
  });

  it("a probe that never answers does not keep the breaker stuck", async () => {
    const { b, c } = make();
    for (let i = 0; i < 10; i++) await run(b, "fail").catch(() => undefined);
    c.advance(5000);
    void b.execute(() => new Promise<Outcome>(() => undefined), classify); // hangs forever
    await expect(run(b, "ok")).rejects.toMatchObject({ code: "PADDOCK_BREAKER_OPEN" });
    c.advance(60_000);
    await run(b, "ok");
    expect(b.state()).toBe("closed");
  });

  it("re-opens on a failed probe", async () => {
    const { b, c, transitions } = make();
    for (let i = 0; i < 10; i++) await run(b, "fail").catch(() => undefined);
    c.advance(5000);
    await run(b, "fail").catch(() => undefined);
    expect(b.state()).toBe("open");
    expect(b.retryAfterMs()).toBe(5000);
    expect(transitions.map(([, to]) => to)).toEqual(["open", "half_open", "open"]);
  });

  it("an ignored probe outcome leaves it half-open for the next probe", async () => {
    const { b, c } = make();
    for (let i = 0; i < 10; i++) await run(b, "fail").catch(() => undefined);
    c.advance(5000);
    await run(b, "client");
    expect(b.state()).toBe("half_open");
    await run(b, "ok");
    expect(b.state()).toBe("closed");
  });

  it("bypass runs while open (cancels) and is recorded, without closing it", async () => {
    const { b } = make();
    for (let i = 0; i < 10; i++) await run(b, "fail").catch(() => undefined);
    expect(await run(b, "ok", { bypass: true })).toBe("ok");
    expect(b.state()).toBe("open");
    expect(b.stats().successes).toBe(1);
  });

  it("validates its options, naming the field", () => {
    const base = { name: "x", failureRatio: 0.5, minimumRequests: 1, windowMs: 1000, halfOpenAfterMs: 100 };
    expect(() => createBreaker({ ...base, failureRatio: 0 })).toThrow(/failureRatio/);
    expect(() => createBreaker({ ...base, windowMs: 0 })).toThrow(/windowMs/);
    expect(() => createBreaker({ ...base, minimumRequests: 0 })).toThrow(/minimumRequests/);
  });

  it("property: never opens below the minimum volume or at a failure share <= ratio; never calls fn while open", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            outcome: fc.constantFrom<Outcome>("ok", "fail", "client"),
            gap: fc.integer({ min: 0, max: 4000 }),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        async (events) => {
          const c = clock();
          const transitions: [BreakerState, BreakerState][] = [];
          const b = createBreaker({
            name: "p",
            failureRatio: 0.5,
            minimumRequests: 10,
            windowMs: 30_000,
            halfOpenAfterMs: 5000,
            now: c.now,
            onStateChange: (from, to) => void transitions.push([from, to]),
          });
          // reference log of counted outcomes since the breaker last closed
          let log: { at: number; fail: boolean }[] = [];
          for (const e of events) {
            c.advance(e.gap);
            const before = b.state();
            let called = false;
            await b
              .execute(async () => {
                called = true;
                if (e.outcome === "fail") throw new Error("x");
                return e.outcome;
              }, classify)
              .catch(() => undefined);
            if (before === "open") expect(called).toBe(false);
            if (before === "closed" && e.outcome !== "client")
              log.push({ at: c.now(), fail: e.outcome === "fail" });
            const after = b.state();
            if (before === "closed" && after === "open") {
              // the bucketed window may only keep fewer old events than the exact one, never more
              const recent = log.filter((x) => x.at > c.now() - 30_000 - 3000);
              expect(recent.length).toBeGreaterThanOrEqual(10);
              expect(recent.filter((x) => x.fail).length).toBeGreaterThan(0);
              const st = b.stats();
              expect(st.successes + st.failures).toBeGreaterThanOrEqual(10);
              expect(st.failures / (st.successes + st.failures)).toBeGreaterThan(0.5);
              expect(e.outcome).toBe("fail"); // only a failure can open a closed breaker
            }
            if (after === "closed" && before !== "closed") log = [];
          }
          // each transition is reported once and chains from the previous state
          let s: BreakerState = "closed";
          for (const [from, to] of transitions) {
            expect(from).toBe(s);
            expect(to).not.toBe(from);
            s = to;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: all failures at or above the minimum volume always open it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 40 }),
        async (min, extra) => {
          const c = clock();
          const b = createBreaker({
            name: "p",
            failureRatio: 0.5,
            minimumRequests: min,
            windowMs: 10_000,
            halfOpenAfterMs: 1000,
            now: c.now,
          });
          for (let i = 0; i < min + extra; i++) await run(b, "fail").catch(() => undefined);
          expect(b.state()).toBe("open");
        },
      ),
    );
  });
});
