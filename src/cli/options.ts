/** Option parsers for commander that fail with one clear line. */
import { InvalidArgumentError } from "commander";

export function parseIntOption(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}
