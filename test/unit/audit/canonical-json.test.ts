import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/audit/canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    const text = canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: "x" }, u: undefined });
    expect(text).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it("gives the same bytes whatever the key insertion order, and round-trips through JSON.parse", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        const text = canonicalJson(obj);
        expect(canonicalJson(reversed)).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });

  it("refuses values JSON cannot carry, naming where they are", () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow("$.a.b: non-finite number");
    expect(() => canonicalJson({ f: () => 1 })).toThrow("$.f: function is not JSON");
    expect(() => canonicalJson({ a: [1, { b: Symbol("s") }] })).toThrow("$.a[1].b: symbol is not JSON");
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(/^\$\.self\.self.*: nested too deep \(or circular\)$/);
  });
});
