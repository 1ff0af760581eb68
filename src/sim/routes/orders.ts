/** `/v2/orders…`: submit, list, get (by id and client_order_id), replace, cancel one, cancel all. */
import type { SimRouter } from "../contract.js";
import { parseOrderRequest, parseReplaceRequest } from "../exchange/order-input.js";
import { OPEN_STATUSES, type SimAccount, type SimOrder } from "../exchange/types.js";
import { ALPACA_CODES, notFound, SimApiError, unprocessable } from "../sim-error.js";
import { noContent, ok, queryBool, queryEnum, queryInt, queryTime, type SimContext } from "./context.js";
import { orderWire } from "./wire.js";

function withLegs(a: SimAccount, o: SimOrder, nested: boolean): Record<string, unknown> {
  if (!nested || o.legs.length === 0) return orderWire(o);
  const legs = o.legs.map((id) => a.orders.get(id)).filter((l): l is SimOrder => l !== undefined);
  return orderWire(o, legs);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An order id in a path must be a UUID: anything else is Alpaca's 422 40010001, not a 404. */
function orderId(raw: string | undefined): string {
  const id = raw ?? "";
  if (!UUID.test(id))
    throw new SimApiError(422, ALPACA_CODES.malformed, `order_id: invalid order ID ${JSON.stringify(id)}`);
  return id.toLowerCase();
}

export function registerOrderRoutes(router: SimRouter, ctx: SimContext): void {
  const { exchange } = ctx;

  router.add("POST", "/v2/orders", (req) => {
    const order = exchange.submit(
      req.keyId,
      parseOrderRequest(req.body, { isCrypto: (s) => ctx.universe.find(s)?.class === "crypto" }),
    );
    return ok(withLegs(exchange.account(req.keyId), order, true));
  });

  router.add("GET", "/v2/orders", (req) => {
    const a = exchange.account(req.keyId);
    const q = req.query;
    const status = queryEnum(q, "status", ["open", "closed", "all"] as const) ?? "open";
    const limit = queryInt(q, "limit", 1, 500) ?? 50;
    const after = queryTime(q, "after");
    const until = queryTime(q, "until");
    const direction = queryEnum(q, "direction", ["asc", "desc"] as const) ?? "desc";
    const nested = queryBool(q, "nested") ?? false;
    const side = queryEnum(q, "side", ["buy", "sell"] as const);
    const symbolsRaw = q.get("symbols");
    const symbols =
      symbolsRaw === null || symbolsRaw === ""
        ? undefined
        : new Set(
            symbolsRaw.split(",").map((s) => ctx.universe.find(s.trim())?.symbol ?? s.trim().toUpperCase()),
          );
    const picked: SimOrder[] = [];
    const log = direction === "desc" ? [...a.orderLog].reverse() : a.orderLog;
    for (const o of log) {
      if (nested && o.parentId !== undefined) continue;
      const isOpen = OPEN_STATUSES.has(o.status);
      if (status === "open" && !isOpen) continue;
      if (status === "closed" && isOpen) continue;
      if (after !== undefined && o.submittedAt <= after) continue;
      if (until !== undefined && o.submittedAt >= until) continue;
      if (side !== undefined && o.side !== side) continue;
      if (symbols !== undefined && !symbols.has(o.symbol)) continue;
      picked.push(o);
      if (picked.length >= limit) break;
    }
    return ok(picked.map((o) => withLegs(a, o, nested)));
  });

  router.add("DELETE", "/v2/orders", (req) => {
    const canceled = exchange.cancelAll(req.keyId);
    return ok(
      canceled.map((o) => ({ id: o.id, status: 200, body: orderWire(o) })),
      207,
    );
  });

  router.add("GET", "/v2/orders:by_client_order_id", (req) => {
    const cid = req.query.get("client_order_id");
    if (!cid) throw unprocessable("client_order_id is required");
    const a = exchange.account(req.keyId);
    const id = a.byClientOrderId.get(cid);
    const o = id === undefined ? undefined : a.orders.get(id);
    if (!o) throw notFound("order not found");
    return ok(withLegs(a, o, true));
  });

  router.add("GET", "/v2/orders/:order_id", (req) => {
    const a = exchange.account(req.keyId);
    const o = a.orders.get(orderId(req.params.order_id));
    if (!o) throw notFound("order not found");
    return ok(withLegs(a, o, queryBool(req.query, "nested") ?? true));
  });

  router.add("PATCH", "/v2/orders/:order_id", (req) => {
    const next = exchange.replace(req.keyId, orderId(req.params.order_id), parseReplaceRequest(req.body));
    return ok(withLegs(exchange.account(req.keyId), next, true));
  });

  router.add("DELETE", "/v2/orders/:order_id", (req) => {
    exchange.cancel(req.keyId, orderId(req.params.order_id));
    return noContent;
  });
}
