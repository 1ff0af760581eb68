/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as RFC 8785 does), no
 * whitespace, `undefined` members omitted. The same value always gives the same
 * bytes, so a record's hash does not depend on the order its fields were built in.
 */

export function canonicalJson(value: unknown): string {
  return write(value, new Set<object>(), "$");
}

function write(value: unknown, seen: Set<object>, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${path}: non-finite number`);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new TypeError(`${path}: ${typeof value} is not JSON`);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (seen.has(value)) throw new TypeError(`${path}: circular reference`);
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item, i) => (item === undefined ? "null" : write(item, seen, `${path}[${i}]`))).join(",")}]`;
  } else {
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(member, seen, `${path}.${key}`)}`);
    }
    out = `{${parts.join(",")}}`;
  }
  seen.delete(value);
  return out;
}
