/**
 * Bar timeframes as Alpaca spells them: `1Min`…`59Min` (or `T`), `1Hour`…`23Hour` (or `H`),
 * `1Day` (`D`), `1Week` (`W`), `1Month`…`12Month` (`M`). Parsed once per request.
 */
export interface Timeframe {
  readonly amount: number;
  readonly unit: "Min" | "Hour" | "Day" | "Week" | "Month";
}

const UNITS: Readonly<Record<string, { unit: Timeframe["unit"]; max: number }>> = {
  Min: { unit: "Min", max: 59 },
  T: { unit: "Min", max: 59 },
  Hour: { unit: "Hour", max: 23 },
  H: { unit: "Hour", max: 23 },
  Day: { unit: "Day", max: 1 },
  D: { unit: "Day", max: 1 },
  Week: { unit: "Week", max: 1 },
  W: { unit: "Week", max: 1 },
  Month: { unit: "Month", max: 12 },
  M: { unit: "Month", max: 12 },
};

/** The timeframe, or undefined when the text is not a valid one. */
export function parseTimeframe(text: string): Timeframe | undefined {
  const m = /^([1-9]\d{0,2})([A-Za-z]+)$/.exec(text);
  if (!m) return undefined;
  const spec = UNITS[m[2] ?? ""];
  const amount = Number(m[1]);
  if (!spec || amount > spec.max) return undefined;
  return { amount, unit: spec.unit };
}
