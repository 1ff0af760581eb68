/**
 * Pre-trade checks from an account's `limits`: symbol allow/deny lists, the largest
 * order value, the largest position, and an optional pattern-day-trader pre-check.
 * Checks that need upstream facts (a price, a position, the account) ask for them
 * only when the matching limit is configured. All arithmetic is exact (decimal.js): an
 * order of 3 × 0.1 is worth exactly 0.3, not 0.30000000000000004.
 */
import type { AccountConfig } from "../config/schema.js";
import { PaddockError } from "../errors.js";
import { type Decimal, decimalString, parseDecimal } from "./decimal.js";
import type { ValidatedOrder } from "./order-validation.js";

/** A decimal as upstream gave it: a string as written (preferred), or a JSON number. */
export type DecimalInput = string | number;

export interface RiskFacts {
  /** Latest trade price of a symbol (market data). */
  price(symbol: string): Promise<DecimalInput | undefined>;
  /** Signed position quantity (negative short), 0 when none. */
  positionQty(symbol: string): Promise<DecimalInput>;
  account(): Promise<{ equity: DecimalInput; daytradeCount: number }>;
}

/** A fact or limit that must be a decimal; a malformed upstream value refuses the order rather than guessing. */
const exact = (value: DecimalInput | undefined, what: string): Decimal => {
  const d = parseDecimal(value);
  if (d === undefined) throw reject("facts", `${what} is not a decimal number`);
  return d;
};

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
    const max = exact(limits.maxOrderNotional, "maxOrderNotional");
    let value: Decimal;
    if (order.notional !== undefined) value = exact(order.notional, "notional");
    else {
      const price = order.limitPrice ?? order.stopPrice;
      const p = price !== undefined ? price : await facts.price(symbol);
      if (p === undefined)
        throw reject("maxOrderNotional", `no price known for ${symbol} to check the order value`);
      value = exact(order.qty, "qty")
        .times(exact(p, `price of ${symbol}`))
        .times(multiplier);
    }
    if (value.greaterThan(max)) {
      throw reject("maxOrderNotional", `order value ${decimalString(value)} exceeds ${decimalString(max)}`);
    }
  }
  if (limits.maxPositionQty !== undefined && order.qty !== undefined) {
    const max = exact(limits.maxPositionQty, "maxPositionQty");
    const current = exact(await facts.positionQty(symbol), `position in ${symbol}`);
    const qty = exact(order.qty, "qty");
    const after = order.side === "buy" ? current.plus(qty) : current.minus(qty);
    if (after.abs().greaterThan(max) && after.abs().greaterThan(current.abs())) {
      throw reject(
        "maxPositionQty",
        `position in ${symbol} would be ${decimalString(after)}, limit ${decimalString(max)}`,
      );
    }
  }
  if (limits.pdtCheck) {
    // Conservative: an order that reduces an existing position may complete a day trade.
    const current = exact(await facts.positionQty(symbol), `position in ${symbol}`);
    const reduces =
      (current.isPositive() && !current.isZero() && order.side === "sell") ||
      (current.isNegative() && !current.isZero() && order.side === "buy");
    if (reduces) {
      const acct = await facts.account();
      const equity = exact(acct.equity, "account equity");
      if (equity.lessThan(PDT_EQUITY) && acct.daytradeCount >= 3) {
        throw reject(
          "pdtCheck",
          `equity ${equity.toFixed(2)} under ${PDT_EQUITY} with ${acct.daytradeCount} day trades in 5 days: a 4th may be refused`,
        );
      }
    }
  }
}
