/** Issue #11: /openapi.json describes the gateway and validates with a standard OpenAPI validator. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors.js";
import { TRADING_ROUTES } from "../../src/trading/alpaca-routes.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

type Json = Record<string, unknown>;
let gw: TestGateway;
let doc: Json & { paths: Record<string, Record<string, Json>>; components: Json };

beforeAll(async () => {
  gw = await startGateway({ accounts: 1 });
  const res = await fetch(`${gw.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as typeof doc;
});
afterAll(() => gw.close());

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI document", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("documents the gateway's own routes with response schemas", () => {
    for (const [path, method, schema] of [
      ["/v1/accounts", "get", "AccountList"],
      ["/v1/portfolio", "get", "Portfolio"],
      ["/v1/admin/halt", "post", "HaltResult"],
      ["/v1/admin/accounts/{id}/resume", "post", "HaltResult"],
      ["/v1/admin/reload", "post", "ReloadResult"],
      ["/v1/auth/token", "post", "TokenResponse"],
      ["/.well-known/jwks.json", "get", "Jwks"],
      ["/livez", "get", "Liveness"],
      ["/readyz", "get", "Readiness"],
    ] as const) {
      const o = doc.paths[path]?.[method] as { responses: Record<string, Json> } | undefined;
      expect(o, `${method} ${path}`).toBeDefined();
      expect(JSON.stringify(o!.responses["200"])).toContain(`#/components/schemas/${schema}`);
    }
  });

  it("marks exactly the public routes public and the rest as needing a token or key pair", () => {
    const open = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([, o]) => Array.isArray((o as Json).security) && ((o as Json).security as []).length === 0)
        .map(([m]) => `${m} ${p}`),
    );
    expect(open.sort()).toEqual(
      [
        "get /.well-known/jwks.json",
        "get /livez",
        "get /metrics",
        "get /readyz",
        "post /v1/auth/token",
      ].sort(),
    );
    expect(doc.security).toEqual([{ bearer: [] }, { apcaKeyId: [], apcaSecretKey: [] }]);
  });

  it("lists every error code of docs/errors.md in the error schema", () => {
    const error = (doc.components.schemas as Record<string, Json>).Error!;
    expect(Object.keys(error["x-paddock-codes"] as Json).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const codes = ((error.properties as Json).code as { enum: number[] }).enum;
    for (const c of Object.values(ERROR_CODES)) expect(codes).toContain(c.alpaca);
  });

  it("serves the docs UI through the canonical-target check (its /docs/ redirect included)", async () => {
    for (const p of ["/docs", "/docs/", "/docs/static/index.html"]) {
      const res = await fetch(`${gw.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(await res.text()).toContain("swagger");
    }
  });

  it("lists the whole pass-through route table, generated from alpaca-routes.ts", () => {
    let listed = 0;
    for (const r of TRADING_ROUTES) {
      const o = doc.paths[`/v1/accounts/{accountId}${r.template}`]?.[r.method.toLowerCase()];
      expect(o, `${r.method} ${r.template}`).toMatchObject({
        "x-paddock-scope": r.scope,
        "x-paddock-idempotent": r.idempotent,
      });
      listed++;
    }
    expect(listed).toBe(TRADING_ROUTES.length);
    // no wildcard routes leak into the document
    expect(Object.keys(doc.paths).filter((p) => p.includes("*"))).toEqual([]);
  });
});
