import { it } from "vitest";
import { startSim } from "../../../../src/sim/index.js";

it("smoke", async () => {
  const sim = await startSim({ seed: 1 });
  sim.clock.setAt(Date.parse("2025-03-04T15:00:00Z"));
  const h = { "APCA-API-KEY-ID": "k1", "APCA-API-SECRET-KEY": "s1" };
  for (const p of [
    "/v2/stocks/bars?symbols=AAPL,MSFT&timeframe=1Hour&limit=5",
    "/v2/stocks/AAPL/bars?timeframe=1Day&start=2025-01-01&limit=3",
    "/v2/stocks/AAPL/trades?limit=3",
    "/v2/stocks/quotes?symbols=AAPL&limit=2",
    "/v2/stocks/bars/latest?symbols=AAPL,NOPEZ",
    "/v2/stocks/AAPL/trades/latest",
    "/v2/stocks/AAPL/snapshot",
    "/v2/stocks/bars?symbols=AAPL&timeframe=7X",
    "/v2/stocks/bars?symbols=AAPL&timeframe=1Min&limit=0",
    "/v2/stocks/AAPL/bars?timeframe=1Week&start=2024-10-01",
    "/v1beta1/options/snapshots/AAPL?limit=2",
    "/v1beta1/options/bars?symbols=AAPL250321C00200000&timeframe=1Hour&limit=2",
  ]) {
    const r = await fetch(sim.url + p, { headers: h });
    console.log(p, r.status, (await r.text()).slice(0, 600));
  }
  await sim.close();
});
