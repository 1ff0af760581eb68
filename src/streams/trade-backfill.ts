/**
 * What the gateway knows of each order's state from the trade updates it has
 * delivered, and the synthetic updates that close the gap after an upstream
 * trading-stream reconnect: every order whose (status, filled_qty) moved while
 * the stream was down yields exactly one update, oldest first. Comparisons use
 * only upstream timestamps, so a simulated clock cannot confuse them.
 */

export interface OrderState {
  readonly status: string;
  readonly filledQty: string;
  /** Upstream `updated_at`, epoch ms (0 when unknown). */
  readonly updatedAt: number;
  /** Delivered by a backfill: a live update repeating it is a duplicate. */
  readonly backfilled?: boolean;
}

export type WireOrder = Readonly<Record<string, unknown>> & {
  readonly id?: unknown;
  readonly status?: unknown;
  readonly filled_qty?: unknown;
  readonly updated_at?: unknown;
};

/** A trade update's `data` object as the trading stream sends it. */
export interface TradeUpdateData {
  readonly event: string;
  readonly order: WireOrder;
  readonly [field: string]: unknown;
}

/** The stream event an order's current status implies. */
const STATUS_EVENT: Readonly<Record<string, string>> = {
  new: "new",
  accepted: "new",
  pending_new: "pending_new",
  partially_filled: "partial_fill",
  filled: "fill",
  done_for_day: "done_for_day",
  canceled: "canceled",
  expired: "expired",
  replaced: "replaced",
  pending_cancel: "pending_cancel",
  pending_replace: "pending_replace",
  rejected: "rejected",
  stopped: "stopped",
  suspended: "suspended",
  calculated: "calculated",
};

const str = (v: unknown): string =>
  typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
const ms = (v: unknown): number => {
  const n = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isNaN(n) ? 0 : n;
};

export const stateOf = (order: WireOrder): OrderState => ({
  status: str(order.status),
  filledQty: str(order.filled_qty),
  updatedAt: ms(order.updated_at),
});

export const sameState = (a: OrderState, b: OrderState): boolean =>
  a.status === b.status && Number(a.filledQty || 0) === Number(b.filledQty || 0);

export interface OrderTracker {
  /** Records the state an update carried; false when it is older than what is known. */
  record(order: WireOrder): void;
  get(id: string): OrderState | undefined;
  /** Records a snapshot without overriding anything newer (first connect). */
  seed(orders: readonly WireOrder[]): void;
  /** Synthetic updates for the orders that moved, oldest first; records them. */
  missed(orders: readonly WireOrder[], timestamp: string): TradeUpdateData[];
  /** True when a live update repeats the state a backfill delivered (whenever it arrives). */
  isDuplicate(update: TradeUpdateData): boolean;
  readonly size: number;
}

export function createOrderTracker(maxOrders = 10_000): OrderTracker {
  const states = new Map<string, OrderState>();
  const put = (id: string, state: OrderState): void => {
    states.delete(id);
    states.set(id, state);
    if (states.size > maxOrders) states.delete(states.keys().next().value as string);
  };
  return {
    get: (id) => states.get(id),
    get size() {
      return states.size;
    },
    record(order) {
      const id = str(order.id);
      if (id) put(id, stateOf(order));
    },
    seed(orders) {
      for (const o of orders) {
        const id = str(o.id);
        const known = states.get(id);
        const next = stateOf(o);
        if (id && (!known || next.updatedAt > known.updatedAt)) put(id, next);
      }
    },
    missed(orders, timestamp) {
      const out: { at: number; data: TradeUpdateData }[] = [];
      for (const order of orders) {
        const id = str(order.id);
        if (!id) continue;
        const next = stateOf(order);
        const known = states.get(id);
        if (known && (sameState(known, next) || next.updatedAt < known.updatedAt)) continue;
        const event = STATUS_EVENT[next.status];
        if (!event) continue;
        const data: Record<string, unknown> = { event, order, timestamp: str(order.updated_at) || timestamp };
        if (event === "fill" || event === "partial_fill") {
          const qty = Number(next.filledQty || 0) - Number(known?.filledQty || 0);
          data.qty = String(qty);
          data.price = str(order.filled_avg_price);
        }
        data.paddock_backfill = true;
        out.push({ at: next.updatedAt, data: data as TradeUpdateData });
        put(id, { ...next, backfilled: true });
      }
      out.sort((a, b) => a.at - b.at);
      return out.map((o) => o.data);
    },
    isDuplicate(update) {
      const id = str(update.order.id);
      const known = states.get(id);
      if (!known) return false;
      const next = stateOf(update.order);
      return known.backfilled === true && sameState(known, next) && next.updatedAt <= known.updatedAt;
    },
  };
}
