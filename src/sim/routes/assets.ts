/** `/v2/assets…` and `/v2/options/contracts…`. */
import type { SimRouter } from "../contract.js";
import { notFound, unprocessable } from "../sim-error.js";
import { ok, queryDate, queryEnum, queryInt, queryNumber, type SimContext } from "./context.js";
import { assetWire } from "./wire.js";

export function registerAssetRoutes(router: SimRouter, ctx: SimContext): void {
  const { universe } = ctx;

  router.add("GET", "/v2/assets", (req) => {
    const q = req.query;
    const status = queryEnum(q, "status", ["active", "inactive"] as const);
    const assetClass =
      queryEnum(q, "asset_class", ["us_equity", "us_option", "crypto"] as const) ?? "us_equity";
    const exchange = q.get("exchange")?.toUpperCase();
    const attributes = q.get("attributes")?.split(",").filter(Boolean);
    if (assetClass === "us_option") return ok([]);
    return ok(
      (assetClass === "crypto" ? universe.crypto : universe.assets)
        .filter(
          (a) =>
            (status === undefined || a.status === status) &&
            (exchange === undefined || exchange === "" || a.exchange === exchange) &&
            (attributes === undefined || attributes.some((x) => a.attributes.includes(x))),
        )
        .map(assetWire),
    );
  });

  router.add("GET", "/v2/assets/:symbol_or_asset_id", (req) => {
    const a = universe.find(req.params.symbol_or_asset_id ?? "");
    if (!a) throw notFound("asset not found");
    return ok(assetWire(a));
  });

  router.add("GET", "/v2/options/contracts", (req) => {
    const q = req.query;
    const underlying = q
      .get("underlying_symbols")
      ?.split(",")
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean);
    const type = queryEnum(q, "type", ["call", "put"] as const);
    const style = queryEnum(q, "style", ["american", "european"] as const);
    const status = queryEnum(q, "status", ["active", "inactive"] as const);
    const exp = queryDate(q, "expiration_date");
    const expGte = queryDate(q, "expiration_date_gte");
    const expLte = queryDate(q, "expiration_date_lte");
    const root = q.get("root_symbol")?.toUpperCase();
    const strikeGte = queryNumber(q, "strike_price_gte");
    const strikeLte = queryNumber(q, "strike_price_lte");
    const limit = queryInt(q, "limit", 1, 10_000) ?? 100;
    const token = q.get("page_token");
    let offset = 0;
    if (token) {
      offset = Number.parseInt(Buffer.from(token, "base64url").toString("utf8"), 10);
      if (!Number.isInteger(offset) || offset < 0) throw unprocessable("page_token: invalid token");
    }
    const all = universe.options.filter(
      (o) =>
        (underlying === undefined || underlying.includes(o.underlying_symbol)) &&
        (type === undefined || o.type === type) &&
        (style === undefined || o.style === style) &&
        (status === undefined || o.status === status) &&
        (exp === undefined || o.expiration_date === exp) &&
        (expGte === undefined || o.expiration_date >= expGte) &&
        (expLte === undefined || o.expiration_date <= expLte) &&
        (root === undefined || o.root_symbol === root) &&
        (strikeGte === undefined || Number(o.strike_price) >= strikeGte) &&
        (strikeLte === undefined || Number(o.strike_price) <= strikeLte),
    );
    const page = all.slice(offset, offset + limit);
    const next =
      offset + limit < all.length ? Buffer.from(String(offset + limit)).toString("base64url") : null;
    return ok({ option_contracts: page, next_page_token: next });
  });

  router.add("GET", "/v2/options/contracts/:symbol_or_id", (req) => {
    const o = universe.findOption(req.params.symbol_or_id ?? "");
    if (!o) throw notFound("option contract not found");
    return ok(o);
  });
}
