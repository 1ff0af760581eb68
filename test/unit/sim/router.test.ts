import { describe, expect, it } from "vitest";
import type { SimHandler } from "../../../src/sim/contract.js";
import { createSimRouter } from "../../../src/sim/router.js";

const h =
  (name: string): SimHandler =>
  () => ({ status: 200, body: name });

describe("createSimRouter", () => {
  const r = createSimRouter();
  r.add("GET", "/v2/orders", h("list"));
  r.add("GET", "/v2/orders/:order_id", h("one"));
  r.add("GET", "/v2/orders:by_client_order_id", h("by-cid"));
  r.add("DELETE", "/v2/orders/:order_id", h("cancel"));
  r.add("GET", "/v2/stocks/:symbol/bars", h("bars"));
  r.add("GET", "/v2/stocks/bars", h("multi-bars"));
  r.add("DELETE", "/v2/watchlists/:watchlist_id/:symbol", h("wl-del"));

  const name = (method: string, path: string): unknown => {
    const m = r.match(method, path);
    return m === undefined ? undefined : (m.handler({} as never) as { body: unknown }).body;
  };

  it("matches literal routes, parameters and colon-suffixed literal segments", () => {
    expect(name("GET", "/v2/orders")).toBe("list");
    expect(name("GET", "/v2/orders/abc")).toBe("one");
    expect(r.match("GET", "/v2/orders/abc")?.params).toEqual({ order_id: "abc" });
    expect(name("GET", "/v2/orders:by_client_order_id")).toBe("by-cid");
    expect(name("DELETE", "/v2/orders/x")).toBe("cancel");
    expect(r.match("DELETE", "/v2/watchlists/w1/AAPL")?.params).toEqual({
      watchlist_id: "w1",
      symbol: "AAPL",
    });
  });

  it("prefers a literal segment over a parameter at the same position", () => {
    expect(name("GET", "/v2/stocks/bars")).toBe("multi-bars");
    expect(name("GET", "/v2/stocks/AAPL/bars")).toBe("bars");
    expect(r.match("GET", "/v2/stocks/AAPL/bars")?.pattern).toBe("/v2/stocks/:symbol/bars");
  });

  it("decodes parameters and tolerates a trailing slash", () => {
    expect(r.match("GET", "/v2/orders/a%20b")?.params).toEqual({ order_id: "a b" });
    expect(r.match("GET", "/v2/orders/bad%zz")?.params).toEqual({ order_id: "bad%zz" });
    expect(name("GET", "/v2/orders/")).toBe("list");
  });

  it("misses on unknown paths, wrong methods and empty parameters, and knows 405 from 404", () => {
    expect(r.match("POST", "/v2/orders/abc")).toBeUndefined();
    expect(r.match("GET", "/v2/nothing")).toBeUndefined();
    expect(r.match("GET", "/v2/orders/a/b")).toBeUndefined();
    expect(r.match("GET", "/v2/orders//")).toBeUndefined();
    expect(r.hasPath("/v2/orders/abc")).toBe(true);
    expect(r.hasPath("/v2/nothing")).toBe(false);
  });

  it("refuses duplicate routes and patterns without a leading slash", () => {
    expect(() => r.add("GET", "/v2/orders", h("again"))).toThrow(/duplicate/);
    expect(() => r.add("GET", "v2/x", h("x"))).toThrow(/start with/);
  });
});
