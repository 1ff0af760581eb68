import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { checkRouteParams, matchTradingRoute, TRADING_ROUTES } from "../../../src/trading/alpaca-routes.js";

const UUID = "0b6a8d43-9c1c-4c5e-8e63-2f6c1a9d7b10";

describe("the Alpaca trading route table", () => {
  it("holds every route once, each with action, scope, priority and idempotency", () => {
    const keys = TRADING_ROUTES.map((r) => `${r.method} ${r.template}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Alpaca Trading API 2.0.1 documents 68 operations; the server-sent events stream is not passed through
    expect(TRADING_ROUTES.length).toBe(67);
    for (const r of TRADING_ROUTES) {
      if (r.method === "GET") expect(r).toMatchObject({ scope: "read", action: undefined, idempotent: true });
      else expect(r.scope, `${r.method} ${r.template}`).toBe("trade");
      if (r.method !== "GET") expect(r.action, `${r.method} ${r.template}`).toBeDefined();
    }
  });

  it("covers the documented families: v3 clock and calendar, options, wallets, watchlists by name, announcements", () => {
    for (const [m, p] of [
      ["GET", "/v3/clock"],
      ["GET", "/v3/calendar/NYSE"],
      ["GET", "/v2/account/activities/FILL"],
      ["GET", "/v2/account/portfolio/history"],
      ["PATCH", "/v2/account/configurations"],
      ["POST", "/v2/positions/AAPL250117C00150000/exercise"],
      ["POST", "/v2/positions/AAPL250117C00150000/do-not-exercise"],
      ["GET", "/v2/options/contracts/AAPL250117C00150000"],
      ["GET", "/v2/wallets"],
      ["POST", "/v2/wallets/transfers"],
      ["DELETE", `/v2/wallets/whitelists/${UUID}`],
      ["PUT", "/v2/watchlists:by_name"],
      ["DELETE", `/v2/watchlists/${UUID}/AAPL`],
      ["GET", `/v2/corporate_actions/announcements/${UUID}`],
      ["GET", "/v2/assets/fixed_income/us_treasuries"],
    ] as const) {
      expect(matchTradingRoute(m, p), `${m} ${p}`).toBeDefined();
    }
  });

  it("recognises order actions only on their exact routes", () => {
    expect(matchTradingRoute("POST", "/v2/orders")?.route).toMatchObject({
      action: "order.submit",
      priority: "order",
      idempotent: false,
    });
    expect(matchTradingRoute("PATCH", `/v2/orders/${UUID}`)?.route.action).toBe("order.replace");
    expect(matchTradingRoute("DELETE", `/v2/orders/${UUID}`)?.route).toMatchObject({
      action: "order.cancel",
      idempotent: true,
    });
    expect(matchTradingRoute("DELETE", "/v2/orders")?.route.action).toBe("order.cancel_all");
    expect(matchTradingRoute("DELETE", "/v2/positions/AAPL")?.route).toMatchObject({
      action: "position.close",
      idempotent: false,
    });
    // not in the table: no route, whatever it looks like
    for (const [m, p] of [
      ["POST", "/v2/%6Frders"],
      ["POST", "/v2/orders/"],
      ["POST", "/v2/Orders"],
      ["POST", "/v2/orders/x/y"],
      ["PUT", "/v2/orders"],
      ["GET", "/v2/admin"],
      ["GET", "/v4/clock"],
      ["GET", "v2/orders"],
    ] as const) {
      expect(matchTradingRoute(m, p), `${m} ${p}`).toBeUndefined();
    }
  });

  it("decodes parameters and re-encodes them canonically for the upstream", () => {
    const m = matchTradingRoute("GET", "/v2/positions/BTC%2fUSD")!;
    expect(m.params).toEqual({ symbol_or_asset_id: "BTC/USD" });
    expect(m.upstreamPath).toBe("/v2/positions/BTC%2FUSD");
    expect(matchTradingRoute("GET", "/v2/assets/fixed_income/us_corporates")?.route.operation).toBe(
      "UsCorporates",
    );
  });

  it("answers a malformed order id like Alpaca: 422 with code 40010001", () => {
    for (const bad of ["not-a-uuid", "00000000-0000-0000-0000-00000000000", "../x"]) {
      const m = matchTradingRoute("GET", `/v2/orders/${encodeURIComponent(bad)}`);
      if (!m) continue; // an encoding the canonical form forbids never reaches a route
      try {
        checkRouteParams(m);
        throw new Error(`${bad} passed`);
      } catch (err) {
        expect(isPaddockError(err, "PADDOCK_ID_INVALID")).toBe(true);
        expect((err as { status: number }).status).toBe(422);
        expect((err as { alpacaCode: number }).alpacaCode).toBe(40010001);
        expect((err as Error).message).toMatch(/order_id: must be a UUID/);
      }
    }
    expect(() => checkRouteParams(matchTradingRoute("GET", `/v2/orders/${UUID}`)!)).not.toThrow();
    expect(() => checkRouteParams(matchTradingRoute("GET", "/v2/positions/BTC%2FUSD")!)).not.toThrow();
    expect(() => checkRouteParams(matchTradingRoute("GET", "/v2/positions/%3A")!)).toThrow(/symbol/);
  });
});
