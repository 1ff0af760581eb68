/** `/v2/account`, `/v2/account/configurations`, `/v2/account/activities…`, `/v2/account/portfolio/history`. */
import { easternDate, tradingDays } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import { equityAt } from "../exchange/account-metrics.js";
import type { AccountConfig } from "../exchange/types.js";
import { badRequest, unprocessable } from "../sim-error.js";
import { ok, queryBool, queryEnum, queryInt, queryTime, type SimContext } from "./context.js";
import { accountWire, activityWire, money } from "./wire.js";

const ACTIVITY_TYPES = [
  "FILL",
  "TRANS",
  "MISC",
  "ACATC",
  "ACATS",
  "CSD",
  "CSW",
  "DIV",
  "FEE",
  "INT",
  "JNLC",
  "JNLS",
  "MA",
  "NC",
  "OPASN",
  "OPEXP",
  "OPXRC",
  "PTC",
  "REORG",
  "SPIN",
  "SPLIT",
];

type ConfigKey = keyof AccountConfig;
const CONFIG_ENUMS: Partial<Record<ConfigKey, readonly string[]>> = {
  dtbp_check: ["entry", "exit", "both"],
  pdt_check: ["entry", "exit", "both"],
  trade_confirm_email: ["all", "none"],
  max_margin_multiplier: ["1", "2", "4"],
};
const CONFIG_BOOLS: readonly ConfigKey[] = [
  "suspend_trade",
  "no_shorting",
  "fractional_trading",
  "ptp_no_exception_entry",
];

export function registerAccountRoutes(router: SimRouter, ctx: SimContext): void {
  const { exchange, clock, prices } = ctx;

  router.add("GET", "/v2/account", (req) => {
    const a = exchange.account(req.keyId);
    return ok(accountWire(a, exchange.metrics(a), easternDate(clock.now())));
  });

  router.add("GET", "/v2/account/configurations", (req) => ok({ ...exchange.account(req.keyId).config }));

  router.add("PATCH", "/v2/account/configurations", (req) => {
    const a = exchange.account(req.keyId);
    const body = req.body;
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw badRequest("request body must be a JSON object");
    const cfg = a.config as unknown as Record<string, unknown>;
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (!(k in cfg)) throw unprocessable(`${k}: unknown configuration`);
      const key = k as ConfigKey;
      const values = CONFIG_ENUMS[key];
      if (values) {
        const s = typeof v === "number" ? String(v) : v;
        if (typeof s !== "string" || !values.includes(s))
          throw unprocessable(
            `${k}: invalid value ${JSON.stringify(v)} (expected one of ${values.join(", ")})`,
          );
        next[k] = s;
      } else if (CONFIG_BOOLS.includes(key)) {
        if (typeof v !== "boolean") throw unprocessable(`${k}: must be a boolean`);
        next[k] = v;
      } else if (key === "max_options_trading_level") {
        if (v !== 0 && v !== 1 && v !== 2 && v !== 3) throw unprocessable(`${k}: must be 0, 1, 2 or 3`);
        next[k] = v;
      }
    }
    Object.assign(cfg, next);
    return ok({ ...a.config });
  });

  const activities = (keyId: string, q: URLSearchParams, onlyType: string | undefined) => {
    const a = exchange.account(keyId);
    const types = onlyType === undefined ? q.get("activity_types")?.split(",").filter(Boolean) : [onlyType];
    for (const t of types ?? [])
      if (!ACTIVITY_TYPES.includes(t))
        throw unprocessable(`activity_types: unknown activity type ${JSON.stringify(t)}`);
    const direction = queryEnum(q, "direction", ["asc", "desc"] as const) ?? "desc";
    const pageSize = queryInt(q, "page_size", 1, 100) ?? 100;
    const after = queryTime(q, "after");
    const until = queryTime(q, "until");
    const date = q.get("date")?.slice(0, 10);
    const token = q.get("page_token");
    let list = a.activities.filter(
      (f) =>
        (types === undefined || types.includes("FILL")) &&
        (after === undefined || f.transactionTime > after) &&
        (until === undefined || f.transactionTime < until) &&
        (date === undefined || easternDate(f.transactionTime) === date),
    );
    if (direction === "desc") list = [...list].reverse();
    if (token) {
      const i = list.findIndex((f) => f.id === token);
      if (i < 0) throw unprocessable(`page_token: unknown token ${JSON.stringify(token)}`);
      list = list.slice(i + 1);
    }
    return ok(list.slice(0, pageSize).map(activityWire));
  };

  router.add("GET", "/v2/account/activities", (req) => activities(req.keyId, req.query, undefined));
  router.add("GET", "/v2/account/activities/:activity_type", (req) => {
    const t = (req.params.activity_type ?? "").toUpperCase();
    if (!ACTIVITY_TYPES.includes(t))
      throw unprocessable(`activity_type: unknown activity type ${JSON.stringify(t)}`);
    return activities(req.keyId, req.query, t);
  });

  router.add("GET", "/v2/account/portfolio/history", (req) => {
    const a = exchange.account(req.keyId);
    const q = req.query;
    const now = clock.now();
    const timeframe = queryEnum(q, "timeframe", ["1Min", "5Min", "15Min", "1H", "1D"] as const);
    const period = q.get("period") ?? undefined;
    const periodMatch = period === undefined ? null : /^(\d+)(D|W|M|A)$/.exec(period);
    if (period !== undefined && !periodMatch)
      throw unprocessable(`period: invalid value ${JSON.stringify(period)}`);
    void queryBool(q, "extended_hours");
    const end = queryTime(q, "end") ?? now;
    const periodDays = periodMatch
      ? Number(periodMatch[1]) *
        ({ D: 1, W: 7, M: 30, A: 365 } as const)[periodMatch[2] as "D" | "W" | "M" | "A"]
      : 30;
    const start = queryTime(q, "start") ?? end - periodDays * 86_400_000;
    const tf = timeframe ?? (end - start <= 86_400_000 * 1.5 ? "15Min" : "1D");
    const stamps: number[] = [];
    if (tf === "1D") {
      for (const d of tradingDays(easternDate(start), easternDate(end)))
        if (d.closeMs <= end) stamps.push(d.closeMs);
      if (stamps.length === 0 || (stamps[stamps.length - 1] ?? 0) < end) stamps.push(end);
    } else {
      const step = { "1Min": 60_000, "5Min": 300_000, "15Min": 900_000, "1H": 3_600_000 }[tf];
      let t = Math.ceil(start / step) * step;
      for (; t <= end && stamps.length < 5_000; t += step) stamps.push(t);
    }
    const base = equityAt(a, start, (s, t) => prices.priceAt(s, t));
    const equity = stamps.map((t) => Math.round(equityAt(a, t, (s, u) => prices.priceAt(s, u)) * 100) / 100);
    return ok({
      timestamp: stamps.map((t) => Math.floor(t / 1000)),
      equity,
      profit_loss: equity.map((e) => Math.round((e - base) * 100) / 100),
      profit_loss_pct: equity.map((e) => (base === 0 ? 0 : Math.round(((e - base) / base) * 1e6) / 1e6)),
      base_value: Number(money(base)),
      base_value_asof: easternDate(start),
      timeframe: tf,
      cashflow: {},
    });
  });
}
