/** Upstream connection attempts are spaced: at most `perSecond` start per second, in order. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createConnectPacer } from "../../../src/streams/connect-pacer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("connect pacer", () => {
  it("starts the first at once and the rest one spacing apart, first come first served", () => {
    const pacer = createConnectPacer(10, () => Date.now());
    const started: Array<[number, number]> = [];
    const t0 = Date.now();
    for (let i = 0; i < 25; i++) pacer.schedule(() => started.push([i, Date.now() - t0]));
    expect(started).toEqual([[0, 0]]);
    vi.advanceTimersByTime(1000);
    expect(started.map(([i]) => i)).toEqual([...Array(11).keys()]);
    vi.advanceTimersByTime(1500);
    expect(started).toHaveLength(25);
    for (let i = 1; i < started.length; i++)
      expect(started[i]![1] - started[i - 1]![1]).toBeGreaterThanOrEqual(100);
    expect(pacer.waiting()).toBe(0);
  });

  it("a withdrawn attempt never starts and does not use a turn", () => {
    const pacer = createConnectPacer(10, () => Date.now());
    const started: string[] = [];
    pacer.schedule(() => started.push("a"));
    const cancelB = pacer.schedule(() => started.push("b"));
    pacer.schedule(() => started.push("c"));
    cancelB();
    vi.advanceTimersByTime(100);
    expect(started).toEqual(["a", "c"]);
    pacer.schedule(() => started.push("d"));
    pacer.close();
    vi.advanceTimersByTime(1000);
    expect(started).toEqual(["a", "c"]);
  });
});
