/** Option parsers for commander that fail with one clear line. */
import { InvalidArgumentError } from "commander";

export function parseIntOption(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}

/** `--workers`: a positive whole number, or "auto" (one per available core). */
export function parseWorkersOption(value: string): number | "auto" {
  if (value === "auto") return "auto";
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1024) {
    throw new InvalidArgumentError('must be a positive integer (at most 1024) or "auto"');
  }
  return Number(value);
}
