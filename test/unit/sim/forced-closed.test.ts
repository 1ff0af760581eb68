/**
 * A session forced closed (`POST /_sim/clock {"open": false}`) inside regular hours is closed for
 * the market data too: the latest trade, quote and bars hold at the last session that ended and do
 * not move while simulated time passes; forced open again, they follow the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, startSim } from "../../../src/sim/index.js";

let sim: SimHandle;
const KEYS = { "APCA-API-KEY-ID": "forced-closed", "APCA-API-SECRET-KEY": "secret" };

interface Snap {
  latestTrade: { t: string; p: number };
  latestQuote: { t: string };
  minuteBar: { t: string; c: number; n: number };
  dailyBar: { t: string; v: number };
}

const clock = (body: unknown) =>
  fetch(`${sim.url}/_sim/clock`, { method: "POST", body: JSON.stringify(body) });
const snapshot = async (): Promise<Snap> => {
  const res = await fetch(`${sim.url}/v2/stocks/AAPL/snapshot`, { headers: KEYS });
  expect(res.status).toBe(200);
  return (await res.json()) as Snap;
};

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: 5, rateLimitPerMinute: 0 });
});
afterAll(() => sim.close());

describe("a session forced closed inside regular hours", () => {
  it("holds every latest value at the last session that ended, then follows the clock once opened", async () => {
    // Wednesday 25 November 2026, 10:00 New York: the regular session by the calendar
    expect((await clock({ at: "2026-11-25T15:00:00Z", open: false })).status).toBe(200);
    const before = await snapshot();
    expect((await clock({ advanceMinutes: 7 })).status).toBe(200);
    const later = await snapshot();
    expect(later).toEqual(before);
    const todayOpen = Date.parse("2026-11-25T14:30:00Z");
    expect(Date.parse(before.minuteBar.t)).toBeLessThan(todayOpen);
    expect(Date.parse(before.latestTrade.t)).toBeLessThan(todayOpen);

    expect((await clock({ open: true })).status).toBe(200);
    const open = await snapshot();
    expect(Date.parse(open.minuteBar.t)).toBeGreaterThanOrEqual(todayOpen);
    expect(Date.parse(open.latestTrade.t)).toBeGreaterThanOrEqual(todayOpen);
  });
});
