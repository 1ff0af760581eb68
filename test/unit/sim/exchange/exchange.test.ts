import { describe, expect, it } from "vitest";
import { SimApiError } from "../../../../src/sim/sim-error.js";
import { exchangeFixture } from "./fixture.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

function apiError(fn: () => unknown): SimApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimApiError) return err;
    throw err;
  }
  throw new Error("expected an API error");
}

describe("order state machine", () => {
  it("fills a market order at the current price while the session is open", () => {
    const f = exchangeFixture();
    const o = f.order("K", { symbol: "AAPL", qty: 10, side: "buy" });
    expect(o.status).toBe("filled");
    expect(o.filledQty).toBe(10);
    expect(o.filledNotional).toBe(1000);
    expect(f.updates.map((u) => `${u.update.event}:${u.status}`)).toEqual(["new:new", "fill:filled"]);
    const a = f.exchange.account("K");
    expect(a.cash).toBe(99_000);
    expect(a.positions.get("AAPL")?.qty).toBe(10);
  });

  it("queues a market order as accepted when closed and fills it at the open", () => {
    const f = exchangeFixture({ startMs: Date.parse("2024-06-11T22:00:00Z") }); // 18:00 ET
    const o = f.order("K", { symbol: "AAPL", qty: 1, side: "buy" });
    expect(o.status).toBe("accepted");
    f.advance(14 * HOUR); // 08:00 ET next day: pre-market, still closed
    expect(o.status).toBe("accepted");
    f.advance(2 * HOUR); // 10:00 ET
    expect(o.status).toBe("filled");
  });

  it("rejects a queued buy at the open when prices moved past its buying power", () => {
    const f = exchangeFixture({ cash: 10_000, startMs: Date.parse("2024-06-11T22:00:00Z") }); // bp 20,000
    const o = f.order("K", { symbol: "AAPL", qty: 150, side: "buy" }); // 15,000 at $100
    const ok = f.order("K", { symbol: "MSFT", qty: 1, side: "buy" });
    expect(o.status).toBe("accepted");
    f.prices.set("AAPL", 200); // now 30,000
    f.advance(16 * HOUR); // 10:00 ET next day
    expect(o.status).toBe("rejected");
    expect(o.failedAt).toBeDefined();
    expect(ok.status).toBe("filled");
    expect(f.updates.filter((u) => u.update.order === o).map((u) => u.update.event)).toEqual([
      "new",
      "rejected",
    ]);
  });

  it("fills an extended-hours limit order after the close", () => {
    const f = exchangeFixture({ startMs: Date.parse("2024-06-11T21:00:00Z") }); // 17:00 ET
    const o = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 101,
      extended_hours: true,
    });
    expect(o.status).toBe("filled");
  });

  it("expires a day order at the close and keeps a gtc order", () => {
    const f = exchangeFixture();
    const day = f.order("K", { symbol: "AAPL", qty: 1, side: "buy", type: "limit", limit_price: 90 });
    const gtc = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 90,
      time_in_force: "gtc",
    });
    expect(day.status).toBe("new");
    f.advance(6 * HOUR); // past 16:00 ET
    expect(day.status).toBe("expired");
    expect(day.expiredAt).toBeDefined();
    expect(gtc.status).toBe("new");
    expect(f.updates.some((u) => u.update.event === "expired" && u.update.order === day)).toBe(true);
  });

  it("expires a gtc order after 90 days, not before", () => {
    const f = exchangeFixture();
    const gtc = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 90,
      time_in_force: "gtc",
    });
    f.advance(80 * 24 * HOUR);
    expect(gtc.status).toBe("new");
    f.advance(11 * 24 * HOUR);
    expect(gtc.status).toBe("expired");
  });

  it("never expires day orders while the clock is forced open, and never fills while forced closed", () => {
    const f = exchangeFixture();
    f.clock.forceOpen(true);
    const day = f.order("K", { symbol: "AAPL", qty: 1, side: "buy", type: "limit", limit_price: 90 });
    f.advance(10 * HOUR);
    expect(day.status).toBe("new");
    f.setPrice("AAPL", 89);
    expect(day.status).toBe("filled");
    f.clock.forceOpen(false);
    f.clock.setAt(Date.parse("2024-06-12T15:00:00Z")); // a regular session, but forced closed
    const gtc = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 90,
      time_in_force: "gtc",
    });
    f.setPrice("AAPL", 80);
    expect(gtc.status).toBe("accepted");
    f.clock.forceOpen(undefined);
    f.exchange.evaluate();
    expect(gtc.status).toBe("filled");
  });

  it("triggers stop and stop_limit orders when the price crosses the stop", () => {
    const f = exchangeFixture();
    f.order("K", { symbol: "AAPL", qty: 5, side: "buy" });
    const stop = f.order("K", {
      symbol: "AAPL",
      qty: 2,
      side: "sell",
      type: "stop",
      stop_price: 95,
      time_in_force: "gtc",
    });
    const stopLimit = f.order("K", {
      symbol: "AAPL",
      qty: 2,
      side: "sell",
      type: "stop_limit",
      stop_price: 94,
      limit_price: 93.5,
      time_in_force: "gtc",
    });
    f.setPrice("AAPL", 96);
    expect(stop.status).toBe("new");
    f.setPrice("AAPL", 94);
    expect(stop.status).toBe("filled");
    expect(stopLimit.triggered).toBe(true);
    expect(stopLimit.status).toBe("filled");
    f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "sell",
      type: "stop_limit",
      stop_price: 90,
      limit_price: 89,
    });
    f.setPrice("AAPL", 88); // triggers but the limit (sell >= 89) is not met
    const last = f.exchange.account("K").orderLog.at(-1);
    expect(last?.triggered).toBe(true);
    expect(last?.status).toBe("new");
  });

  it("trails a trailing stop behind the high-water mark", () => {
    const f = exchangeFixture();
    f.order("K", { symbol: "AAPL", qty: 3, side: "buy" });
    const t = f.order("K", {
      symbol: "AAPL",
      qty: 3,
      side: "sell",
      type: "trailing_stop",
      trail_percent: 10,
      time_in_force: "gtc",
    });
    expect(t.stopPrice).toBe(90);
    f.setPrice("AAPL", 120);
    expect(t.hwm).toBe(120);
    expect(t.stopPrice).toBe(108);
    f.setPrice("AAPL", 110);
    expect(t.status).toBe("new");
    f.setPrice("AAPL", 107.9);
    expect(t.status).toBe("filled");
    expect(f.exchange.account("K").positions.has("AAPL")).toBe(false);
  });

  it("partially fills orders that are large relative to simulated volume", () => {
    const f = exchangeFixture({ liquidityNotional: 30_000 });
    const o = f.order("K", { symbol: "AAPL", qty: 700, side: "buy" }); // 300 shares per evaluation at $100
    expect(o.status).toBe("partially_filled");
    expect(o.filledQty).toBe(300);
    f.advance(1000);
    expect(o.filledQty).toBe(600);
    f.advance(1000);
    expect(o.status).toBe("filled");
    expect(f.updates.filter((u) => u.update.order === o).map((u) => u.update.event)).toEqual([
      "new",
      "partial_fill",
      "partial_fill",
      "fill",
    ]);
  });

  it("ioc fills what it can and cancels the rest; fok fills all or nothing", () => {
    const f = exchangeFixture({ liquidityNotional: 30_000 });
    const ioc = f.order("K", { symbol: "AAPL", qty: 500, side: "buy", time_in_force: "ioc" });
    expect(ioc.filledQty).toBe(300);
    expect(ioc.status).toBe("canceled");
    const fok = f.order("K", { symbol: "AAPL", qty: 500, side: "buy", time_in_force: "fok" });
    expect(fok.filledQty).toBe(0);
    expect(fok.status).toBe("canceled");
    const fokLimit = f.order("K", {
      symbol: "AAPL",
      qty: 5,
      side: "buy",
      type: "limit",
      limit_price: 99,
      time_in_force: "fok",
    });
    expect(fokLimit.status).toBe("canceled");
  });

  it("fills notional orders with fractional quantities", () => {
    const f = exchangeFixture();
    f.prices.set("AAPL", 300);
    const o = f.order("K", { symbol: "AAPL", notional: 100, side: "buy" });
    expect(o.status).toBe("filled");
    expect(o.filledQty).toBeCloseTo(0.333333333, 9);
    expect(o.qty).toBeUndefined();
  });

  it("replaces an open order and cancels orders, refusing to cancel a filled one", () => {
    const f = exchangeFixture();
    const o = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 90,
      time_in_force: "gtc",
    });
    const next = f.exchange.replace("K", o.id, {
      qty: 2,
      limitPrice: 91,
      timeInForce: undefined,
      stopPrice: undefined,
      trail: undefined,
      clientOrderId: undefined,
    });
    expect(o.status).toBe("replaced");
    expect(o.replacedBy).toBe(next.id);
    expect(next.replaces).toBe(o.id);
    expect(next.qty).toBe(2);
    f.exchange.cancel("K", next.id);
    expect(next.status).toBe("canceled");
    const filled = f.order("K", { symbol: "AAPL", qty: 1, side: "buy" });
    expect(apiError(() => f.exchange.cancel("K", filled.id)).status).toBe(422);
    expect(apiError(() => f.exchange.cancel("K", "nope")).status).toBe(404);
  });

  it("oco: the take-profit and the stop are both live and one cancels the other", () => {
    const f = exchangeFixture();
    f.order("K", { symbol: "AAPL", qty: 4, side: "buy" });
    const oco = f.order("K", {
      symbol: "AAPL",
      qty: 4,
      side: "sell",
      type: "limit",
      order_class: "oco",
      time_in_force: "gtc",
      take_profit: { limit_price: 110 },
      stop_loss: { stop_price: 95 },
    });
    const leg = f.exchange.account("K").orders.get(oco.legs[0] ?? "");
    expect(oco.status).toBe("new");
    expect(leg?.status).toBe("new");
    f.setPrice("AAPL", 94);
    expect(leg?.status).toBe("filled");
    expect(oco.status).toBe("canceled");
  });

  it("oto: the single leg waits (held) until the entry fills", () => {
    const f = exchangeFixture();
    const oto = f.order("K", {
      symbol: "AAPL",
      qty: 2,
      side: "buy",
      type: "limit",
      limit_price: 95,
      order_class: "oto",
      time_in_force: "gtc",
      stop_loss: { stop_price: 90 },
    });
    const leg = f.exchange.account("K").orders.get(oto.legs[0] ?? "");
    expect(leg?.status).toBe("held");
    f.setPrice("AAPL", 94);
    expect(oto.status).toBe("filled");
    expect(leg?.status).toBe("new");
    f.setPrice("AAPL", 89);
    expect(leg?.status).toBe("filled");
  });
  it("opg waits for the open and cls executes at the close price", () => {
    const f = exchangeFixture({ startMs: Date.parse("2024-06-11T12:00:00Z") }); // 08:00 ET
    const opg = f.order("K", { symbol: "AAPL", qty: 1, side: "buy", time_in_force: "opg" });
    expect(opg.status).toBe("accepted");
    f.advance(2 * HOUR); // 10:00 ET
    expect(opg.status).toBe("filled");
    const cls = f.order("K", { symbol: "AAPL", qty: 1, side: "buy", time_in_force: "cls" });
    f.setPrice("AAPL", 105);
    expect(cls.status).toBe("accepted"); // waits for the closing auction;
    f.advance(6 * HOUR + 5 * MIN); // just past 16:00 ET
    expect(cls.status).toBe("filled");
    expect(cls.filledNotional).toBe(105);
    const missed = f.order("K", {
      symbol: "AAPL",
      qty: 1,
      side: "buy",
      type: "limit",
      limit_price: 1,
      time_in_force: "opg",
    });
    f.advance(18 * HOUR); // the next open: the limit is not met, so it expires
    expect(missed.status).toBe("expired");
  });
});

describe("account rules", () => {
  it("refuses orders beyond buying power (403) and counts open orders against it", () => {
    const f = exchangeFixture({ cash: 10_000 }); // multiplier 2 → 20,000
    expect(apiError(() => f.order("K", { symbol: "AAPL", qty: 201, side: "buy" })).message).toContain(
      "buying power",
    );
    f.order("K", {
      symbol: "AAPL",
      qty: 150,
      side: "buy",
      type: "limit",
      limit_price: 90,
      time_in_force: "gtc",
    });
    const err = apiError(() => f.order("K", { symbol: "AAPL", qty: 100, side: "buy" }));
    expect(err.status).toBe(403);
    expect(err.code).toBe(40310000);
  });

  it("uses multiplier 1 under 2,000 equity and forbids shorting there", () => {
    const f = exchangeFixture({ cash: 1_500 });
    expect(f.exchange.metrics(f.exchange.account("K")).multiplier).toBe(1);
    expect(apiError(() => f.order("K", { symbol: "AAPL", qty: 1, side: "sell" })).message).toContain("short");
  });

  it("applies short-sale rules: shortable, easy to borrow, whole shares, no_shorting", () => {
    const f = exchangeFixture();
    const short = f.order("K", { symbol: "AAPL", qty: 5, side: "sell" });
    expect(short.status).toBe("filled");
    expect(f.exchange.account("K").positions.get("AAPL")?.qty).toBe(-5);
    expect(short.positionIntent).toBe("sell_to_open");
    expect(f.order("K", { symbol: "AAPL", qty: 2, side: "buy" }).positionIntent).toBe("buy_to_close");
    expect(apiError(() => f.order("K", { symbol: "MSFT", qty: 0.5, side: "sell" })).message).toContain(
      "fractional",
    );
    f.exchange.account("K2").config.no_shorting = true;
    expect(apiError(() => f.order("K2", { symbol: "AAPL", qty: 1, side: "sell" })).message).toContain(
      "no_shorting",
    );
  });

  it("refuses selling more than the long position holds, counting open sells", () => {
    const f = exchangeFixture();
    f.order("K", { symbol: "AAPL", qty: 5, side: "buy" });
    f.order("K", {
      symbol: "AAPL",
      qty: 3,
      side: "sell",
      type: "limit",
      limit_price: 200,
      time_in_force: "gtc",
    });
    const err = apiError(() => f.order("K", { symbol: "AAPL", qty: 3, side: "sell" }));
    expect(err.status).toBe(403);
    expect(err.message).toContain("insufficient qty available");
  });

  it("rejects a 4th day trade within 5 business days under 25,000 equity (PDT, 403)", () => {
    const f = exchangeFixture({ cash: 20_000 });
    for (let i = 0; i < 3; i++) {
      f.order("K", { symbol: "AAPL", qty: 1, side: "buy" });
      f.order("K", { symbol: "AAPL", qty: 1, side: "sell" });
    }
    expect(f.exchange.metrics(f.exchange.account("K")).daytradeCount).toBe(3);
    f.order("K", { symbol: "AAPL", qty: 1, side: "buy" });
    const err = apiError(() => f.order("K", { symbol: "AAPL", qty: 1, side: "sell" }));
    expect(err.status).toBe(403);
    expect(err.code).toBe(40310100);
    expect(err.message).toContain("pattern day trading");
    // the next trading day the position was not opened today: closing it is not a day trade
    f.advance(24 * HOUR);
    expect(f.order("K", { symbol: "AAPL", qty: 1, side: "sell" }).status).toBe("filled");
    // a week later the old day trades have rolled out of the window
    f.advance(7 * 24 * HOUR);
    expect(f.exchange.metrics(f.exchange.account("K")).daytradeCount).toBe(0);
  });

  it("does not apply PDT at or above 25,000 equity", () => {
    const f = exchangeFixture({ cash: 50_000 });
    for (let i = 0; i < 5; i++) {
      f.order("K", { symbol: "AAPL", qty: 1, side: "buy" });
      expect(f.order("K", { symbol: "AAPL", qty: 1, side: "sell" }).status).toBe("filled");
    }
    expect(f.exchange.metrics(f.exchange.account("K")).daytradeCount).toBe(5);
  });

  it("keeps client_order_id unique per account forever, but not across accounts", () => {
    const f = exchangeFixture();
    f.order("A", { symbol: "AAPL", qty: 1, side: "buy", client_order_id: "x" });
    const err = apiError(() => f.order("A", { symbol: "AAPL", qty: 1, side: "buy", client_order_id: "x" }));
    expect(err.status).toBe(422);
    expect(f.order("B", { symbol: "AAPL", qty: 1, side: "buy", client_order_id: "x" }).status).toBe("filled");
    expect(f.exchange.ordersByClientOrderId.get("x")).toBe(2);
  });

  it("refuses unknown symbols, naming the field", () => {
    const f = exchangeFixture();
    const err = apiError(() => f.order("K", { symbol: "ZZZZZ", qty: 1, side: "buy" }));
    expect(err.status).toBe(422);
    expect(err.message).toContain("symbol");
  });
});
