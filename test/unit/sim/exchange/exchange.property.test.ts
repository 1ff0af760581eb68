/** Property tests: whatever sequence of orders, prices, cancels and time passes, the books stay consistent. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimApiError } from "../../../../src/sim/sim-error.js";
import { exchangeFixture } from "./fixture.js";

const SYMBOLS = ["AAPL", "MSFT", "TSLA"] as const;

const op = fc.oneof(
  fc.record({
    kind: fc.constant("order" as const),
    symbol: fc.constantFrom(...SYMBOLS),
    side: fc.constantFrom("buy", "sell"),
    type: fc.constantFrom("market", "limit", "stop", "trailing_stop"),
    tif: fc.constantFrom("day", "gtc", "ioc", "fok"),
    qty: fc.integer({ min: 1, max: 400 }),
    offset: fc.double({ min: -0.1, max: 0.1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("price" as const),
    symbol: fc.constantFrom(...SYMBOLS),
    factor: fc.double({ min: 0.8, max: 1.25, noNaN: true }),
  }),
  fc.record({ kind: fc.constant("cancel" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("time" as const), minutes: fc.integer({ min: 1, max: 600 }) }),
);

describe("exchange invariants", () => {
  it("never fills an order twice, keeps positions equal to fills and equity equal to cash + positions", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const f = exchangeFixture({ cash: 50_000, liquidityNotional: 20_000 });
        const a = f.exchange.account("K");
        for (const o of ops) {
          try {
            if (o.kind === "order") {
              const price = f.prices.get(o.symbol) ?? 50;
              const body: Record<string, unknown> = {
                symbol: o.symbol,
                side: o.side,
                type: o.type,
                time_in_force:
                  o.type === "trailing_stop" && (o.tif === "ioc" || o.tif === "fok") ? "gtc" : o.tif,
                qty: o.qty,
              };
              const level = Math.round(price * (1 + o.offset) * 100) / 100;
              if (o.type === "limit") body.limit_price = level;
              if (o.type === "stop") body.stop_price = level;
              if (o.type === "trailing_stop") body.trail_percent = Math.max(0.5, Math.abs(o.offset) * 100);
              f.order("K", body);
            } else if (o.kind === "price") {
              const p = f.prices.get(o.symbol) ?? 50;
              f.setPrice(o.symbol, Math.max(1, Math.round(p * o.factor * 100) / 100));
            } else if (o.kind === "cancel") {
              const target = a.orderLog[o.index % Math.max(1, a.orderLog.length)];
              if (target) f.exchange.cancel("K", target.id);
            } else {
              f.advance(o.minutes * 60_000);
            }
          } catch (err) {
            if (!(err instanceof SimApiError)) throw err;
          }
        }

        // no order filled twice: fills per order add up to its filled qty, never beyond its qty,
        // and nothing happens to an order after it reached a final state
        const fillsByOrder = new Map<string, number>();
        for (const act of a.activities)
          fillsByOrder.set(act.orderId, (fillsByOrder.get(act.orderId) ?? 0) + act.qty);
        for (const o of a.orderLog) {
          expect(fillsByOrder.get(o.id) ?? 0).toBeCloseTo(o.filledQty, 6);
          if (o.qty !== undefined) expect(o.filledQty).toBeLessThanOrEqual(o.qty + 1e-9);
          const events = f.updates.filter((u) => u.update.order === o).map((u) => u.update.event);
          expect(events.filter((e) => e === "fill").length).toBeLessThanOrEqual(1);
          const final = events.findIndex(
            (e) => e === "fill" || e === "canceled" || e === "expired" || e === "replaced",
          );
          if (final >= 0) expect(events.length).toBe(final + 1);
        }

        // positions equal the sum of fills
        const net = new Map<string, number>();
        let cash = 50_000;
        for (const act of a.activities) {
          const signed = act.side === "buy" ? act.qty : -act.qty;
          net.set(act.symbol, (net.get(act.symbol) ?? 0) + signed);
          cash -= signed * act.price;
        }
        for (const s of SYMBOLS) expect(a.positions.get(s)?.qty ?? 0).toBeCloseTo(net.get(s) ?? 0, 6);
        expect(a.cash).toBeCloseTo(cash, 4);

        // cash + positions value = equity
        const m = f.exchange.metrics(a);
        let value = 0;
        for (const p of a.positions.values()) value += p.qty * (f.prices.get(p.symbol) ?? 50);
        expect(m.equity).toBeCloseTo(a.cash + value, 4);
        expect(m.longMarketValue + m.shortMarketValue).toBeCloseTo(value, 4);
      }),
      { numRuns: 150 },
    );
  });
});
