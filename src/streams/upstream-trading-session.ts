/**
 * One account's upstream trading stream (`authenticate` → `listen trade_updates`).
 * Reconnects with jittered backoff; after a reconnect it fetches the account's
 * recent orders, delivers the updates missed while down (each once, oldest
 * first) and only then the live updates that arrived meanwhile, minus those the
 * backfill already covered.
 */
import type { Agent } from "node:http";
import { WebSocket } from "ws";
import type { Account } from "../accounts/types.js";
import type { Logger } from "../observability/logger.js";
import { type BackoffOptions, reconnectDelay } from "../resilience/backoff.js";
import { createOrderTracker, type TradeUpdateData, type WireOrder } from "./trade-backfill.js";

export interface UpstreamTradingSessionDeps {
  readonly account: Account;
  readonly onUpdate: (data: TradeUpdateData) => void;
  readonly onStatus: (status: "up" | "down", reason: string) => void;
  readonly onReconnectAttempt?: () => void;
  readonly onBackfilled?: (count: number) => void;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  readonly now: () => number;
  /** Orders fetched for the snapshot and the backfill (Alpaca's maximum page is 500). */
  readonly backfillLimit?: number;
  /** The outbound proxy's agent (HTTP CONNECT), when one is configured. */
  readonly agent?: Agent | undefined;
  /** Waits for a connection slot (the instance's pacer); returns a function that withdraws the wait. */
  readonly pace?: (start: () => void) => () => void;
  /**
   * The order states a previous owner of this account's stream left (Redis). When there are
   * any, the first connection backfills from them, as after a reconnect, so the updates of a
   * takeover or restart gap are delivered once instead of being absorbed by a fresh snapshot.
   */
  readonly resume?: () => Promise<readonly WireOrder[]>;
  /** The orders of a fresh snapshot, for a later owner to resume from. */
  readonly onSnapshot?: (orders: readonly WireOrder[]) => void;
}

export interface UpstreamTradingSession {
  readonly accountId: string;
  state(): "connecting" | "ready" | "down" | "closed";
  close(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function createUpstreamTradingSession(deps: UpstreamTradingSessionDeps): UpstreamTradingSession {
  const { account } = deps;
  const log = deps.logger.child({ component: "stream-trading", account: account.id });
  const tracker = createOrderTracker();
  const limit = deps.backfillLimit ?? 500;
  let state: "connecting" | "ready" | "down" | "closed" = "connecting";
  let socket: WebSocket | undefined;
  let attempt = 0;
  let everUp = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let cancelPaced: (() => void) | undefined;
  /** Live updates held while a backfill runs; undefined when none runs. */
  let held: TradeUpdateData[] | undefined;

  async function fetchOrders(): Promise<WireOrder[]> {
    const res = await account.request({
      method: "GET",
      path: `/v2/orders?status=all&limit=${limit}&direction=desc&nested=false`,
      priority: "read",
      kind: "trading",
      idempotent: true,
    });
    if (res.status !== 200) throw new Error(`orders request answered ${res.status}`);
    const body: unknown = JSON.parse(res.body.toString("utf8"));
    return Array.isArray(body) ? (body.filter(isRecord) as WireOrder[]) : [];
  }

  async function snapshot(): Promise<void> {
    try {
      const orders = await fetchOrders();
      tracker.seed(orders);
      deps.onSnapshot?.(orders);
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        "order snapshot failed; the first backfill may repeat updates",
      );
    }
  }

  async function backfill(ws: WebSocket): Promise<void> {
    held = [];
    let delivered = 0;
    for (let i = 0; i < 3; i++) {
      try {
        const missed = tracker.missed(await fetchOrders(), new Date(deps.now()).toISOString());
        if (socket !== ws) return;
        for (const data of missed) deps.onUpdate(data);
        delivered = missed.length;
        break;
      } catch (err) {
        log.warn({ err: (err as Error).message, attempt: i + 1 }, "trade-update backfill failed");
        await new Promise((r) => setTimeout(r, reconnectDelay(i, deps.backoff, deps.random)));
      }
    }
    const live = held;
    held = undefined;
    for (const data of live) if (!tracker.isDuplicate(data)) deliver(data);
    deps.onBackfilled?.(delivered);
    if (delivered > 0) log.info({ delivered }, "delivered trade updates missed while the upstream was down");
  }

  function deliver(data: TradeUpdateData): void {
    tracker.record(data.order);
    deps.onUpdate(data);
  }

  function connect(): void {
    state = "connecting";
    const ws = new WebSocket(account.streamUrl, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...(deps.agent ? { agent: deps.agent } : {}),
    });
    socket = ws;
    ws.on("open", () => {
      const c = account.credentials();
      ws.send(JSON.stringify({ action: "authenticate", data: { key_id: c.keyId, secret_key: c.secretKey } }));
    });
    ws.on("message", (raw: Buffer) => {
      if (socket !== ws) return;
      let msg: unknown;
      try {
        msg = JSON.parse(raw.toString("utf8"));
      } catch {
        log.warn("trading stream sent a message that is not JSON");
        return;
      }
      if (!isRecord(msg) || !isRecord(msg.data)) return;
      const data = msg.data;
      if (msg.stream === "authorization") {
        if (data.status === "authorized") {
          ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates"] } }));
        } else {
          log.error("upstream trading stream refused the account's credentials");
          ws.close();
        }
        return;
      }
      if (msg.stream === "listening") {
        const reconnected = everUp;
        everUp = true;
        state = "ready";
        attempt = 0;
        deps.onStatus("up", "upstream listening");
        if (reconnected) void backfill(ws);
        else void snapshot();
        return;
      }
      if (msg.stream === "trade_updates" && isRecord(data.order) && typeof data.event === "string") {
        const update = data as TradeUpdateData;
        if (held) held.push(update);
        else if (!tracker.isDuplicate(update)) deliver(update);
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      log.warn({ status: res.statusCode }, "upstream trading stream refused the upgrade");
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err) => log.warn({ err: err.message }, "upstream trading stream error"));
    ws.on("close", (code) => {
      if (socket !== ws) return;
      socket = undefined;
      if (state === "closed") return;
      const wasUp = state === "ready";
      state = "down";
      if (wasUp) deps.onStatus("down", `upstream closed (${code})`);
      scheduleReconnect();
    });
  }

  function scheduleReconnect(): void {
    if (reconnectTimer || state === "closed") return;
    const delay = reconnectDelay(attempt, deps.backoff, deps.random);
    attempt++;
    log.info({ delayMs: delay, attempt }, "upstream trading stream reconnecting");
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (state === "closed") return;
      deps.onReconnectAttempt?.();
      paced();
    }, delay);
    reconnectTimer.unref();
  }

  /** Connects in this session's turn (at once without a pacer). */
  function paced(): void {
    if (!deps.pace) {
      connect();
      return;
    }
    cancelPaced = deps.pace(() => {
      cancelPaced = undefined;
      if (state !== "closed") connect();
    });
  }

  if (deps.resume) {
    deps
      .resume()
      .then(
        (orders) => {
          if (orders.length === 0) return;
          tracker.seed(orders);
          everUp = true; // the first connection backfills from what the previous owner knew
          log.info({ orders: orders.length }, "resuming the trade updates of a previous stream owner");
        },
        (err: unknown) =>
          log.warn(
            { err: (err as Error).message },
            "no order states to resume from; taking a fresh snapshot",
          ),
      )
      .finally(() => {
        if (state !== "closed") paced();
      });
  } else paced();
  return {
    accountId: account.id,
    state: () => state,
    close() {
      state = "closed";
      if (reconnectTimer) clearTimeout(reconnectTimer);
      cancelPaced?.();
      const ws = socket;
      socket = undefined;
      ws?.close(1001, "no listeners");
      if (ws) setTimeout(() => ws.terminate(), 1000).unref();
    },
  };
}
