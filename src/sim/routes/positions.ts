/** `/v2/positions…`: list, get, close one (qty or percentage), close all (207). */
import { easternDate, previousTradingDay } from "../calendar.js";
import type { SimRouter } from "../contract.js";
import { remainingQty, roundPrice, roundQty } from "../exchange/matching.js";
import type { SimAccount, SimPosition } from "../exchange/types.js";
import { isCryptoSymbol } from "../market/crypto-pairs.js";
import { ALPACA_CODES, forbidden, notFound, SimApiError, unprocessable } from "../sim-error.js";
import { ok, queryBool, queryNumber, type SimContext } from "./context.js";
import { orderWire, positionWire } from "./wire.js";

export function registerPositionRoutes(router: SimRouter, ctx: SimContext): void {
  const { exchange, clock, prices, universe } = ctx;

  const wire = (a: SimAccount, p: SimPosition): Record<string, unknown> => {
    const now = clock.now();
    // crypto has no close: the change is over the last 24 hours
    const prevClose = isCryptoSymbol(p.symbol)
      ? now - 86_400_000
      : previousTradingDay(easternDate(now)).closeMs;
    const price = roundPrice(prices.priceAt(p.symbol, now));
    // quantity not already held by open orders that would reduce the position
    let held = 0;
    for (const o of a.openOrders)
      if (o.symbol === p.symbol && o.status !== "held" && (o.side === "sell") === p.qty > 0)
        held += remainingQty(o, price);
    const available = Math.sign(p.qty) * Math.max(0, Math.abs(p.qty) - held);
    return positionWire(
      p,
      price,
      roundPrice(prices.priceAt(p.symbol, prevClose)),
      universe.find(p.symbol)?.marginable ?? true,
      roundQty(available),
    );
  };

  const find = (a: SimAccount, symbolOrId: string): SimPosition => {
    const asset = universe.find(symbolOrId);
    const p = a.positions.get(asset?.symbol ?? symbolOrId.toUpperCase());
    if (!p) throw notFound("position does not exist");
    return p;
  };

  router.add("GET", "/v2/positions", (req) => {
    const a = exchange.account(req.keyId);
    return ok(
      [...a.positions.values()].sort((x, y) => (x.symbol < y.symbol ? -1 : 1)).map((p) => wire(a, p)),
    );
  });

  router.add("GET", "/v2/positions/:symbol_or_asset_id", (req) => {
    const a = exchange.account(req.keyId);
    return ok(wire(a, find(a, req.params.symbol_or_asset_id ?? "")));
  });

  router.add("DELETE", "/v2/positions/:symbol_or_asset_id", (req) => {
    const qty = queryNumber(req.query, "qty");
    const percentage = queryNumber(req.query, "percentage");
    if (qty !== undefined && percentage !== undefined)
      throw unprocessable("qty and percentage cannot both be given");
    const order = exchange.closePosition(req.keyId, req.params.symbol_or_asset_id ?? "", {
      ...(qty === undefined ? {} : { qty }),
      ...(percentage === undefined ? {} : { percentage }),
    });
    return ok(orderWire(order));
  });

  router.add("DELETE", "/v2/positions", (req) => {
    if (queryBool(req.query, "cancel_orders")) exchange.cancelAll(req.keyId);
    const a = exchange.account(req.keyId);
    const out: unknown[] = [];
    for (const p of [...a.positions.values()]) {
      try {
        const order = exchange.closePosition(req.keyId, p.symbol, {});
        out.push({ symbol: p.symbol, status: 200, body: orderWire(order) });
      } catch (err) {
        if (!(err instanceof SimApiError)) throw err;
        out.push({ symbol: p.symbol, status: err.status, body: err.toBody() });
      }
    }
    return ok(out, 207);
  });

  // Accounts here never hold option positions (options are not traded): a known contract is
  // Alpaca's 403 "no available position", anything else its 422 "invalid symbol".
  for (const action of ["exercise", "do-not-exercise"] as const) {
    router.add("POST", `/v2/positions/:symbol_or_contract_id/${action}`, (req) => {
      if (!universe.findOption(req.params.symbol_or_contract_id ?? ""))
        throw new SimApiError(422, ALPACA_CODES.unprocessable, "invalid symbol");
      throw forbidden("no available position for the specified contract");
    });
  }
}
