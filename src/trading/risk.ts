/**
 * Pre-trade checks from an account's `limits`: symbol allow/deny lists, the largest
 * order value, the largest position, and an optional pattern-day-trader pre-check.
 * Checks that need upstream facts (a price, a position, the account) ask for them
 * only when the matching limit is configured.
 */
import type { AccountConfig } from "../config/schema.js";
import { PaddockError } from "../errors.js";
import type { ValidatedOrder } from "./order-validation.js";

export interface RiskFacts {
  /** Latest trade price of a symbol (market data). */
  price(symbol: string): Promise<number | undefined>;
  /** Signed position quantity (negative short), 0 when none. */
  positionQty(symbol: string): Promise<number>;
  account(): Promise<{ equity: number; daytradeCount: number }>;
}

const reject = (rule: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_RISK_REJECTED", { detail: `${rule}: ${detail}`, extra: { rule } });

export const PDT_EQUITY = 25_000;

export async function checkRisk(
  order: ValidatedOrder,
  limits: AccountConfig["limits"],
  facts: RiskFacts,
): Promise<void> {
  const { symbol } = order;
  if (limits.symbolDeny?.includes(symbol))
    throw reject("symbolDeny", `${symbol} is on this account's deny list`);
  if (limits.symbolAllow && !limits.symbolAllow.includes(symbol)) {
    throw reject("symbolAllow", `${symbol} is not on this account's allow list`);
  }
  const multiplier = order.assetClass === "us_option" ? 100 : 1;
  if (limits.maxOrderNotional !== undefined) {
    let value: number | undefined;
    if (order.notional !== undefined) value = Number(order.notional);
    else {
      const price = order.limitPrice ?? order.stopPrice;
      const p = price !== undefined ? Number(price) : await facts.price(symbol);
      if (p === undefined)
        throw reject("maxOrderNotional", `no price known for ${symbol} to check the order value`);
      value = Number(order.qty) * p * multiplier;
    }
    if (value > limits.maxOrderNotional) {
      throw reject("maxOrderNotional", `order value ${value.toFixed(2)} exceeds ${limits.maxOrderNotional}`);
    }
  }
  if (limits.maxPositionQty !== undefined && order.qty !== undefined) {
    const current = await facts.positionQty(symbol);
    const after = current + (order.side === "buy" ? 1 : -1) * Number(order.qty);
    if (Math.abs(after) > limits.maxPositionQty && Math.abs(after) > Math.abs(current)) {
      throw reject(
        "maxPositionQty",
        `position in ${symbol} would be ${after}, limit ${limits.maxPositionQty}`,
      );
    }
  }
  if (limits.pdtCheck) {
    // Conservative: an order that reduces an existing position may complete a day trade.
    const current = await facts.positionQty(symbol);
    const reduces = (current > 0 && order.side === "sell") || (current < 0 && order.side === "buy");
    if (reduces) {
      const acct = await facts.account();
      if (acct.equity < PDT_EQUITY && acct.daytradeCount >= 3) {
        throw reject(
          "pdtCheck",
          `equity ${acct.equity.toFixed(2)} under ${PDT_EQUITY} with ${acct.daytradeCount} day trades in 5 days: a 4th may be refused`,
        );
      }
    }
  }
}
