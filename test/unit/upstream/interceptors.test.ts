import { describe, expect, it } from "vitest";
import { PaddockError } from "../../../src/errors.js";
import { createBreaker } from "../../../src/resilience/breaker.js";
import { createBudgetFactory } from "../../../src/resilience/budget.js";
import { createHostBreaker } from "../../../src/resilience/host-breaker.js";
import { createMemorySlotStore } from "../../../src/resilience/slot-store.js";
import {
  breakerInterceptor,
  budgetInterceptor,
  classify,
  metricsInterceptor,
  retryInterceptor,
} from "../../../src/upstream/interceptors.js";
import { compose, type Interceptor, type Send, type UpstreamRequest } from "../../../src/upstream/types.js";
import { createFakeClock } from "../../helpers/fake-clock.js";

const req = (o: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: "GET",
  path: "/v2/account",
  kind: "trading",
  priority: "read",
  idempotent: true,
  ...o,
});
const answer = (status: number, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.alloc(0),
});

describe("classify: what an outcome tells a breaker", () => {
  it.each([
    [{ result: answer(200) }, "success"],
    [{ result: answer(404) }, "success"],
    [{ result: answer(429) }, "ignore"],
    [{ result: answer(500) }, "failure"],
    [{ result: answer(503) }, "failure"],
    [{ error: new PaddockError("PADDOCK_UPSTREAM_TIMEOUT") }, "failure"],
    [{ error: new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE") }, "failure"],
    [{ error: new PaddockError("PADDOCK_RATE_LIMITED") }, "ignore"],
    [{ error: new PaddockError("PADDOCK_BREAKER_OPEN") }, "ignore"],
    [{ error: new Error("ECONNRESET") }, "failure"],
  ] as const)("%o is %s", (o, verdict) => {
    expect(classify(o)).toBe(verdict);
  });

  it("a request whose client went away decides nothing", () => {
    const ac = new AbortController();
    ac.abort();
    expect(classify({ error: new Error("aborted") }, ac.signal)).toBe("ignore");
  });
});

describe("compose", () => {
  it("the first interceptor is the outermost", async () => {
    const trace: string[] = [];
    const tag =
      (name: string): Interceptor =>
      (next) =>
      async (r) => {
        trace.push(`>${name}`);
        const res = await next(r);
        trace.push(`<${name}`);
        return res;
      };
    const send = compose(async () => answer(200), tag("a"), tag("b"), tag("c"));
    await send(req());
    expect(trace).toEqual([">a", ">b", ">c", "<c", "<b", "<a"]);
  });
});

describe("interceptors", () => {
  it("retry repeats only what is idempotent, and each attempt goes through what is below it", async () => {
    let attempts = 0;
    const below: Send = async () => {
      attempts++;
      return answer(attempts < 3 ? 503 : 200);
    };
    const send = compose(
      below,
      retryInterceptor(() => ({ maxRetries: 3, baseMs: 1, maxMs: 2 })),
    );
    expect((await send(req())).status).toBe(200);
    expect(attempts).toBe(3);
    attempts = 0;
    expect((await send(req({ method: "POST", idempotent: false }))).status).toBe(503);
    expect(attempts).toBe(1);
  });

  it("breaker: an open account breaker refuses before anything below runs; a cancel bypasses it", async () => {
    const clock = createFakeClock();
    const account = createBreaker({
      name: "account:a",
      failureRatio: 0.5,
      minimumRequests: 2,
      windowMs: 10_000,
      halfOpenAfterMs: 5000,
      now: clock.now,
    });
    const host = createHostBreaker({
      name: "host:h",
      accountShare: 0.5,
      minimumAccounts: 3,
      windowMs: 10_000,
      halfOpenAfterMs: 5000,
      now: clock.now,
    });
    let sent = 0;
    const send = compose(
      async () => {
        sent++;
        return answer(500);
      },
      breakerInterceptor("a", () => ({ account, host })),
    );
    await send(req());
    await send(req());
    expect(account.state()).toBe("open");
    await expect(send(req())).rejects.toMatchObject({ code: "PADDOCK_BREAKER_OPEN" });
    expect(sent).toBe(2);
    await send(req({ method: "DELETE", priority: "order" }));
    expect(sent).toBe(3);
    expect(host.state()).toBe("closed");
  });

  it("budget: spends synchronously when free, follows Alpaca's 429, refuses an aborted request unsent", async () => {
    const clock = createFakeClock();
    const budget = createBudgetFactory({ store: createMemorySlotStore({ clock }), clock }).forAccount("a", {
      limitPerMinute: 200,
      maxWaitMs: 10_000,
      maxDepth: 10,
    });
    let status = 429;
    let sent = 0;
    const send = compose(
      async () => {
        sent++;
        return answer(status, { "retry-after": "2" });
      },
      budgetInterceptor(budget, clock.now),
    );
    expect((await send(req())).status).toBe(429);
    status = 200;
    const held = send(req());
    await clock.advance(1999);
    expect(sent).toBe(1);
    await clock.advance(1);
    expect((await held).status).toBe(200);
    const ac = new AbortController();
    ac.abort(new Error("gone"));
    await expect(send(req({ signal: ac.signal }))).rejects.toThrow("gone");
    expect(sent).toBe(2);
  });

  it("metrics: reports what went upstream and the last failure", async () => {
    const clock = createFakeClock();
    const seen: string[] = [];
    const failures: Array<number | undefined> = [];
    const observer = {
      sent: (_r: UpstreamRequest, outcome: string) => void seen.push(outcome),
      failed: (status: number | undefined) => void failures.push(status),
    };
    let next: () => Promise<ReturnType<typeof answer>> = async () => answer(200);
    const send = compose(() => next(), metricsInterceptor(observer, clock.now));
    await send(req());
    next = async () => answer(502);
    await send(req());
    next = async () => {
      throw new PaddockError("PADDOCK_UPSTREAM_TIMEOUT");
    };
    await expect(send(req())).rejects.toThrow();
    expect(seen).toEqual(["200", "502", "PADDOCK_UPSTREAM_TIMEOUT"]);
    expect(failures).toEqual([502, undefined]);
  });
});
