import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { createHostBreaker } from "../../../src/resilience/host-breaker.js";
import { createFakeClock } from "../../helpers/fake-clock.js";

const setup = (o: { share?: number; minimum?: number } = {}) => {
  const clock = createFakeClock();
  const transitions: string[] = [];
  const host = createHostBreaker({
    name: "host:test",
    accountShare: o.share ?? 0.5,
    minimumAccounts: o.minimum ?? 3,
    windowMs: 30_000,
    halfOpenAfterMs: 5000,
    now: clock.now,
    onStateChange: (from, to) => transitions.push(`${from}->${to}`),
  });
  const active = (...ids: string[]) => {
    for (const id of ids) host.record(id, "success", false);
  };
  return { clock, host, transitions, active };
};

describe("host breaker: opens on a share of distinct accounts, not a count of requests", () => {
  it("one failing account among many never opens it", () => {
    const { host, active } = setup();
    active("a", "b", "c", "d");
    host.accountState("a", "open");
    for (let i = 0; i < 1000; i++) host.record("a", "failure", false);
    expect(host.state()).toBe("closed");
    expect(host.admit(false)).toBe(false);
  });

  it("opens when at least minimumAccounts and the share of active accounts fail together", () => {
    const { host, active, transitions } = setup({ share: 0.5, minimum: 3 });
    active("a", "b", "c", "d", "e", "f");
    host.accountState("a", "open");
    host.accountState("b", "open");
    expect(host.state()).toBe("closed"); // 2 < minimum
    host.accountState("c", "open");
    expect(host.counts()).toEqual({ failing: 3, active: 6 });
    expect(host.state()).toBe("open");
    expect(transitions).toEqual(["closed->open"]);
    let err: unknown;
    try {
      host.admit(false);
    } catch (e) {
      err = e;
    }
    expect(isPaddockError(err, "PADDOCK_BREAKER_OPEN")).toBe(true);
    expect(host.admit(true)).toBe(false); // cancels bypass
  });

  it("stays closed when failing accounts are under the share", () => {
    const { host, active } = setup({ share: 0.5, minimum: 2 });
    active("a", "b", "c", "d", "e");
    host.accountState("a", "open");
    host.accountState("b", "open");
    expect(host.state()).toBe("closed"); // 2 of 5 < 50 %
  });

  it("accounts that went quiet leave the denominator; a recovered account leaves the numerator", async () => {
    const { clock, host, active } = setup({ share: 0.5, minimum: 2 });
    active("a", "b", "c", "d");
    host.accountState("a", "open");
    host.accountState("a", "closed");
    await clock.advance(31_000); // c, d quiet: only failing ones count now
    active("b");
    host.accountState("e", "open");
    expect(host.counts()).toEqual({ failing: 1, active: 2 });
    host.accountState("f", "open");
    expect(host.state()).toBe("open");
  });

  it("half-opens after halfOpenAfterMs, admits one probe, closes on its success", async () => {
    const { clock, host, active, transitions } = setup({ minimum: 1, share: 1 });
    active("a");
    host.accountState("a", "open");
    expect(host.state()).toBe("open");
    await clock.advance(5000);
    expect(host.state()).toBe("half_open");
    expect(host.admit(false)).toBe(true);
    expect(() => host.admit(false)).toThrow();
    host.record("a", "ignore", true); // a probe that decides nothing frees the slot
    expect(host.admit(false)).toBe(true);
    host.record("a", "failure", true);
    expect(host.state()).toBe("open");
    await clock.advance(5000);
    expect(host.admit(false)).toBe(true);
    host.record("a", "success", true);
    expect(host.state()).toBe("closed");
    expect(transitions).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->open",
      "open->half_open",
      "half_open->closed",
    ]);
  });

  it("checks its options", () => {
    const mk = (accountShare: number, minimumAccounts: number) => () =>
      createHostBreaker({ name: "h", accountShare, minimumAccounts, windowMs: 1, halfOpenAfterMs: 1 });
    expect(mk(0, 1)).toThrow(/accountShare/);
    expect(mk(0.5, 0)).toThrow(/minimumAccounts/);
  });
});
