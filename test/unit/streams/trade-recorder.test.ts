/**
 * An account's upstream trading stream is wanted while a client listens, or always
 * when the instance records trade updates; the coordinator hears only changes.
 */
import { describe, expect, it } from "vitest";
import { createTradingDemand } from "../../../src/streams/trade-recorder.js";
import { startFakeAlpaca } from "./fake-alpaca.js";
import { fakeFleet, startHarness } from "./harness.js";
import { until } from "./ws-client.js";

type Change = { added: string[]; removed: string[]; rekeyed: string[] };

function fleetWithChanges(n: number) {
  const fleet = fakeFleet("http://127.0.0.1:9", n);
  const listeners: Array<(c: Change) => void> = [];
  return {
    fleet: {
      ...fleet,
      onChange: (l: (c: Change) => void) => {
        listeners.push(l);
        return () => void listeners.splice(0);
      },
    },
    change: (c: Partial<Change>) => {
      for (const l of listeners) l({ added: [], removed: [], rekeyed: [], ...c });
    },
  };
}

describe("trading-stream demand", () => {
  it("recording: every account wanted from the start, a client coming and going changes nothing", () => {
    const { fleet, change } = fleetWithChanges(3);
    const calls: Array<[string, boolean]> = [];
    const demand = createTradingDemand({ fleet, record: true, setWanted: (id, w) => calls.push([id, w]) });
    expect(calls).toEqual([
      ["acct-1", true],
      ["acct-2", true],
      ["acct-3", true],
    ]);
    demand.clients("acct-1", true);
    demand.clients("acct-1", false);
    expect(calls).toHaveLength(3);
    change({ added: ["acct-4"], removed: ["acct-2"] });
    expect(calls.slice(3)).toEqual([
      ["acct-2", false],
      ["acct-4", true],
    ]);
    expect(demand.recorded()).toBe(3);
    demand.close();
    change({ added: ["acct-5"] });
    expect(calls).toHaveLength(5);
  });

  it("opted out: wanted only while a client listens", () => {
    const { fleet, change } = fleetWithChanges(2);
    const calls: Array<[string, boolean]> = [];
    const demand = createTradingDemand({ fleet, record: false, setWanted: (id, w) => calls.push([id, w]) });
    change({ added: ["acct-3"] });
    expect(calls).toEqual([]);
    demand.clients("acct-2", true);
    demand.clients("acct-2", false);
    expect(calls).toEqual([
      ["acct-2", true],
      ["acct-2", false],
    ]);
    expect(demand.recorded()).toBe(0);
  });
});

describe("recording over real sockets", () => {
  it("opens every account's trading stream with no client, paced to upstreamConnectsPerSecond", async () => {
    const fake = await startFakeAlpaca();
    const gw = await startHarness({
      upstreamUrl: fake.url,
      accounts: 20,
      streams: { recordTradeUpdates: true, upstreamConnectsPerSecond: 10 },
    });
    try {
      // streams still waiting for their turn are not "down" (the health check stays up while they open)
      const opening = gw.service.stats();
      expect(opening.owned).toHaveLength(20);
      expect(opening.up.length).toBeLessThan(20);
      expect(opening.down).toEqual([]);
      await until(() => fake.stats.tradingConnects >= 1, 5000);
      const first = Date.now();
      await until(() => [...Array(20).keys()].every((i) => fake.listening(`KEY-${i + 1}`) === 1), 10_000);
      // 19 gaps of 100 ms (1.9 s); the first handshake may finish late, so allow for it. Unpaced, all
      // 20 take a few ms on an idle machine and ~300 ms on a loaded one.
      expect(Date.now() - first).toBeGreaterThanOrEqual(1200);
      expect(fake.stats.tradingConnects).toBe(20);
      expect(gw.service.stats()).toMatchObject({ clients: 0, recorded: 20 });
    } finally {
      await gw.close();
      await fake.close();
    }
  });
});
