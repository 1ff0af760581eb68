/**
 * Gateway-native routes over many accounts: `GET /v1/accounts`, `GET /v1/portfolio`.
 * Portfolio sums are exact decimals (decimal.js), never floats, answered as Alpaca-style
 * decimal strings: 0.1 + 0.2 shares is "0.3".
 */
import type { FastifyPluginAsync } from "fastify";
import type { Account } from "../../accounts/types.js";
import { allowedAccounts } from "../../auth/authorize.js";
import { Decimal, decimalOr0, decimalString } from "../../trading/decimal.js";
import type { RouteDeps } from "../route-deps.js";

const PORTFOLIO_CONCURRENCY = 16;

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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
                positions: r.positions,
              }
            : { id: r.id, mode: r.mode, status: "error", error: r.error },
        ),
      };
    });
  };
}
