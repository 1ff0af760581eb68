/**
 * Simulated corporate actions: the data host's `/v1/corporate-actions` and the trading host's
 * announcements describe the same quarterly cash dividends, with the asset's CUSIP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, simFetch, startTestSim } from "../../helpers/start-sim.js";

let sim: SimHandle;
const get = (path: string) => simFetch(sim, "GET", path, { key: "CA" });

beforeAll(async () => {
  sim = await startTestSim({ rateLimitPerMinute: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe("corporate actions", () => {
  it("pays quarterly cash dividends for some stocks, the same on both hosts", async () => {
    const assets = (await get("/v2/assets")).body as Array<{ symbol: string }>;
    const some = assets.slice(0, 60).map((a) => a.symbol);
    const r = await get(
      `/v1/corporate-actions?symbols=${some.join(",")}&start=2025-01-01&end=2025-12-31&types=cash_dividend&limit=1000`,
    );
    expect(r.status).toBe(200);
    const divs = (r.body as { corporate_actions: { cash_dividends: Array<Record<string, unknown>> } })
      .corporate_actions.cash_dividends;
    const bySymbol = new Map<string, Array<Record<string, unknown>>>();
    for (const d of divs) bySymbol.set(String(d.symbol), [...(bySymbol.get(String(d.symbol)) ?? []), d]);
    expect(bySymbol.size).toBeGreaterThan(10);
    expect(bySymbol.size).toBeLessThan(50);
    for (const list of bySymbol.values()) expect(list).toHaveLength(4);
    const [symbol, list] = [...bySymbol.entries()][0] ?? ["", []];
    const first = list[0] ?? {};
    const asset = (await get(`/v2/assets/${symbol}`)).body as { cusip: string };
    expect(first.cusip).toBe(asset.cusip);
    const ex = String(first.ex_date);
    const ann = await get(
      `/v2/corporate_actions/announcements?ca_types=Dividend&since=${ex}&until=${ex}&symbol=${symbol}`,
    );
    const a = (ann.body as Array<Record<string, unknown>>)[0];
    expect(a).toMatchObject({ id: first.id, ca_type: "dividend", ex_date: ex, cash: String(first.rate) });
    const one = await get(`/v2/corporate_actions/announcements/${String(first.id)}`);
    expect(one.body).toEqual(a);
  });

  it("answers an empty list for other types and 422 for a range over 90 days", async () => {
    const none = await get("/v1/corporate-actions?start=2025-01-01&end=2025-12-31&types=forward_split");
    expect(none.body).toEqual({ corporate_actions: {}, next_page_token: null });
    const wide = await get(
      "/v2/corporate_actions/announcements?ca_types=dividend&since=2025-01-01&until=2025-06-01",
    );
    expect(wide.status).toBe(422);
    expect((wide.body as { message: string }).message).toContain("90 days");
    expect(
      (await get("/v2/corporate_actions/announcements/7f3a1c2e-0b5d-4e7a-9c1f-2d3e4f5a6b7c")).status,
    ).toBe(404);
  });
});
