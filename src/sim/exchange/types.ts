/** The simulator's own model of orders, positions and accounts (never shared with the gateway). */

export const ORDER_TYPES = ["market", "limit", "stop", "stop_limit", "trailing_stop"] as const;
export const TIME_IN_FORCE = ["day", "gtc", "opg", "cls", "ioc", "fok"] as const;
export const ORDER_CLASSES = ["simple", "bracket", "oco", "oto"] as const;
export const SIDES = ["buy", "sell"] as const;
export const POSITION_INTENTS = ["buy_to_open", "buy_to_close", "sell_to_open", "sell_to_close"] as const;

export type OrderType = (typeof ORDER_TYPES)[number];
export type TimeInForce = (typeof TIME_IN_FORCE)[number];
export type OrderClass = (typeof ORDER_CLASSES)[number];
export type Side = (typeof SIDES)[number];
export type PositionIntent = (typeof POSITION_INTENTS)[number];

export type OrderStatus =
  | "pending_new"
  | "accepted"
  | "new"
  | "held"
  | "partially_filled"
  | "filled"
  | "canceled"
  | "expired"
  | "replaced"
  | "rejected"
  | "done_for_day";

/** Statuses from which an order can still trade or be canceled. */
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set([
  "pending_new",
  "accepted",
  "new",
  "held",
  "partially_filled",
]);

export type TradeEvent =
  | "pending_new"
  | "new"
  | "fill"
  | "partial_fill"
  | "canceled"
  | "expired"
  | "replaced"
  | "rejected";

/** A mutable order record inside the exchange. Numbers here; strings only on the wire. */
export interface SimOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly accountKey: string;
  readonly createdAt: number;
  updatedAt: number;
  submittedAt: number;
  filledAt: number | undefined;
  expiredAt: number | undefined;
  canceledAt: number | undefined;
  failedAt: number | undefined;
  replacedAt: number | undefined;
  replacedBy: string | undefined;
  replaces: string | undefined;
  readonly assetId: string;
  readonly symbol: string;
  /** Requested quantity; undefined for notional orders until they fill. */
  qty: number | undefined;
  readonly notional: number | undefined;
  filledQty: number;
  /** Sum of fill qty × price, for the average. */
  filledNotional: number;
  readonly orderClass: OrderClass;
  readonly type: OrderType;
  readonly side: Side;
  readonly positionIntent: PositionIntent | undefined;
  timeInForce: TimeInForce;
  limitPrice: number | undefined;
  stopPrice: number | undefined;
  trailPrice: number | undefined;
  trailPercent: number | undefined;
  hwm: number | undefined;
  readonly extendedHours: boolean;
  status: OrderStatus;
  /** Child legs (bracket, oco, oto), by id. */
  legs: string[];
  parentId: string | undefined;
  /** A stop or stop_limit whose stop has been touched. */
  triggered: boolean;
  /** Day and gtc orders: when they expire (epoch ms). */
  expiresAt: number | undefined;
  /** opg/cls: the session instant at which they execute. */
  executeAt: number | undefined;
  /** Extended hours: the tape print last matched against (a print is matched at most once). */
  lastPrintMs?: number;
}

export interface SimPosition {
  readonly symbol: string;
  readonly assetId: string;
  readonly exchange: string;
  /** Signed: positive long, negative short. */
  qty: number;
  /** Signed cost of the open quantity (qty × average entry price). */
  costBasis: number;
  /** New York date of the last fill that opened or increased the position. */
  lastOpenDate: string;
}

export interface FillActivity {
  readonly id: string;
  readonly activityType: "FILL";
  readonly transactionTime: number;
  readonly type: "fill" | "partial_fill";
  readonly price: number;
  readonly qty: number;
  readonly side: Side;
  readonly symbol: string;
  readonly leavesQty: number;
  readonly orderId: string;
  readonly cumQty: number;
  readonly orderStatus: OrderStatus;
}

export interface AccountConfig {
  dtbp_check: "entry" | "exit" | "both";
  trade_confirm_email: "all" | "none";
  suspend_trade: boolean;
  no_shorting: boolean;
  fractional_trading: boolean;
  max_margin_multiplier: "1" | "2" | "4";
  max_options_trading_level: number;
  pdt_check: "entry" | "exit" | "both";
  ptp_no_exception_entry: boolean;
}

export interface SimWatchlist {
  readonly id: string;
  name: string;
  readonly createdAt: number;
  updatedAt: number;
  symbols: string[];
}

export interface SimAccount {
  readonly keyId: string;
  readonly id: string;
  readonly accountNumber: string;
  readonly createdAt: number;
  readonly initialCash: number;
  cash: number;
  readonly orders: Map<string, SimOrder>;
  /** Orders in creation order. */
  readonly orderLog: SimOrder[];
  /** Orders still open (including held legs), for reservations and cancel-all. */
  readonly openOrders: Set<SimOrder>;
  /** client_order_id → order id; never cleared (unique per account forever). */
  readonly byClientOrderId: Map<string, string>;
  readonly positions: Map<string, SimPosition>;
  readonly activities: FillActivity[];
  /** New York dates of day trades (one entry per day trade). */
  readonly dayTrades: string[];
  /** Orders already counted as a day trade. */
  readonly dayTradeOrders: Set<string>;
  readonly config: AccountConfig;
  readonly watchlists: Map<string, SimWatchlist>;
}

export interface TradeUpdate {
  readonly event: TradeEvent;
  readonly order: SimOrder;
  readonly at: number;
  readonly price?: number;
  readonly qty?: number;
  readonly positionQty?: number;
  readonly executionId?: string;
}
