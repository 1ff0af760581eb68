/**
 * Schema validation that reports every problem at once, each with its path
 * (`accounts[3].secretKey: …`), and suggests the nearest key for a misspelt one.
 */
import type { TSchema } from "@sinclair/typebox";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** JSON pointer `/accounts/3/secretKey` → `accounts[3].secretKey`. */
export function formatPath(pointer: string | readonly (string | number)[]): string {
  const parts = typeof pointer === "string" ? pointer.split("/").slice(1) : pointer.map(String);
  let out = "";
  for (const raw of parts) {
    const part = String(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "(root)" : out;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

interface BranchShape {
  const?: unknown;
  type?: string;
  minimum?: number;
  maximum?: number;
}

interface SchemaShape {
  properties?: Record<string, unknown>;
  anyOf?: BranchShape[];
}

/** One alternative of a union, in words: `"auto"`, `an integer from 1 to 1024`. */
function branch(s: BranchShape): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  const from = s.minimum !== undefined ? ` from ${s.minimum}` : "";
  const to = s.maximum !== undefined ? ` to ${s.maximum}` : "";
  return s.type === "integer" ? `an integer${from}${to}` : `a value of type ${s.type ?? "any"}`;
}

function describe(type: ValueErrorType, message: string, schema: SchemaShape, pointer: string): string {
  if (type === ValueErrorType.ObjectAdditionalProperties) {
    const key = pointer.split("/").pop() ?? "";
    const hint = nearest(key, Object.keys(schema.properties ?? {}));
    return hint ? `unknown key (did you mean "${hint}"?)` : "unknown key";
  }
  if (schema.anyOf?.every((s) => s.const !== undefined)) {
    return `must be one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(", ")}`;
  }
  if (schema.anyOf && type === ValueErrorType.Union)
    return `must be ${schema.anyOf.map(branch).join(" or ")}`;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Every problem of `value` against `schema`, one per path (the first, most specific one). */
export function validateAgainst(schema: TSchema, value: unknown): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const err of Value.Errors(schema, value)) {
    if (seen.has(err.path)) continue;
    seen.add(err.path);
    problems.push({
      path: formatPath(err.path),
      message: describe(err.type, err.message, err.schema as SchemaShape, err.path),
    });
  }
  return problems;
}
