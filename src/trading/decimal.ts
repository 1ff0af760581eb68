/**
 * Exact decimals for quantities, prices and money (decimal.js): never JavaScript floats,
 * where 0.1 + 0.2 is 0.30000000000000004. Alpaca writes decimals as strings; we read them
 * as written and answer in the same plain notation.
 */
import { Decimal as BaseDecimal } from "decimal.js";

/** 40 significant digits: a fleet's summed money and 9-decimal quantities fit with room to spare. */
export const Decimal = BaseDecimal.clone({ precision: 40, rounding: BaseDecimal.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;

/**
 * An upstream decimal: a string as written, a number through its shortest decimal form
 * (`String(0.1)` is "0.1"). Undefined for anything else, or a non-finite value.
 */
export function parseDecimal(value: unknown): Decimal | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = typeof value === "number" ? String(value) : value.trim();
  if (text === "") return undefined;
  try {
    const d = new Decimal(text);
    return d.isFinite() ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Like parseDecimal, but junk counts as zero (for sums over upstream answers). */
export const decimalOr0 = (value: unknown): Decimal => parseDecimal(value) ?? new Decimal(0);

/** Plain notation, no exponent: "0.3", "100000", "-12.5". */
export const decimalString = (d: Decimal): string => d.toFixed();
