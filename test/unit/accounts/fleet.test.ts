/**
 * The fleet's per-account chain (retry → breakers → budget → metrics → transport) with a
 * fake clock and a fake transport: what is sent, when, and what each account answers.
 */
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { createFleet } from "../../../src/accounts/fleet.js";
import type { UpstreamRequest, UpstreamResponse } from "../../../src/accounts/types.js";
import { type Config, ConfigSchema } from "../../../src/config/schema.js";
import { isPaddockError } from "../../../src/errors.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { createBudgetFactory } from "../../../src/resilience/budget.js";
import { createMemorySlotStore } from "../../../src/resilience/slot-store.js";
import type { Transport } from "../../../src/upstream/client.js";
import { createFakeClock } from "../../helpers/fake-clock.js";

interface Sent {
  readonly account: string;
  readonly origin: string;
  readonly req: UpstreamRequest;
}

type Answer = (s: Sent) => Partial<UpstreamResponse> | Promise<Partial<UpstreamResponse>>;

const setup = (o: { accounts?: number; upstream?: Record<string, unknown>; answer?: Answer } = {}) => {
  const clock = createFakeClock();
  const raw = {
    upstream: { maxRetries: 0, ...o.upstream },
    accounts: Array.from({ length: o.accounts ?? 3 }, (_, i) => ({
      id: `acct-${i + 1}`,
      keyId: `key-${i + 1}`,
      secretKey: `secret-${i + 1}`,
    })),
  };
  const config = Value.Default(ConfigSchema, raw) as Config;
  const sent: Sent[] = [];
  let answer: Answer = o.answer ?? (() => ({ status: 200 }));
  const transport: Transport = {
    forAccount: () => ({
      async send(origin, req, credentials) {
        const s = { account: credentials.keyId.replace("key", "acct"), origin, req };
        sent.push(s);
        const a = await answer(s);
        return { status: a.status ?? 200, headers: a.headers ?? {}, body: a.body ?? Buffer.from("{}") };
      },
      preconnect: async () => undefined,
      close: async () => undefined,
    }),
    close: async () => undefined,
  };
  const budgets = createBudgetFactory({ store: createMemorySlotStore({ clock }), clock });
  const fleet = createFleet(config, {
    transport,
    budgets,
    logger: createLogger({ level: "silent" }),
    metrics: createMetrics({ defaultMetrics: false }),
    now: clock.now,
  });
  const read = (id: string, extra: Partial<UpstreamRequest> = {}) =>
    fleet.get(id)!.request({
      method: "GET",
      path: "/v2/account",
      kind: "trading",
      priority: "read",
      idempotent: true,
      ...extra,
    });
  const outcome = (p: Promise<UpstreamResponse>) =>
    p.then(
      (r) => String(r.status),
      (e: unknown) => (isPaddockError(e) ? e.code : String(e)),
    );
  return {
    clock,
    fleet,
    sent,
    read,
    outcome,
    setAnswer: (a: Answer) => {
      answer = a;
    },
  };
};

describe("fleet: the budget is Alpaca's", () => {
  it("200 concurrent reads on an idle account are all sent at once; the 201st is refused by the gateway", async () => {
    const { read, outcome, sent, clock, fleet } = setup();
    const first = await Promise.all(Array.from({ length: 200 }, () => outcome(read("acct-1"))));
    expect(first.every((s) => s === "200")).toBe(true);
    expect(sent).toHaveLength(200);
    expect(await outcome(read("acct-1"))).toBe("PADDOCK_RATE_LIMITED");
    expect(sent).toHaveLength(200);
    // a neighbour's budget is its own
    expect(await outcome(read("acct-2"))).toBe("200");
    await clock.advance(60_000);
    expect(await outcome(read("acct-1"))).toBe("200");
    expect(fleet.get("acct-1")!.status().budget).toMatchObject({ limit: 200, remaining: 199 });
  });

  it("a 429 from Alpaca holds the account's queue for its Retry-After and never opens a breaker", async () => {
    const { read, outcome, sent, clock, fleet, setAnswer } = setup({ upstream: { queueMaxWaitMs: 10_000 } });
    setAnswer(() => ({ status: 429, headers: { "retry-after": "3" } }));
    for (let i = 0; i < 12; i++) {
      const p = outcome(read("acct-1"));
      await clock.advance(i === 0 ? 0 : 2999);
      if (i > 0) expect(sent).toHaveLength(i); // held for Alpaca's Retry-After
      await clock.advance(i === 0 ? 0 : 1);
      expect(await p).toBe("429");
    }
    expect(fleet.get("acct-1")!.status().breaker).toBe("closed");
    setAnswer(() => ({ status: 200 }));
    const waiting = outcome(read("acct-1"));
    await clock.advance(3000);
    expect(await waiting).toBe("200");
  });

  it("follows X-RateLimit-Remaining: when Alpaca says 0 are left, the next request waits for its reset", async () => {
    const { read, outcome, sent, clock, setAnswer } = setup({ upstream: { queueMaxWaitMs: 10_000 } });
    const reset = String(Math.floor(clock.now() / 1000) + 5);
    setAnswer(() => ({ status: 200, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset } }));
    expect(await outcome(read("acct-1"))).toBe("200");
    setAnswer(() => ({ status: 200 }));
    const next = outcome(read("acct-1"));
    await clock.advance(4000);
    expect(sent).toHaveLength(1);
    await clock.advance(1000);
    expect(await next).toBe("200");
  });
});

describe("fleet: breakers isolate accounts", () => {
  it("failures on one account leave its neighbours' answers unchanged", async () => {
    const { read, outcome, fleet, setAnswer } = setup({ accounts: 3 });
    setAnswer((s) => ({ status: s.account === "acct-1" ? 500 : 200 }));
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) seen.push(await outcome(read("acct-1")));
    expect(seen).toContain("PADDOCK_BREAKER_OPEN");
    expect(fleet.get("acct-1")!.status().breaker).toBe("open");
    for (const id of ["acct-2", "acct-3"]) {
      for (let i = 0; i < 20; i++) expect(await outcome(read(id))).toBe("200");
      expect(fleet.get(id)!.status().breaker).toBe("closed");
    }
  });

  it("the host breaker opens when a share of distinct accounts fail together, and recovers", async () => {
    const { read, outcome, fleet, setAnswer, clock } = setup({ accounts: 4 });
    let down = true;
    setAnswer((s) => ({ status: down && s.account !== "acct-4" ? 503 : 200 }));
    for (const id of ["acct-1", "acct-2", "acct-3"]) {
      for (let i = 0; i < 10; i++) await outcome(read(id));
    }
    // 3 of 4 accounts failing: the host is down for everyone, even the healthy one
    expect(await outcome(read("acct-4"))).toBe("PADDOCK_BREAKER_OPEN");
    expect(fleet.get("acct-4")!.status().breaker).toBe("open");
    down = false;
    await clock.advance(5000);
    expect(await outcome(read("acct-4"))).toBe("200"); // the probe closes the host
    expect(fleet.get("acct-4")!.status().breaker).toBe("closed");
  });

  it("a cancel goes through an open breaker", async () => {
    const { read, outcome, fleet, setAnswer, sent } = setup();
    setAnswer(() => ({ status: 500 }));
    for (let i = 0; i < 10; i++) await outcome(read("acct-1"));
    expect(fleet.get("acct-1")!.status().breaker).toBe("open");
    const before = sent.length;
    const cancel = fleet.get("acct-1")!.request({
      method: "DELETE",
      path: "/v2/orders/x",
      kind: "trading",
      priority: "order",
      idempotent: true,
    });
    expect(await outcome(cancel)).toBe("500");
    expect(sent.length).toBe(before + 1);
  });

  it("trading and data have their own breakers: a failing data host leaves trading alone", async () => {
    const { read, outcome, fleet, setAnswer } = setup();
    setAnswer((s) => ({ status: s.req.kind === "data" ? 500 : 200 }));
    for (let i = 0; i < 15; i++) await outcome(read("acct-1", { kind: "data", path: "/v2/stocks/bars" }));
    expect(await outcome(read("acct-1", { kind: "data", path: "/v2/stocks/bars" }))).toBe(
      "PADDOCK_BREAKER_OPEN",
    );
    expect(await outcome(read("acct-1"))).toBe("200");
    expect(fleet.get("acct-1")!.status().breaker).toBe("closed");
  });
});

describe("fleet: abandoned requests", () => {
  it("a queued read whose client went away is never sent and spends no budget", async () => {
    const { read, outcome, sent, clock, fleet } = setup({
      upstream: { rateLimitPerMinute: 2, queueMaxWaitMs: 120_000 },
    });
    expect(await outcome(read("acct-1"))).toBe("200");
    expect(await outcome(read("acct-1"))).toBe("200");
    const ac = new AbortController();
    const gone = outcome(read("acct-1", { signal: ac.signal }));
    const kept = outcome(read("acct-1"));
    await clock.flush();
    expect(fleet.get("acct-1")!.status().budget.queued).toBe(2);
    ac.abort(new Error("client went away"));
    expect(await gone).toMatch(/client went away/);
    await clock.advance(60_000);
    expect(await kept).toBe("200");
    expect(sent).toHaveLength(3);
    expect(sent.every((s) => s.req.signal !== ac.signal)).toBe(true);
    // the abandoned read's slot is still there
    expect(fleet.get("acct-1")!.status().budget.remaining).toBe(1);
  });

  it("an already aborted read is refused without being sent", async () => {
    const { read, outcome, sent } = setup();
    const ac = new AbortController();
    ac.abort(new Error("gone"));
    expect(await outcome(read("acct-1", { signal: ac.signal }))).toMatch(/gone/);
    expect(sent).toHaveLength(0);
  });
});

describe("fleet: reload", () => {
  it("removes, adds and re-keys accounts", async () => {
    const { fleet } = setup({ accounts: 2 });
    const next = Value.Default(ConfigSchema, {
      accounts: [
        { id: "acct-2", keyId: "key-2b", secretKey: "s" },
        { id: "acct-9", keyId: "key-9", secretKey: "s" },
      ],
    }) as Config;
    expect(await fleet.reconfigure(next)).toEqual({
      added: ["acct-9"],
      removed: ["acct-1"],
      rekeyed: ["acct-2"],
    });
    expect(fleet.list().map((a) => a.id)).toEqual(["acct-2", "acct-9"]);
    await fleet.close();
  });
});
