/**
 * Exact money through the simulator: two accounts holding 0.1 and 0.2 shares of one symbol
 * are 0.3 shares in `GET /v1/portfolio` (JavaScript floats say 0.30000000000000004), and
 * every sum is a plain decimal string.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Decimal } from "../../src/trading/decimal.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ accounts: 2, logLevel: "warn" });
  await gw.simCall("POST", "/_sim/clock", { open: true });
});
afterAll(async () => {
  await gw?.close();
});

const buy = async (account: string, qty: string): Promise<void> => {
  const res = await gw.call(`/v1/accounts/${account}/v2/orders`, {
    method: "POST",
    body: JSON.stringify({ symbol: "AAPL", qty, side: "buy", type: "market", time_in_force: "day" }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
};

describe("GET /v1/portfolio", () => {
  it("sums 0.1 + 0.2 shares to exactly 0.3, as a decimal string", async () => {
    await buy("acct-001", "0.1");
    await buy("acct-002", "0.2");
    type Portfolio = {
      totals: { equity: string; cash: string };
      positions: Array<{ symbol: string; qty: string; market_value: string; accounts: string[] }>;
      accounts: Array<{
        id: string;
        positions: Array<{ symbol: string; qty: string; market_value: string }>;
      }>;
    };
    let p: Portfolio | undefined;
    // market orders fill on the simulator's next tick: wait until both positions exist
    for (const deadline = Date.now() + 5000; ; ) {
      p = (await (await gw.call("/v1/portfolio")).json()) as Portfolio;
      const held = p.accounts.filter((a) => a.positions.some((x) => x.symbol === "AAPL")).length;
      if (held === 2) break;
      if (Date.now() > deadline) throw new Error(`positions never filled: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const aapl = p.positions.find((x) => x.symbol === "AAPL")!;
    expect(aapl.qty).toBe("0.3");
    expect(aapl.accounts).toEqual(["acct-001", "acct-002"]);
    // the sums are the exact sums of what each account reported, in plain notation
    const parts = p.accounts.flatMap((a) => a.positions.filter((x) => x.symbol === "AAPL"));
    const sum = parts.reduce((d, x) => d.plus(x.market_value), new Decimal(0));
    expect(aapl.market_value).toBe(sum.toFixed());
    for (const v of [p.totals.equity, p.totals.cash, aapl.market_value]) expect(v).toMatch(/^-?\d+(\.\d+)?$/);
  });
});
