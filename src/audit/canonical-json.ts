/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as RFC 8785 does), no
 * whitespace, `undefined` members omitted. The same value always gives the same
 * bytes, so a record's hash does not depend on the order its fields were built in.
 */

const MAX_DEPTH = 64;

export function canonicalJson(value: unknown): string {
  return write(value, []);
}

/** The members of a top-level object, serialized and sorted, to be merged with others later. */
export type CanonicalMembers = readonly (readonly [key: string, json: string])[];

export function canonicalMembers(obj: object): CanonicalMembers {
  const record = obj as Readonly<Record<string, unknown>>;
  const out: [string, string][] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member !== undefined) out.push([key, write(member, [key])]);
  }
  return out;
}

/** Joins sorted members with extra ones (keys must be absent from `members`) into one object. */
export function joinMembers(members: CanonicalMembers, extra: CanonicalMembers): string {
  const all = extra.length === 0 ? members : [...members, ...extra].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let out = "{";
  for (let i = 0; i < all.length; i++) {
    const [key, json] = all[i]!;
    out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${json}`;
  }
  return `${out}}`;
}

function fail(path: readonly string[], problem: string): never {
  throw new TypeError(`$${path.map((p) => (p.startsWith("[") ? p : `.${p}`)).join("")}: ${problem}`);
}

function write(value: unknown, path: string[]): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : fail(path, "non-finite number");
    case "object":
      break;
    default:
      return fail(path, `${typeof value} is not JSON`);
  }
  if (value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (path.length > MAX_DEPTH) fail(path, "nested too deep (or circular)");
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      path.push(`[${i}]`);
      out += `${i === 0 ? "" : ","}${item === undefined ? "null" : write(item, path)}`;
      path.pop();
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    path.push(key);
    out += `${first ? "" : ","}${JSON.stringify(key)}:${write(member, path)}`;
    path.pop();
    first = false;
  }
  return `${out}}`;
}
