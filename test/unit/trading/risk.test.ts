import { describe, expect, it } from "vitest";
import type { AccountConfig } from "../../../src/config/schema.js";
import { PaddockError } from "../../../src/errors.js";
import { validateOrder } from "../../../src/trading/order-validation.js";
import { checkRisk, type RiskFacts } from "../../../src/trading/risk.js";

type Limits = AccountConfig["limits"];
const order = (body: Record<string, unknown>) =>
  validateOrder({ symbol: "AAPL", side: "buy", type: "market", time_in_force: "day", ...body });
const facts = (
  f: Partial<{ price: string | number; position: string | number; equity: string; dt: number }>,
) =>
  ({
    price: async () => f.price,
    positionQty: async () => f.position ?? "0",
    account: async () => ({ equity: f.equity ?? "100000", daytradeCount: f.dt ?? 0 }),
  }) satisfies RiskFacts;
const limits = (l: Partial<Limits>): Limits => ({ pdtCheck: false, ...l }) as Limits;

const refusal = async (p: Promise<void>): Promise<string> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PaddockError)) throw new Error(`expected a refusal, got ${String(err)}`);
  expect(err.code).toBe("PADDOCK_RISK_REJECTED");
  return err.message;
};

describe("risk checks in exact decimals", () => {
  it("an order worth exactly the limit passes (3 × 0.1 is 0.3, not 0.30000000000000004)", async () => {
    await checkRisk(
      order({ qty: "3", type: "limit", limit_price: "0.1" }),
      limits({ maxOrderNotional: 0.3 }),
      facts({}),
    );
    // the same with the price from market data as a JSON number
    await checkRisk(order({ qty: "3" }), limits({ maxOrderNotional: 0.3 }), facts({ price: 0.1 }));
    expect(
      await refusal(
        checkRisk(order({ qty: "3.01" }), limits({ maxOrderNotional: 0.3 }), facts({ price: 0.1 })),
      ),
    ).toMatch(/order value 0\.301 exceeds 0\.3/);
  });

  it("a notional order one cent over the limit is refused", async () => {
    await checkRisk(order({ notional: "1000.00" }), limits({ maxOrderNotional: 1000 }), facts({}));
    expect(
      await refusal(checkRisk(order({ notional: "1000.01" }), limits({ maxOrderNotional: 1000 }), facts({}))),
    ).toMatch(/1000\.01 exceeds 1000/);
  });

  it("a position reaching exactly the limit passes (0.2 + 0.1 is 0.3)", async () => {
    await checkRisk(order({ qty: "0.1" }), limits({ maxPositionQty: 0.3 }), facts({ position: "0.2" }));
    expect(
      await refusal(
        checkRisk(order({ qty: "0.2" }), limits({ maxPositionQty: 0.3 }), facts({ position: "0.2" })),
      ),
    ).toMatch(/would be 0\.4, limit 0\.3/);
    // reducing a short never trips the limit
    await checkRisk(order({ qty: "0.1" }), limits({ maxPositionQty: 0.3 }), facts({ position: "-0.5" }));
  });

  it("the day-trade pre-check compares equity exactly", async () => {
    const sell = order({ qty: "1", side: "sell" });
    expect(
      await refusal(
        checkRisk(sell, limits({ pdtCheck: true }), facts({ position: "1", equity: "24999.99", dt: 3 })),
      ),
    ).toMatch(/equity 24999\.99 under 25000/);
    await checkRisk(sell, limits({ pdtCheck: true }), facts({ position: "1", equity: "25000.00", dt: 3 }));
    await checkRisk(sell, limits({ pdtCheck: true }), facts({ position: "0", equity: "1", dt: 3 }));
  });

  it("refuses rather than guesses when upstream sends a price that is not a number", async () => {
    expect(
      await refusal(
        checkRisk(order({ qty: "1" }), limits({ maxOrderNotional: 10 }), facts({ price: "abc" })),
      ),
    ).toMatch(/price of AAPL is not a decimal/);
  });
});
