/**
 * Validates simulator responses against the response schemas derived from Alpaca's published
 * OpenAPI documents (test/fixtures/alpaca-openapi, see its README). OpenAPI 3.0's `nullable` is
 * turned into JSON Schema's `null` type; `format: decimal` means a decimal string.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface SchemaFile {
  readonly operations: Record<string, { operationId: string | null; responses: Record<string, Json> }>;
  readonly schemas: Record<string, Json>;
}

export type Api = "trading" | "market-data";

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** OpenAPI 3.0 → JSON Schema: `nullable` becomes a `null` type; refs point into the named document. */
function convert(schema: Json, doc: string): Json {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, doc));
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "nullable" || k === "discriminator") continue;
    // the published alternatives overlap (neither has required fields), so oneOf can never hold
    // for an object; the sibling operation says anyOf for the same items, which is the intent
    if (k === "oneOf") out.anyOf = convert(v, doc);
    if (k === "$ref" && typeof v === "string") out.$ref = `${doc}${v}`;
    else if (k === "oneOf") continue;
    else if (k === "properties" && isObj(v))
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s, doc)]));
    else out[k] = convert(v, doc);
  }
  if (schema.nullable === true) {
    if (typeof out.type === "string" && out.$ref === undefined) {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "fixtures", "alpaca-openapi");

export interface Verdict {
  readonly ok: boolean;
  readonly errors: string[];
  /** An error status the operation does not document: checked against the common `Error` envelope. */
  readonly undocumented?: true;
  /** Errors a known divergence accounts for (not in `errors`). */
  readonly tolerated: string[];
}

/** A known, explained difference between Alpaca's published schema and what Alpaca (and the simulator) send. */
export interface Divergence {
  /** JSON pointer of the value, as a pattern (`/\/exchange$/`). */
  readonly path: RegExp;
  readonly value: unknown;
  readonly reason: string;
}

function at(body: unknown, pointer: string): unknown {
  let v: unknown = body;
  for (const part of pointer.split("/").slice(1)) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return v;
}

export interface OpenApiValidator {
  /** Spec operation keys (`GET /v2/orders/{order_id}`) of one API. */
  operations(api: Api): string[];
  /** Whether the spec documents a status for an operation. */
  documents(api: Api, op: string, status: number): boolean;
  /** Checks a response body against the schema the spec gives for that operation and status. */
  validate(api: Api, op: string, status: number, body: unknown, divergences?: readonly Divergence[]): Verdict;
}

export function loadOpenApiValidator(): OpenApiValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
  addFormats(ajv);
  ajv.addFormat("decimal", /^-?\d+(\.\d+)?$/);
  for (const f of ["int32", "int64", "float", "double", "number", "decimal-string", "timestamp"])
    ajv.addFormat(f, true);
  const files = {} as Record<Api, SchemaFile>;
  for (const api of ["trading", "market-data"] as const) {
    const file = JSON.parse(readFileSync(join(fixtures, `${api}.schemas.json`), "utf8")) as SchemaFile;
    files[api] = file;
    const schemas = Object.fromEntries(
      Object.entries(file.schemas).map(([k, s]) => [k, convert(s, `${api}.json`)]),
    );
    ajv.addSchema({ $id: `${api}.json`, components: { schemas } });
  }
  const compiled = new Map<string, ValidateFunction | null>();
  const errorEnvelope = ajv.compile({
    type: "object",
    properties: { code: { type: "number" }, message: { type: "string" } },
    required: ["code", "message"],
  });

  function validator(api: Api, op: string, status: number): ValidateFunction | null | undefined {
    const key = `${api} ${op} ${status}`;
    if (compiled.has(key)) return compiled.get(key);
    const responses = files[api].operations[op]?.responses;
    if (!responses || !(String(status) in responses)) return undefined;
    const schema = responses[String(status)];
    const fn =
      schema === null || schema === undefined ? null : ajv.compile(convert(schema, `${api}.json`) as object);
    compiled.set(key, fn);
    return fn;
  }

  return {
    operations: (api) => Object.keys(files[api].operations),
    documents: (api, op, status) => validator(api, op, status) !== undefined,
    validate(api, op, status, body, divergences = []) {
      const fn = validator(api, op, status);
      if (fn === undefined) {
        if (status < 400)
          return { ok: false, errors: [`status ${status} is not documented for ${op}`], tolerated: [] };
        const envelope = ajv.getSchema(`${api}.json#/components/schemas/Error`) ?? errorEnvelope;
        const ok = envelope(body) as boolean;
        return {
          ok,
          errors: ok ? [] : [`not the error envelope: ${JSON.stringify(body)}`],
          undocumented: true,
          tolerated: [],
        };
      }
      if (fn === null) return { ok: true, errors: [], tolerated: [] };
      fn(body);
      const errors: string[] = [];
      const tolerated: string[] = [];
      for (const e of fn.errors ?? []) {
        const text = `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`;
        const known = divergences.some(
          (d) => d.path.test(e.instancePath) && at(body, e.instancePath) === d.value,
        );
        (known ? tolerated : errors).push(text);
      }
      return { ok: errors.length === 0, errors, tolerated };
    },
  };
}
