/**
 * Gateway-native routes over many accounts: `GET /v1/accounts`, `GET /v1/portfolio`.
 * Portfolio sums are exact decimals (decimal.js), never floats, answered as Alpaca-style
 * decimal strings: 0.1 + 0.2 shares is "0.3".
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Account } from "../../accounts/types.js";
import { allowedAccounts } from "../../auth/authorize.js";
import { accountView, pageAccounts, parseAccountQuery } from "../../fleet/account-query.js";
import {
  createPortfolioSnapshots,
  type PortfolioSnapshots,
  snapshotAges,
} from "../../fleet/portfolio-snapshots.js";
import { Decimal, decimalOr0, decimalString } from "../../trading/decimal.js";
import type { RouteDeps } from "../route-deps.js";

export interface FleetRouteDeps extends RouteDeps {
  /** Per-account portfolio snapshots (src/fleet/portfolio-snapshots.ts); a fresh cache when absent. */
  readonly snapshots?: PortfolioSnapshots;
  /** True while the global kill switch holds every account (shown as each account's status). */
  readonly globalHalt?: () => boolean;
}

export function fleetRoutes(deps: FleetRouteDeps): FastifyPluginAsync {
  const snapshots = deps.snapshots ?? createPortfolioSnapshots({ now: deps.now });
  return async (app) => {
    /** The accounts the caller may read (tag grants resolved), filtered and paged by the query. */
    const callerPage = async (request: FastifyRequest) => {
      const principal = await deps.auth.authenticate(request, { scope: "read" });
      const query = parseAccountQuery(request.query as Record<string, unknown>);
      const all = deps.fleet.list();
      const byId = new Map(all.map((a) => [a.id, a]));
      const ids = allowedAccounts(
        principal,
        all.map((a) => a.id),
        (id) => byId.get(id)?.tags ?? [],
      );
      return pageAccounts(
        ids.map((id) => byId.get(id)).filter((a): a is Account => a !== undefined),
        query,
        deps.globalHalt?.() ?? false,
      );
    };

    app.get("/v1/accounts", async (request) => {
      const page = await callerPage(request);
      return {
        accounts: page.items.map((a) => accountView(a, deps.globalHalt?.() ?? false)),
        next_cursor: page.nextCursor,
        total: page.total,
        global_halt: deps.globalHalt?.() ?? false,
      };
    });

    app.get("/v1/portfolio", async (request) => {
      const page = await callerPage(request);
      const results = await snapshots.get(page.items);
      let equity = new Decimal(0);
      let cash = new Decimal(0);
      const bySymbol = new Map<
        string,
        { qty: Decimal; market_value: Decimal; unrealized_pl: Decimal; accounts: string[] }
      >();
      for (const r of results) {
        if (!r.ok) continue;
        equity = equity.plus(decimalOr0(r.account.equity));
        cash = cash.plus(decimalOr0(r.account.cash));
        for (const p of r.positions) {
          const agg = bySymbol.get(p.symbol) ?? {
            qty: new Decimal(0),
            market_value: new Decimal(0),
            unrealized_pl: new Decimal(0),
            accounts: [],
          };
          // Alpaca reports a short position's qty as negative already
          agg.qty = agg.qty.plus(decimalOr0(p.qty));
          agg.market_value = agg.market_value.plus(decimalOr0(p.market_value));
          agg.unrealized_pl = agg.unrealized_pl.plus(decimalOr0(p.unrealized_pl));
          agg.accounts.push(r.id);
          bySymbol.set(p.symbol, agg);
        }
      }
      return {
        totals: {
          equity: decimalString(equity),
          cash: decimalString(cash),
          accounts: results.length,
          accounts_failed: results.filter((r) => !r.ok).length,
        },
        positions: [...bySymbol.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([symbol, p]) => ({
            symbol,
            qty: decimalString(p.qty),
            market_value: decimalString(p.market_value),
            unrealized_pl: decimalString(p.unrealized_pl),
            accounts: p.accounts,
          })),
        accounts: results.map((r) =>
          r.ok
            ? {
                id: r.id,
                mode: r.mode,
                status: "ok",
                equity: r.account.equity,
                cash: r.account.cash,
                buying_power: r.account.buying_power,
                last_equity: r.account.last_equity,
                positions: r.positions,
                as_of: new Date(r.at).toISOString(),
              }
            : {
                id: r.id,
                mode: r.mode,
                status: "error",
                error: r.error,
                as_of: new Date(r.at).toISOString(),
              },
        ),
        next_cursor: page.nextCursor,
        total_accounts: page.total,
        snapshot: snapshotAges(results, snapshots.options.freshMs, deps.now()),
      };
    });
  };
}
