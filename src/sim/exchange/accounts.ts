/** A new paper account, as the simulator opens one for a key on first use. */
import { stableUuid } from "../ids.js";
import type { SimAccount } from "./types.js";

export function openAccount(keyId: string, cash: number, nowMs: number): SimAccount {
  const id = stableUuid("account", keyId);
  const digits = String(Number.parseInt(id.replaceAll("-", "").slice(0, 10), 16)).slice(0, 10);
  return {
    keyId,
    id,
    accountNumber: `PA${digits.padStart(10, "0")}`,
    createdAt: nowMs,
    initialCash: cash,
    cash,
    orders: new Map(),
    orderLog: [],
    openOrders: new Set(),
    byClientOrderId: new Map(),
    positions: new Map(),
    activities: [],
    dayTrades: [],
    dayTradeOrders: new Set(),
    config: {
      dtbp_check: "entry",
      trade_confirm_email: "all",
      suspend_trade: false,
      no_shorting: false,
      fractional_trading: true,
      max_margin_multiplier: "4",
      max_options_trading_level: 2,
      pdt_check: "entry",
      ptp_no_exception_entry: false,
    },
    watchlists: new Map(),
  };
}
