/**
 * The official SDK (@alpacahq/alpaca-trade-api) against the simulator over real sockets: every
 * trading endpoint parsed by the SDK's typed models, the trading stream through the SDK's stream
 * class, the 429 path and fault injection.
 */
import {
  ApiError,
  FetchError,
  OrdersApi,
  RateLimitError,
  streaming,
  trading,
  ValidationError,
} from "@alpacahq/alpaca-trade-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimHandle, simControl, startTestSim } from "../helpers/start-sim.js";

let sim: SimHandle;
let keyCounter = 0;

function client(opts: { keyId?: string; timeoutMs?: number; sim?: SimHandle } = {}) {
  const keyId = opts.keyId ?? `CONF${++keyCounter}`;
  const config = new trading.Configuration({
    basePath: (opts.sim ?? sim).url,
    keyId,
    secret: "conformance-secret",
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
  });
  return {
    keyId,
    account: new trading.AccountsApi(config),
    configs: new trading.AccountConfigurationsApi(config),
    orders: new OrdersApi(config),
    positions: new trading.PositionsApi(config),
    assets: new trading.AssetsApi(config),
    clock: new trading.ClockApi(config),
    calendar: new trading.CalendarApi(config),
    activities: new trading.AccountActivitiesApi(config),
    history: new trading.PortfolioHistoryApi(config),
    watchlists: new trading.WatchlistsApi(config),
  };
}

const isDate = (d: unknown): boolean => d instanceof Date && !Number.isNaN(d.getTime());
const isDecimal = (s: unknown): boolean => typeof s === "string" && /^-?\d+(\.\d+)?$/.test(s);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  sim = await startTestSim();
  await simControl(sim, "POST", "clock", { open: true });
});
afterAll(async () => {
  await sim.close();
});

describe("account", () => {
  it("parses the account with string money fields and a real created_at", async () => {
    const c = client();
    const a = await c.account.getAccount();
    expect(trading.instanceOfAccount(a)).toBe(true);
    expect(a.status).toBe("ACTIVE");
    expect(a.cash).toBe("100000");
    expect(a.equity).toBe("100000");
    expect(a.buyingPower).toBe("400000");
    expect(a.multiplier).toBe("4");
    expect(isDate(a.createdAt)).toBe(true);
    expect((a as unknown as Record<string, unknown>).daytrade_count).toBe(0);
  });

  it("reads and patches account configurations, naming a bad field", async () => {
    const c = client();
    const cfg = await c.configs.getAccountConfig();
    expect(cfg.noShorting).toBe(false);
    const patched = await c.configs.patchAccountConfig({
      accountConfigurations: { noShorting: true, maxMarginMultiplier: "2" },
    });
    expect(patched.noShorting).toBe(true);
    expect(patched.maxMarginMultiplier).toBe("2");
    const acct = await c.account.getAccount();
    expect(acct.multiplier).toBe("2");
    expect(acct.shortingEnabled).toBe(false);
    const err = await rejection(
      c.configs.patchAccountConfig({ accountConfigurations: { maxMarginMultiplier: "3" } }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ApiError).message).toContain("max_margin_multiplier");
  });
});

describe("orders", () => {
  it("submits a market order that fills, finds it by id and client_order_id, and lists it", async () => {
    const c = client();
    const o = await c.orders.market({ symbol: "AAPL", qty: 2, side: "buy", clientOrderId: "conf-mkt-1" });
    expect(trading.instanceOfOrder(o)).toBe(true);
    expect(o.status).toBe("filled");
    expect(o.filledQty).toBe("2");
    expect(isDecimal(o.filledAvgPrice)).toBe(true);
    expect(isDate(o.createdAt) && isDate(o.filledAt)).toBe(true);
    const byId = await c.orders.getOrderByOrderID({ orderId: o.id ?? "" });
    expect(byId.clientOrderId).toBe("conf-mkt-1");
    const byCid = await c.orders.getOrderByClientOrderId({ clientOrderId: "conf-mkt-1" });
    expect(byCid.id).toBe(o.id);
    const closed = await c.orders.getAllOrders({ status: "closed", limit: 10 });
    expect(closed.map((x) => x.id)).toContain(o.id);
    const open = await c.orders.getAllOrders({ status: "open" });
    expect(open.map((x) => x.id)).not.toContain(o.id);
  });

  it("accepts quantities and prices as JSON numbers or strings", async () => {
    const c = client();
    for (const body of [
      { symbol: "MSFT", qty: 1, side: "buy", type: "limit", time_in_force: "gtc", limit_price: 1 },
      { symbol: "MSFT", qty: "1", side: "buy", type: "limit", time_in_force: "gtc", limit_price: "1.00" },
    ]) {
      const res = await fetch(`${sim.url}/v2/orders`, {
        method: "POST",
        headers: {
          "APCA-API-KEY-ID": c.keyId,
          "APCA-API-SECRET-KEY": "s",
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const o = trading.OrderFromJSON(await res.json());
      expect(o.qty).toBe("1");
      expect(o.limitPrice).toBe("1");
      expect(o.status).toBe("new");
    }
  });

  it("rejects a duplicate client_order_id with 422 forever, even after cancel", async () => {
    const c = client();
    const o = await c.orders.limit({
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      limitPrice: 1,
      clientOrderId: "dup-1",
      timeInForce: "gtc",
    });
    await c.orders.deleteOrderByOrderID({ orderId: o.id ?? "" });
    const err = await rejection(
      c.orders.limit({
        symbol: "AAPL",
        qty: 1,
        side: "buy",
        limitPrice: 1,
        clientOrderId: "dup-1",
        timeInForce: "gtc",
      }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).code).toBe(40010001);
    expect((err as ApiError).message).toContain("client_order_id");
    expect(sim.stats().orders.byClientOrderId["dup-1"]).toBe(1);
  });

  it("names the bad field in validation errors", async () => {
    const c = client();
    const cases: Array<[trading.PostOrderRequest, string, number]> = [
      [{ symbol: "NOPE", qty: "1", side: "buy", type: "market", timeInForce: "day" }, "symbol", 422],
      [{ symbol: "AAPL", qty: "0", side: "buy", type: "market", timeInForce: "day" }, "qty", 422],
      [{ symbol: "AAPL", qty: "1", side: "buy", type: "limit", timeInForce: "day" }, "limit_price", 422],
      [
        { symbol: "AAPL", qty: "1", notional: "10", side: "buy", type: "market", timeInForce: "day" },
        "notional",
        422,
      ],
      [
        { symbol: "AAPL", qty: "1", side: "buy", type: "market", timeInForce: "gtc", extendedHours: true },
        "extended",
        422,
      ],
    ];
    for (const [req, field, status] of cases) {
      const err = await rejection(c.orders.postOrder({ postOrderRequest: req }));
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(status);
      expect((err as ApiError).message).toContain(field);
    }
    const res = await fetch(`${sim.url}/v2/orders`, {
      method: "POST",
      headers: { "APCA-API-KEY-ID": c.keyId, "APCA-API-SECRET-KEY": "s", "content-type": "application/json" },
      body: JSON.stringify({ symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "weekly" }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toContain("time_in_force");
    const bad = await fetch(`${sim.url}/v2/orders`, {
      method: "POST",
      headers: { "APCA-API-KEY-ID": c.keyId, "APCA-API-SECRET-KEY": "s", "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: number }).code).toBe(40010001);
  });

  it("refuses an order beyond buying power with 403", async () => {
    const c = client();
    const err = await rejection(
      c.orders.limit({ symbol: "AAPL", qty: 100_000, side: "buy", limitPrice: 100 }),
    );
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).code).toBe(40310000);
    expect((err as ApiError).message).toContain("buying power");
  });

  it("replaces an order (new order with replaces; old one replaced with replaced_by)", async () => {
    const c = client();
    const o = await c.orders.limit({
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      limitPrice: 1,
      timeInForce: "gtc",
    });
    const next = await c.orders.patchOrderByOrderId({
      orderId: o.id ?? "",
      patchOrderRequest: { limitPrice: "2", qty: "3" },
    });
    expect(next.replaces).toBe(o.id);
    expect(next.limitPrice).toBe("2");
    expect(next.qty).toBe("3");
    const old = await c.orders.getOrderByOrderID({ orderId: o.id ?? "" });
    expect(old.status).toBe("replaced");
    expect(old.replacedBy).toBe(next.id);
    expect(isDate(old.replacedAt)).toBe(true);
  });

  it("cancels one order (204) and all orders (207 with id, status, body)", async () => {
    const c = client();
    const a = await c.orders.limit({
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      limitPrice: 1,
      timeInForce: "gtc",
    });
    await c.orders.deleteOrderByOrderID({ orderId: a.id ?? "" });
    expect((await c.orders.getOrderByOrderID({ orderId: a.id ?? "" })).status).toBe("canceled");
    const b = await c.orders.limit({
      symbol: "MSFT",
      qty: 1,
      side: "buy",
      limitPrice: 1,
      timeInForce: "gtc",
    });
    const d = await c.orders.limit({
      symbol: "NVDA",
      qty: 1,
      side: "buy",
      limitPrice: 1,
      timeInForce: "gtc",
    });
    const res = await c.orders.deleteAllOrders();
    expect(res.map((r) => r.id).sort()).toEqual([b.id, d.id].sort());
    expect(res.every((r) => r.status === 200)).toBe(true);
    const notFound = await rejection(
      c.orders.deleteOrderByOrderID({ orderId: "00000000-0000-0000-0000-000000000000" }),
    );
    expect((notFound as ApiError).status).toBe(404);
  });

  it("brackets: the entry fills, legs go live, and one exit cancels the other", async () => {
    const c = client();
    const price = Number((await c.orders.market({ symbol: "TSLA", qty: 1, side: "buy" })).filledAvgPrice);
    const o = await c.orders.bracket({
      symbol: "TSLA",
      qty: 5,
      side: "buy",

      timeInForce: "gtc",
      takeProfit: { limitPrice: Math.round(price * 110) / 100 },
      stopLoss: { stopPrice: Math.round(price * 90) / 100 },
    });
    expect(o.orderClass).toBe("bracket");
    expect(o.status).toBe("filled");
    expect(o.legs?.length).toBe(2);
    const nested = await c.orders.getAllOrders({ status: "open", nested: true });
    const parent = nested.find((x) => x.id === o.id);
    expect(parent).toBeUndefined(); // the filled entry is closed; its live legs are open
    await simControl(sim, "POST", "prices", { TSLA: (price * 1.2).toFixed(2) });
    const after = await c.orders.getOrderByOrderID({ orderId: o.id ?? "", nested: true });
    const statuses = (after.legs ?? []).map((l) => `${l.type}:${l.status}`).sort();
    expect(statuses).toEqual(["limit:filled", "stop:canceled"]);
    const pos = await c.positions.getOpenPosition({ symbolOrAssetId: "TSLA" });
    expect(pos.qty).toBe("1");
  });

  it("fills a resting limit when /_sim/prices crosses it", async () => {
    const c = client();
    const price = Number((await c.orders.market({ symbol: "NVDA", qty: 1, side: "buy" })).filledAvgPrice);
    const limit = Math.round(price * 95) / 100;
    const o = await c.orders.limit({
      symbol: "NVDA",
      qty: 1,
      side: "buy",
      limitPrice: limit,
      timeInForce: "day",
    });
    expect(o.status).toBe("new");
    await simControl(sim, "POST", "prices", { NVDA: (limit - 0.5).toFixed(2) });
    const filled = await c.orders.getOrderByOrderID({ orderId: o.id ?? "" });
    expect(filled.status).toBe("filled");
    expect(Number(filled.filledAvgPrice)).toBeLessThanOrEqual(limit);
  });
});

describe("positions", () => {
  it("lists, gets, partially closes by qty and percentage, and closes all (207)", async () => {
    const c = client();
    await c.orders.market({ symbol: "AAPL", qty: 10, side: "buy" });
    await c.orders.market({ symbol: "MSFT", qty: 4, side: "buy" });
    const all = await c.positions.getAllOpenPositions();
    expect(all.every((p) => trading.instanceOfPosition(p))).toBe(true);
    expect(all.map((p) => `${p.symbol}:${p.qty}:${p.side}`)).toEqual(["AAPL:10:long", "MSFT:4:long"]);
    await c.orders.limit({ symbol: "AAPL", qty: 4, side: "sell", limitPrice: 100_000, timeInForce: "gtc" });
    const one = await c.positions.getOpenPosition({ symbolOrAssetId: "AAPL" });
    expect(one.qty).toBe("10");
    expect(one.qtyAvailable).toBe("6");
    await c.orders.deleteAllOrders();
    expect(Number(one.marketValue)).toBeCloseTo(Number(one.qty) * Number(one.currentPrice), 1);
    const byQty = await c.positions.deleteOpenPosition({ symbolOrAssetId: "AAPL", qty: 3 });
    expect(byQty.side).toBe("sell");
    expect(byQty.qty).toBe("3");
    const byPct = await c.positions.deleteOpenPosition({ symbolOrAssetId: "AAPL", percentage: 50 });
    expect(byPct.qty).toBe("3.5");
    const closeAll = await c.positions.deleteAllOpenPositions({ cancelOrders: true });
    expect(closeAll.map((r) => `${r.symbol}:${r.status}`).sort()).toEqual(["AAPL:200", "MSFT:200"]);
    expect(await c.positions.getAllOpenPositions()).toEqual([]);
    const missing = await rejection(c.positions.getOpenPosition({ symbolOrAssetId: "AAPL" }));
    expect((missing as ApiError).status).toBe(404);
  });
});

describe("assets, clock, calendar", () => {
  it("lists 500+ assets with the attributes bots check, and finds one by symbol and id", async () => {
    const c = client();
    const assets = await c.assets.getV2Assets({ status: "active" });
    expect(assets.length).toBeGreaterThanOrEqual(500);
    expect(assets.every((a) => trading.instanceOfAssets(a))).toBe(true);
    const aapl = await c.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: "AAPL" });
    expect(aapl.exchange).toBe("NASDAQ");
    expect(aapl.fractionable && aapl.shortable && aapl.easyToBorrow && aapl.tradable).toBe(true);
    const again = await c.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: aapl.id });
    expect(again.symbol).toBe("AAPL");
  });

  it("lists option contracts for an underlying and gets one by symbol", async () => {
    const c = client();
    const page = await c.assets.getOptionsContracts({ underlyingSymbols: "AAPL", type: "call", limit: 5 });
    expect(page.optionContracts.length).toBe(5);
    expect(page.nextPageToken).toBeTruthy();
    const first = page.optionContracts[0];
    expect(first && trading.instanceOfOptionContract(first)).toBe(true);
    const one = await c.assets.getOptionContractSymbolOrId({ symbolOrId: first?.symbol ?? "" });
    expect(one.underlyingSymbol).toBe("AAPL");
    expect(isDate(one.expirationDate)).toBe(true);
  });

  it("reports the clock and an NYSE calendar", async () => {
    const c = client();
    const clock = await c.clock.legacyClock();
    expect(trading.instanceOfLegacyClock(clock)).toBe(true);
    expect(clock.isOpen).toBe(true); // forced open for this suite
    expect(clock.nextClose.getTime()).toBeGreaterThan(clock.timestamp.getTime() - 86_400_000 * 5);
    const days = await c.calendar.legacyCalendar({
      start: new Date("2024-12-20"),
      end: new Date("2024-12-31"),
    });
    expect(days.map((d) => d.date.toISOString().slice(0, 10))).toEqual([
      "2024-12-20",
      "2024-12-23",
      "2024-12-24",
      "2024-12-26",
      "2024-12-27",
      "2024-12-30",
      "2024-12-31",
    ]);
    expect(days.find((d) => d.date.toISOString().startsWith("2024-12-24"))?.close).toBe("13:00");
  });
});

describe("v3 clock and calendar", () => {
  it("reports the NYSE phase and sessions in the newer form", async () => {
    const c = client();
    const { clocks } = await c.clock.clock({ markets: "NYSE" });
    expect(clocks.length).toBe(1);
    expect(clocks[0]?.market.acronym).toBe("NYSE");
    expect(clocks[0]?.phase).toBe("core"); // forced open for this suite
    expect(isDate(clocks[0]?.phaseUntil) && isDate(clocks[0]?.nextMarketOpen)).toBe(true);
    const past = await c.clock.clock({ markets: "NYSE", time: new Date("2024-07-03T18:30:00Z") });
    expect(past.clocks[0]?.phase).toBe("post"); // 14:30 ET on an early-close day
    expect(past.clocks[0]?.phaseUntil.toISOString()).toBe("2024-07-03T21:00:00.000Z");
    const cal = await c.calendar.calendar({
      market: "NYSE",
      start: new Date("2024-07-01"),
      end: new Date("2024-07-05"),
    });
    expect(cal.calendar.map((d) => d.date.toISOString().slice(0, 10))).toEqual([
      "2024-07-01",
      "2024-07-02",
      "2024-07-03",
      "2024-07-05",
    ]);
    expect(cal.calendar[2]?.coreEnd.toISOString()).toBe("2024-07-03T17:00:00.000Z");
  });
});

describe("activities and portfolio history", () => {
  it("pages FILL activities with page_token and reports history consistent with equity", async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await c.orders.market({ symbol: "AAPL", qty: 1, side: "buy" });
    const first = await c.activities.getAccountActivities({ pageSize: 2 });
    expect(first.length).toBe(2);
    expect(first.every((a) => a.activityType === "FILL" && isDate(a.transactionTime))).toBe(true);
    const rest = await c.activities.getAccountActivities({ pageSize: 2, pageToken: first[1]?.id ?? "" });
    expect(rest.length).toBe(1);
    const fills = await c.activities.getAccountActivitiesByActivityType({ activityType: "FILL" });
    expect(fills.length).toBe(3);
    const history = await c.history.getAccountPortfolioHistory({ period: "1W", timeframe: "1D" });
    expect(trading.instanceOfPortfolioHistory(history)).toBe(true);
    expect(history.equity.length).toBe(history.timestamp.length);
    const acct = await c.account.getAccount();
    expect(history.equity[history.equity.length - 1]).toBeCloseTo(Number(acct.equity), 0);
  });
});

describe("watchlists", () => {
  it("creates, reads (by id and name), updates, adds, removes and deletes", async () => {
    const c = client();
    const w = await c.watchlists.postWatchlist({
      createWatchlistRequest: { name: "tech", symbols: ["AAPL", "MSFT"] },
    });
    expect(trading.instanceOfWatchlist(w)).toBe(true);
    expect(w.assets?.map((a) => a.symbol)).toEqual(["AAPL", "MSFT"]);
    expect((await c.watchlists.getWatchlists()).map((x) => x.name)).toEqual(["tech"]);
    expect((await c.watchlists.getWatchlistByName({ name: "tech" })).id).toBe(w.id);
    const added = await c.watchlists.addAssetToWatchlist({
      watchlistId: w.id,
      addAssetToWatchlistRequest: { symbol: "NVDA" },
    });
    expect(added.assets?.map((a) => a.symbol)).toEqual(["AAPL", "MSFT", "NVDA"]);
    const removed = await c.watchlists.removeAssetFromWatchlist({ watchlistId: w.id, symbol: "MSFT" });
    expect(removed.assets?.map((a) => a.symbol)).toEqual(["AAPL", "NVDA"]);
    const renamed = await c.watchlists.updateWatchlistById({
      watchlistId: w.id,
      updateWatchlistRequest: { name: "chips", symbols: ["NVDA"] },
    });
    expect(renamed.name).toBe("chips");
    await c.watchlists.deleteWatchlistByName({ name: "chips" });
    expect(await c.watchlists.getWatchlists()).toEqual([]);
    const gone = await rejection(c.watchlists.getWatchlistById({ watchlistId: w.id }));
    expect((gone as ApiError).status).toBe(404);
  });
});

describe("trading stream", () => {
  it("authenticates, listens and delivers new and fill events through the SDK stream class", async () => {
    const c = client();
    const stream = new streaming.TradingStream({
      url: `${sim.wsUrl}/stream`,
      credentials: { keyId: c.keyId, secret: "conformance-secret" },
      reconnect: false,
      pingIntervalMs: 0,
    });
    const updates: streaming.TradeUpdate[] = [];
    const listening = new Promise<void>((resolve) => stream.on("subscription", () => resolve()));
    stream.onConnect(() => stream.subscribeTradeUpdates());
    stream.onTradeUpdate((u) => updates.push(u));
    stream.connect();
    await listening;
    expect(sim.stats().streams[c.keyId]).toEqual({ trading: 1 });
    const o = await c.orders.market({ symbol: "AAPL", qty: 2, side: "buy" });
    await expect.poll(() => updates.map((u) => u.event)).toEqual(["new", "fill"]);
    const fill = updates[1];
    expect(fill?.order.id).toBe(o.id);
    expect(fill?.order.status).toBe("filled");
    expect(fill?.qty).toBe("2");
    expect(fill?.positionQty).toBe("2");
    expect(isDecimal(fill?.price)).toBe(true);
    expect(typeof fill?.executionId).toBe("string");
    expect(isDate(fill?.timestamp)).toBe(true);
    stream.disconnect();
    await expect.poll(() => sim.stats().streams[c.keyId]).toBeUndefined();
  });

  it("answers unauthorized to a bad key when keys are restricted", async () => {
    const restricted = await startTestSim({ keys: [{ keyId: "ONLY", secretKey: "right" }] });
    try {
      const stream = new streaming.TradingStream({
        url: `${restricted.wsUrl}/stream`,
        credentials: { keyId: "ONLY", secret: "wrong" },
        reconnect: false,
        pingIntervalMs: 0,
      });
      stream.connect();
      const result = await stream.waitForAuthenticationResult(5_000);
      expect(result.authenticated).toBe(false);
      expect(result.status).toBe("server_rejected");
      const good = new streaming.TradingStream({
        url: `${restricted.wsUrl}/stream`,
        credentials: { keyId: "ONLY", secret: "right" },
        reconnect: false,
        pingIntervalMs: 0,
      });
      good.connect();
      expect((await good.waitForAuthenticationResult(5_000)).authenticated).toBe(true);
      good.disconnect();
      const err = await rejection(client({ keyId: "ONLY", sim: restricted }).account.getAccount());
      expect((err as ApiError).status).toBe(401);
      expect((err as ApiError).code).toBe(40110000);
    } finally {
      await restricted.close();
    }
  });
});

describe("rate limit and faults", () => {
  it("answers 429 with Alpaca's code and X-RateLimit headers past the per-key budget", async () => {
    const small = await startTestSim({ rateLimitPerMinute: 3 });
    try {
      const c = client({ sim: small });
      for (let i = 0; i < 3; i++) await c.account.getAccount();
      const err = await rejection(c.account.getAccount());
      expect(err).toBeInstanceOf(RateLimitError);
      expect((err as ApiError).code).toBe(42910000);
      expect((err as ApiError).rateLimit?.limit).toBe(3);
      expect((err as ApiError).rateLimit?.remaining).toBe(0);
      expect((err as ApiError).rateLimit?.reset?.getTime()).toBeGreaterThan(Date.now());
      const other = client({ sim: small });
      await expect(other.account.getAccount()).resolves.toBeDefined();
      const stats = small.stats();
      expect(stats.rateLimited).toEqual({ total: 1, byKey: { [c.keyId]: 1 } });
      expect(stats.requests.byPath["GET /v2/account"]).toBe(5);
    } finally {
      await small.close();
    }
  });

  it("injects errors on matching paths and keys only, and never on /_sim/", async () => {
    const c = client();
    await simControl(sim, "POST", "faults", {
      errorRate: 1,
      status: 503,
      paths: ["/v2/acc*"],
      keys: [c.keyId],
    });
    try {
      const err = await rejection(c.account.getAccount());
      expect((err as ApiError).status).toBe(503);
      await expect(c.clock.legacyClock()).resolves.toBeDefined();
      await expect(client().account.getAccount()).resolves.toBeDefined();
      expect((await simControl(sim, "GET", "stats")).status).toBe(200);
    } finally {
      await simControl(sim, "DELETE", "faults");
    }
    await expect(c.account.getAccount()).resolves.toBeDefined();
  });

  it("timeoutRate performs the order and never answers; the order is there by client_order_id", async () => {
    const c = client({ timeoutMs: 400 });
    await simControl(sim, "POST", "faults", { timeoutRate: 1, paths: ["/v2/orders"] });
    try {
      const err = await rejection(
        c.orders.market({ symbol: "AAPL", qty: 1, side: "buy", clientOrderId: "ambiguous-1" }),
      );
      expect(err).toBeInstanceOf(Error);
    } finally {
      await simControl(sim, "DELETE", "faults");
    }
    const o = await c.orders.getOrderByClientOrderId({ clientOrderId: "ambiguous-1" });
    expect(o.status).toBe("filled");
    expect(sim.stats().orders.byClientOrderId["ambiguous-1"]).toBe(1);
  });

  it("resetRate destroys the socket", async () => {
    const c = client();
    await simControl(sim, "POST", "faults", { resetRate: 1, keys: [c.keyId] });
    try {
      const err = await rejection(c.account.getAccount());
      expect(err).toBeInstanceOf(FetchError);
    } finally {
      await simControl(sim, "DELETE", "faults");
    }
  });

  it("streamDrop closes open trading streams once", async () => {
    const c = client();
    const stream = new streaming.TradingStream({
      url: `${sim.wsUrl}/stream`,
      credentials: { keyId: c.keyId, secret: "s" },
      reconnect: false,
      pingIntervalMs: 0,
    });
    const connected = new Promise<void>((resolve) => stream.onConnect(() => resolve()));
    const dropped = new Promise<void>((resolve) => stream.onDisconnect(() => resolve()));
    stream.connect();
    await connected;
    expect(sim.stats().streams[c.keyId]?.trading).toBe(1);
    await simControl(sim, "POST", "faults", { streamDrop: true });
    await dropped;
    await expect.poll(() => sim.stats().streams[c.keyId]).toBeUndefined();
    await simControl(sim, "DELETE", "faults");
  });
});
