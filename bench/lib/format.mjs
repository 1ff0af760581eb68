/** Number formatting and small statistics shared by the scenarios' rows. */

export const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** The median of one field over the rounds of a measurement, e.g. pick(rounds, (r) => r.rps). */
export const pick = (rounds, get) => median(rounds.map(get));

export function fmt(value, digits = 1) {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtInt = (value) => fmt(value, 0);
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN);
export const mb = (bytes) => bytes / (1024 * 1024);
