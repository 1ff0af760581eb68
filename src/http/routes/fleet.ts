/** Gateway-native routes over many accounts: `GET /v1/accounts`, `GET /v1/portfolio`. */
import type { FastifyPluginAsync } from "fastify";
import type { Account } from "../../accounts/types.js";
import { allowedAccounts } from "../../auth/authorize.js";
import { mapLimit } from "../../fleet/map-limit.js";
import type { RouteDeps } from "../route-deps.js";

const PORTFOLIO_CONCURRENCY = 16;

interface AlpacaPosition {
  symbol: string;
  qty: string;
  market_value: string;
  unrealized_pl: string;
  side: string;
}

async function fetchJson(account: Account, path: string): Promise<unknown> {
  const res = await account.request({
    method: "GET",
    path,
    kind: "trading",
    priority: "bulk",
    idempotent: true,
  });
  if (res.status !== 200)
    throw new Error(`${path} answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString());
}

const money = (n: number): string => n.toFixed(2);

export function fleetRoutes(deps: RouteDeps): FastifyPluginAsync {
  return async (app) => {
    const callerAccounts = async (request: Parameters<RouteDeps["auth"]["authenticate"]>[0]) => {
      const principal = await deps.auth.authenticate(request, { scope: "read" });
      const ids = allowedAccounts(
        principal,
        deps.fleet.list().map((a) => a.id),
      );
      return ids.map((id) => deps.fleet.get(id)).filter((a): a is Account => a !== undefined);
    };

    app.get("/v1/accounts", async (request) => {
      const accounts = await callerAccounts(request);
      return {
        accounts: accounts.map((a) => {
          const s = a.status();
          return {
            id: a.id,
            mode: a.mode,
            tags: a.tags,
            status: s.halted ? "halted" : s.breaker === "open" ? "unavailable" : "active",
            budget: {
              limit_per_minute: s.budget.limit,
              remaining: s.budget.remaining,
              reset_at: new Date(s.budget.resetAt).toISOString(),
              queued: s.budget.queued,
            },
            breaker: s.breaker,
            halted: s.halted,
            last_upstream_error: s.lastError ?? null,
          };
        }),
      };
    });

    app.get("/v1/portfolio", async (request) => {
      const accounts = await callerAccounts(request);
      const results = await mapLimit(accounts, PORTFOLIO_CONCURRENCY, async (a) => {
        try {
          const [acct, positions] = await Promise.all([
            fetchJson(a, "/v2/account") as Promise<Record<string, string>>,
            fetchJson(a, "/v2/positions") as Promise<AlpacaPosition[]>,
          ]);
          return { id: a.id, mode: a.mode, ok: true as const, account: acct, positions };
        } catch (err) {
          return {
            id: a.id,
            mode: a.mode,
            ok: false as const,
            error: err instanceof Error ? err.message : String(err),
          };
        }
      });
      let equity = 0;
      let cash = 0;
      const bySymbol = new Map<
        string,
        { qty: number; market_value: number; unrealized_pl: number; accounts: string[] }
      >();
      for (const r of results) {
        if (!r.ok) continue;
        equity += Number(r.account.equity ?? 0);
        cash += Number(r.account.cash ?? 0);
        for (const p of r.positions) {
          const agg = bySymbol.get(p.symbol) ?? { qty: 0, market_value: 0, unrealized_pl: 0, accounts: [] };
          agg.qty += Number(p.qty);
          agg.market_value += Number(p.market_value);
          agg.unrealized_pl += Number(p.unrealized_pl);
          agg.accounts.push(r.id);
          bySymbol.set(p.symbol, agg);
        }
      }
      return {
        totals: {
          equity: money(equity),
          cash: money(cash),
          accounts: results.length,
          accounts_failed: results.filter((r) => !r.ok).length,
        },
        positions: [...bySymbol.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([symbol, p]) => ({
            symbol,
            qty: String(p.qty),
            market_value: money(p.market_value),
            unrealized_pl: money(p.unrealized_pl),
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
                positions: r.positions,
              }
            : { id: r.id, mode: r.mode, status: "error", error: r.error },
        ),
      };
    });
  };
}
