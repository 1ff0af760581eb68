/**
 * The per-symbol split of multi-symbol answers (latest values, snapshots): an upstream
 * answer becomes one entry per symbol plus an "envelope" entry (the answer's other
 * fields, e.g. `currency`); an answer for any symbol set is assembled back from them.
 * An empty entry records that upstream had no data for the symbol.
 */

export interface SplitAnswer {
  /** Symbol → the JSON of its value. */
  readonly values: ReadonlyMap<string, Buffer>;
  /** The answer without its symbol map, as JSON (`{}` when nothing else). */
  readonly envelope: Buffer;
}

export const ABSENT = Buffer.alloc(0);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Splits an upstream answer. Undefined when it cannot be split safely: not a JSON object,
 * a map that is not an object, or a `next_page_token` (some symbols are on another page).
 */
export function splitAnswer(body: Buffer, mapField: string | null): SplitAnswer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  let map: Record<string, unknown>;
  let rest: Record<string, unknown> = {};
  if (mapField === null) {
    map = parsed;
  } else {
    const m = parsed[mapField] ?? {};
    if (!isObject(m)) return undefined;
    map = m;
    rest = { ...parsed };
    delete rest[mapField];
    const token = rest.next_page_token;
    if (token !== undefined && token !== null && token !== "") return undefined;
  }
  const values = new Map<string, Buffer>();
  for (const [symbol, value] of Object.entries(map)) values.set(symbol, Buffer.from(JSON.stringify(value)));
  return { values, envelope: Buffer.from(JSON.stringify(rest)) };
}

const OPEN = Buffer.from("{");
const CLOSE = Buffer.from("}");
const COMMA = Buffer.from(",");

/** Rebuilds an answer from per-symbol entries (absent ones are left out) and the envelope. */
export function assembleAnswer(
  symbols: readonly string[],
  entryOf: (symbol: string) => Buffer,
  mapField: string | null,
  envelope: Buffer | undefined,
): Buffer {
  const parts: Buffer[] = [OPEN];
  if (mapField !== null) parts.push(Buffer.from(`${JSON.stringify(mapField)}:{`));
  let first = true;
  for (const s of symbols) {
    const v = entryOf(s);
    if (v.length === 0) continue;
    if (!first) parts.push(COMMA);
    first = false;
    parts.push(Buffer.from(`${JSON.stringify(s)}:`), v);
  }
  if (mapField !== null) {
    parts.push(CLOSE);
    // The envelope is a JSON object; splice its fields in after the map.
    if (envelope && envelope.length > 2) parts.push(COMMA, envelope.subarray(1, envelope.length - 1));
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** The raw query with `symbols` replaced by the given list (other parameters untouched). */
export function withSymbols(rawQuery: string, symbols: readonly string[]): string {
  const kept = rawQuery.split("&").filter((part) => {
    if (part === "") return false;
    const name = part.split("=", 1)[0] ?? "";
    // The validator already decoded every name, so this cannot throw.
    return decodeURIComponent(name) !== "symbols";
  });
  kept.push(`symbols=${symbols.map(encodeURIComponent).join(",")}`);
  return kept.join("&");
}
