/**
 * An account's upstream trading stream is wanted while a client listens, or always
 * when the instance records trade updates; the coordinator hears only changes.
 */
import { describe, expect, it } from "vitest";
import { createTradingDemand } from "../../../src/streams/trade-recorder.js";
import { fakeFleet } from "./harness.js";

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
