/**
 * THE table of Alpaca trading routes the pass-through serves (method + path template,
 * from Alpaca's published Trading API), and what each one is: its audit action, the
 * scope it needs, its scheduling priority, whether a retry may repeat it, and how its
 * path parameters are checked. Anything not in this table answers 404 from the gateway;
 * an order submission, replacement or cancellation is recognised only by the route it
 * matched, never by the raw string.
 *
 * Paths are matched after canonicalisation (http/canonical-target.ts): literal segments
 * compare exactly, parameters are decoded (`BTC%2FUSD` → `BTC/USD`) and re-encoded the
 * one canonical way for the upstream.
 */
import type { HttpMethod, Priority } from "../accounts/types.js";
import type { AuditAction } from "../audit/record.js";
import { PaddockError } from "../errors.js";

/** How a path parameter is checked. `uuid`: Alpaca answers 422 40010001 for anything else. */
export type ParamKind = "uuid" | "symbol" | "symbol_or_id" | "activity_type" | "market";

export interface TradingRoute {
  readonly method: HttpMethod;
  /** Alpaca's path template, e.g. `/v2/orders/{order_id}`. */
  readonly template: string;
  /** Alpaca's operation id (stable name for docs and metrics). */
  readonly operation: string;
  /** Audit action for routes that change something; undefined for reads. */
  readonly action: AuditAction | undefined;
  readonly scope: "read" | "trade";
  readonly priority: Priority;
  /** True when sending it twice has the effect of sending it once (may be retried). */
  readonly idempotent: boolean;
  readonly params: Readonly<Record<string, ParamKind>>;
}

export interface MatchedTradingRoute {
  readonly route: TradingRoute;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The path to send upstream (parameters re-encoded canonically), without the query. */
  readonly upstreamPath: string;
}

type Def = readonly [HttpMethod, string, string, AuditAction | undefined, Priority?];

const KINDS: Readonly<Record<string, ParamKind>> = {
  order_id: "uuid",
  watchlist_id: "uuid",
  transfer_id: "uuid",
  whitelisted_address_id: "uuid",
  locate_id: "uuid",
  id: "uuid",
  symbol: "symbol",
  symbol_or_asset_id: "symbol_or_id",
  symbol_or_contract_id: "symbol_or_id",
  symbol_or_id: "symbol_or_id",
  activity_type: "activity_type",
  market: "market",
};

// method, template, Alpaca operation id, audit action, priority (default: read for GET, order for changes)
const DEFS: readonly Def[] = [
  // account
  ["GET", "/v2/account", "getAccount", undefined],
  ["GET", "/v2/account/configurations", "getAccountConfig", undefined],
  ["PATCH", "/v2/account/configurations", "patchAccountConfig", "account.configure", "read"],
  ["GET", "/v2/account/activities", "getAccountActivities", undefined, "bulk"],
  ["GET", "/v2/account/activities/{activity_type}", "getAccountActivitiesByActivityType", undefined, "bulk"],
  ["GET", "/v2/account/portfolio/history", "getAccountPortfolioHistory", undefined, "bulk"],
  // orders
  ["GET", "/v2/orders", "getAllOrders", undefined],
  ["POST", "/v2/orders", "postOrder", "order.submit"],
  ["DELETE", "/v2/orders", "deleteAllOrders", "order.cancel_all"],
  ["GET", "/v2/orders:by_client_order_id", "getOrderByClientOrderId", undefined],
  ["GET", "/v2/orders/{order_id}", "getOrderByOrderID", undefined],
  ["PATCH", "/v2/orders/{order_id}", "patchOrderByOrderId", "order.replace"],
  ["DELETE", "/v2/orders/{order_id}", "deleteOrderByOrderID", "order.cancel"],
  // positions
  ["GET", "/v2/positions", "getAllOpenPositions", undefined],
  ["DELETE", "/v2/positions", "deleteAllOpenPositions", "position.close_all"],
  ["GET", "/v2/positions/{symbol_or_asset_id}", "getOpenPosition", undefined],
  ["DELETE", "/v2/positions/{symbol_or_asset_id}", "deleteOpenPosition", "position.close"],
  ["POST", "/v2/positions/{symbol_or_contract_id}/exercise", "optionExercise", "position.exercise"],
  [
    "POST",
    "/v2/positions/{symbol_or_contract_id}/do-not-exercise",
    "optionDoNotExercise",
    "position.do_not_exercise",
  ],
  // assets, options contracts, fixed income
  ["GET", "/v2/assets", "get-v2-assets", undefined, "bulk"],
  ["GET", "/v2/assets/fixed_income/us_corporates", "UsCorporates", undefined, "bulk"],
  ["GET", "/v2/assets/fixed_income/us_treasuries", "UsTreasuries", undefined, "bulk"],
  ["GET", "/v2/assets/{symbol_or_asset_id}", "get-v2-assets-symbol_or_asset_id", undefined],
  ["GET", "/v2/options/contracts", "get-options-contracts", undefined, "bulk"],
  ["GET", "/v2/options/contracts/{symbol_or_id}", "get-option-contract-symbol_or_id", undefined],
  // market clock and calendar
  ["GET", "/v2/clock", "LegacyClock", undefined],
  ["GET", "/v3/clock", "Clock", undefined],
  ["GET", "/v2/calendar", "LegacyCalendar", undefined],
  ["GET", "/v3/calendar/{market}", "Calendar", undefined],
  // watchlists
  ["GET", "/v2/watchlists", "getWatchlists", undefined],
  ["POST", "/v2/watchlists", "postWatchlist", "watchlist.create", "read"],
  ["GET", "/v2/watchlists:by_name", "getWatchlistByName", undefined],
  ["POST", "/v2/watchlists:by_name", "addAssetToWatchlistByName", "watchlist.add_asset", "read"],
  ["PUT", "/v2/watchlists:by_name", "updateWatchlistByName", "watchlist.update", "read"],
  ["DELETE", "/v2/watchlists:by_name", "deleteWatchlistByName", "watchlist.delete", "read"],
  ["GET", "/v2/watchlists/{watchlist_id}", "getWatchlistById", undefined],
  ["POST", "/v2/watchlists/{watchlist_id}", "addAssetToWatchlist", "watchlist.add_asset", "read"],
  ["PUT", "/v2/watchlists/{watchlist_id}", "updateWatchlistById", "watchlist.update", "read"],
  ["DELETE", "/v2/watchlists/{watchlist_id}", "deleteWatchlistById", "watchlist.delete", "read"],
  [
    "DELETE",
    "/v2/watchlists/{watchlist_id}/{symbol}",
    "removeAssetFromWatchlist",
    "watchlist.remove_asset",
    "read",
  ],
  // corporate actions announcements
  ["GET", "/v2/corporate_actions/announcements", "get-v2-corporate_actions-announcements", undefined, "bulk"],
  ["GET", "/v2/corporate_actions/announcements/{id}", "get-v2-corporate_actions-announcements-id", undefined],
  // crypto funding wallets and transfers
  ["GET", "/v2/wallets", "listCryptoFundingWallets", undefined],
  ["GET", "/v2/wallets/fees/estimate", "getCryptoTransferEstimate", undefined],
  ["GET", "/v2/wallets/transfers", "listCryptoFundingTransfers", undefined],
  ["POST", "/v2/wallets/transfers", "createCryptoTransferForAccount", "wallet.transfer"],
  ["GET", "/v2/wallets/transfers/{transfer_id}", "getCryptoFundingTransfer", undefined],
  ["GET", "/v2/wallets/whitelists", "listWhitelistedAddress", undefined],
  ["POST", "/v2/wallets/whitelists", "createWhitelistedAddress", "wallet.whitelist_add"],
  [
    "DELETE",
    "/v2/wallets/whitelists/{whitelisted_address_id}",
    "deleteWhitelistedAddress",
    "wallet.whitelist_remove",
  ],
  // crypto perpetuals: account, leverage, funding wallets
  ["GET", "/v2/perpetuals/account_vitals", "getCryptoPerpAccountVitals", undefined],
  ["GET", "/v2/perpetuals/leverage", "getCryptoPerpAccountLeverage", undefined],
  ["POST", "/v2/perpetuals/leverage", "setCryptoPerpAccountLeverage", "perpetuals.set_leverage"],
  ["GET", "/v2/perpetuals/wallets", "listCryptoPerpFundingWallets", undefined],
  ["GET", "/v2/perpetuals/wallets/fees/estimate", "getCryptoPerpTransferEstimate", undefined],
  ["GET", "/v2/perpetuals/wallets/transfers", "listCryptoPerpFundingTransfers", undefined],
  ["POST", "/v2/perpetuals/wallets/transfers", "createCryptoPerpTransferForAccount", "wallet.transfer"],
  ["GET", "/v2/perpetuals/wallets/transfers/{transfer_id}", "getCryptoPerpFundingTransfer", undefined],
  ["GET", "/v2/perpetuals/wallets/whitelists", "listWhitelistedPerpAddress", undefined],
  ["POST", "/v2/perpetuals/wallets/whitelists", "createWhitelistedPerpAddress", "wallet.whitelist_add"],
  [
    "DELETE",
    "/v2/perpetuals/wallets/whitelists/{whitelisted_address_id}",
    "deleteWhitelistedPerpAddress",
    "wallet.whitelist_remove",
  ],
  // tokenization
  ["POST", "/v2/tokenization/mint", "postTokenizationMint", "tokenization.mint"],
  ["GET", "/v2/tokenization/requests", "getTokenizationRequests", undefined],
  // short-sale locates
  ["GET", "/v1/locates", "listLocates", undefined],
  ["POST", "/v1/locates", "createLocates", "locate.create"],
  ["GET", "/v1/locates/quotes", "listLocateQuotes", undefined],
  ["GET", "/v1/locates/{locate_id}", "getLocate", undefined],
];

/** Repeating these has the effect of doing them once (a retry after an unknown outcome is safe). */
const IDEMPOTENT_CHANGES = new Set([
  "order.cancel",
  "order.cancel_all",
  "watchlist.update",
  "watchlist.delete",
]);

const build = ([method, template, operation, action, priority]: Def): TradingRoute => {
  const params: Record<string, ParamKind> = {};
  for (const m of template.matchAll(/\{([a-z_]+)\}/g)) {
    const kind = KINDS[m[1]!];
    if (!kind) throw new Error(`alpaca-routes: no parameter kind for ${m[1]} in ${template}`);
    params[m[1]!] = kind;
  }
  const read = method === "GET";
  return Object.freeze({
    method,
    template,
    operation,
    action,
    scope: read ? "read" : "trade",
    priority: priority ?? (read ? "read" : "order"),
    idempotent: read || method === "PUT" || (action !== undefined && IDEMPOTENT_CHANGES.has(action)),
    params: Object.freeze(params),
  });
};

/** Every trading route the gateway passes through, in Alpaca's order of documentation. */
export const TRADING_ROUTES: readonly TradingRoute[] = Object.freeze(DEFS.map(build));

/** Each template's segments: a literal string, or a parameter name (`{name}`). */
interface Compiled {
  readonly route: TradingRoute;
  readonly parts: readonly ({ readonly literal: string } | { readonly param: string })[];
  /** Literal parts: the more, the more specific (`/v2/assets/fixed_income/...` beats `/v2/assets/{id}`). */
  readonly literals: number;
}

const byMethodAndLength = new Map<string, Compiled[]>();
for (const route of TRADING_ROUTES) {
  const parts = route.template
    .slice(1)
    .split("/")
    .map((s) => (s.startsWith("{") ? { param: s.slice(1, -1) } : { literal: s }));
  const c: Compiled = { route, parts, literals: parts.filter((p) => "literal" in p).length };
  const key = `${route.method} ${parts.length}`;
  byMethodAndLength.set(key, [...(byMethodAndLength.get(key) ?? []), c]);
}
// most specific first: the first match is the one to take
for (const list of byMethodAndLength.values()) list.sort((a, b) => b.literals - a.literals);

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

function matchParts(c: Compiled, segs: readonly string[]): Record<string, string> | undefined {
  if (c.parts.length !== segs.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of c.parts.entries()) {
    const seg = segs[i]!;
    if ("literal" in part) {
      if (seg !== part.literal) return undefined;
    } else {
      const value = decode(seg);
      if (value === undefined || value === "") return undefined;
      params[part.param] = value;
    }
  }
  return params;
}

/**
 * The route a canonical path (after `/v1/accounts/{id}`, without the query) names, with
 * its decoded parameters; undefined when no route of the table has this method and path.
 * Literal templates win over parameterised ones (`/v2/assets/fixed_income/...`).
 */
export function matchTradingRoute(method: string, canonicalPath: string): MatchedTradingRoute | undefined {
  if (!canonicalPath.startsWith("/")) return undefined;
  return matchTradingSegments(method, canonicalPath.slice(1).split("/"));
}

/** The same for the raw segments of a canonical target (what the route has already split). */
export function matchTradingSegments(
  method: string,
  segs: readonly string[],
): MatchedTradingRoute | undefined {
  for (const c of byMethodAndLength.get(`${method} ${segs.length}`) ?? []) {
    const params = matchParts(c, segs);
    if (!params) continue;
    const upstreamPath = `/${c.parts
      .map((p) => ("literal" in p ? p.literal : encodeURIComponent(params[p.param]!)))
      .join("/")}`;
    return { route: c.route, params, upstreamPath };
  }
  return undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Equity, crypto (`BTC/USD`), option (OCC) symbols, and asset ids. */
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9./:_-]{0,63}$/;
const CHECKS: Readonly<Record<ParamKind, RegExp>> = {
  uuid: UUID,
  symbol: SYMBOL,
  symbol_or_id: SYMBOL,
  activity_type: /^[A-Za-z_]{2,16}$/,
  market: /^[A-Za-z0-9_]{1,16}$/,
};

/**
 * Checks a matched route's parameters the way Alpaca does: a malformed id is 422 with
 * code 40010001, naming the parameter. Run after authentication (a stranger learns nothing).
 */
export function checkRouteParams(match: MatchedTradingRoute): void {
  for (const [name, kind] of Object.entries(match.route.params)) {
    const value = match.params[name] ?? "";
    if (!CHECKS[kind].test(value)) {
      const what = kind === "uuid" ? "must be a UUID" : `is not a valid ${kind.replace(/_/g, " ")}`;
      throw new PaddockError("PADDOCK_ID_INVALID", { detail: `${name}: ${what}` });
    }
  }
}
