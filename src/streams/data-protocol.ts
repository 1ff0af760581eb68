/**
 * Alpaca's market-data stream protocol as the gateway speaks it downstream and
 * upstream: channels, the client actions, and the control frames (success,
 * subscription, error with Alpaca's numeric codes).
 */

/** Subscribable channels, in the order `subscription` frames list them. */
export const DATA_CHANNELS = [
  "trades",
  "quotes",
  "bars",
  "dailyBars",
  "updatedBars",
  "statuses",
  "lulds",
  "imbalances",
] as const;
export type DataChannel = (typeof DATA_CHANNELS)[number];

/** Data frame type (`T`) → the channel a client subscribes to receive it. */
export const FRAME_CHANNEL: Readonly<Record<string, DataChannel>> = {
  t: "trades",
  q: "quotes",
  b: "bars",
  d: "dailyBars",
  u: "updatedBars",
  s: "statuses",
  l: "lulds",
  i: "imbalances",
  // Alpaca sends trade corrections and cancel errors to the trade subscribers of the symbol.
  c: "trades",
  x: "trades",
};

export const isDataChannel = (value: string): value is DataChannel =>
  (DATA_CHANNELS as readonly string[]).includes(value);

export const DATA_ERRORS = {
  invalidSyntax: { code: 400, msg: "invalid syntax" },
  notAuthenticated: { code: 401, msg: "not authenticated" },
  authFailed: { code: 402, msg: "auth failed" },
  alreadyAuthenticated: { code: 403, msg: "already authenticated" },
  authTimeout: { code: 404, msg: "auth timeout" },
  symbolLimit: { code: 405, msg: "symbol limit exceeded" },
  connectionLimit: { code: 406, msg: "connection limit exceeded" },
  slowClient: { code: 407, msg: "slow client" },
  insufficientSubscription: { code: 409, msg: "insufficient subscription" },
  internal: { code: 500, msg: "internal error" },
} as const;
export type DataError = (typeof DATA_ERRORS)[keyof typeof DATA_ERRORS];

/** A data or control frame: an object with a `T` type and free-form fields. */
export interface DataFrame {
  readonly T: string;
  readonly S?: string;
  readonly [field: string]: unknown;
}

export type ChannelSymbols = Partial<Record<DataChannel, readonly string[]>>;

export type DataAction =
  | { readonly action: "auth"; readonly key: string; readonly secret: string }
  | { readonly action: "subscribe" | "unsubscribe"; readonly channels: ChannelSymbols }
  | { readonly action: "invalid"; readonly field: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates a decoded client message; never throws (bad input → `invalid` naming the field). */
export function parseDataAction(message: unknown): DataAction {
  if (!isRecord(message)) return { action: "invalid", field: "message" };
  const action = message.action;
  if (action === "auth") {
    const key = message.key;
    const secret = message.secret;
    if (typeof secret !== "string" || secret.length === 0) return { action: "invalid", field: "secret" };
    return { action: "auth", key: typeof key === "string" ? key : "", secret };
  }
  if (action === "subscribe" || action === "unsubscribe") {
    const channels: Partial<Record<DataChannel, string[]>> = {};
    for (const [name, value] of Object.entries(message)) {
      if (name === "action") continue;
      if (!isDataChannel(name)) continue; // Alpaca ignores channels it does not know on this feed
      if (!Array.isArray(value)) return { action: "invalid", field: name };
      const symbols: string[] = [];
      for (const s of value) {
        if (typeof s !== "string" || s.length === 0 || s.length > 64)
          return { action: "invalid", field: name };
        symbols.push(s === "*" ? s : s.toUpperCase());
      }
      channels[name] = symbols;
    }
    return { action, channels };
  }
  return { action: "invalid", field: "action" };
}

export const successFrame = (msg: "connected" | "authenticated"): DataFrame => ({ T: "success", msg });
export const errorFrame = (e: DataError): DataFrame => ({ T: "error", code: e.code, msg: e.msg });
export const subscriptionFrame = (lists: Record<DataChannel, string[]>): DataFrame => ({
  T: "subscription",
  ...lists,
});
