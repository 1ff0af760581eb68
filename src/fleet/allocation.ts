/**
 * Splitting one block quantity across accounts, exactly (integer arithmetic on units).
 *
 * A unit is one share, or one billionth of a share when the block is fractional (Alpaca
 * accepts up to 9 decimals). Each account first gets the whole units of its share
 * (equal: total ÷ n; equity / buying power: total × its weight ÷ the sum of weights);
 * the units left over then go one at a time to the accounts in their listed order —
 * so equal 10 over 3 is 4, 3, 3. Weights of zero or below get nothing.
 */
import { PaddockError } from "../errors.js";

export const FRACTION_DIGITS = 9;
const SCALE = 10n ** BigInt(FRACTION_DIGITS);

export type AllocationMethod = "equal" | "equity" | "buying_power" | "explicit";

/** Parses a non-negative decimal into units (`whole`: shares only). Throws naming `field`. */
export function toUnits(text: string, field: string, whole: boolean): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw invalid(field, `must be a decimal quantity (got ${JSON.stringify(text)})`);
  const frac = (m[2] ?? "").replace(/0+$/, "");
  if (whole && frac.length > 0) {
    throw invalid(field, 'must be whole shares unless "fractional": true and the asset is fractionable');
  }
  if (frac.length > FRACTION_DIGITS) throw invalid(field, `at most ${FRACTION_DIGITS} decimals`);
  return BigInt(m[1]!) * SCALE + BigInt(frac.padEnd(FRACTION_DIGITS, "0") || "0");
}

/** Units → Alpaca's decimal string ("4", "0.333333334"). */
export function fromUnits(units: bigint): string {
  const whole = units / SCALE;
  const frac = (units % SCALE).toString().padStart(FRACTION_DIGITS, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

/** Account weights as exact integers (cents), so proportional splits never drift. */
export function weightOf(value: unknown): bigint {
  const n = typeof value === "string" ? Number(value) : typeof value === "number" ? value : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return 0n;
  return BigInt(Math.round(n * 100));
}

/**
 * Splits `total` units over `accounts` (in order) by `weights` (equal when absent).
 * The unit of the remainder is one share (`whole`) or one billionth.
 */
export function allocate(
  total: bigint,
  accounts: readonly string[],
  whole: boolean,
  weights?: ReadonlyMap<string, bigint>,
): Map<string, bigint> {
  const unit = whole ? SCALE : 1n;
  const units = total / unit;
  const w = accounts.map((a) => (weights ? (weights.get(a) ?? 0n) : 1n));
  const sum = w.reduce((s, x) => s + (x > 0n ? x : 0n), 0n);
  if (sum === 0n) {
    throw new PaddockError("PADDOCK_REQUEST_INVALID", {
      field: "allocation",
      detail: "no target account has a positive weight to allocate by",
    });
  }
  const shares = w.map((x) => (x > 0n ? (units * x) / sum : 0n));
  let left = units - shares.reduce((s, x) => s + x, 0n);
  for (let i = 0; left > 0n; i = (i + 1) % accounts.length) {
    if (w[i]! > 0n) {
      shares[i]! += 1n;
      left -= 1n;
    }
  }
  return new Map(accounts.map((a, i) => [a, shares[i]! * unit]));
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });
