/**
 * The one upstream market-data connection of a feed. It carries the union of the
 * clients' subscriptions, changed only by diffs (subscribe what is new now;
 * unsubscribe what nobody wants after a grace), reconnects with jittered
 * exponential backoff, re-authenticates and resubscribes, and a watchdog
 * replaces a connection that stays silent past a bound while the market is open.
 */
import type { Agent } from "node:http";
import { performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import type { AccountCredentials } from "../accounts/types.js";
import type { Logger } from "../observability/logger.js";
import { type BackoffOptions, reconnectDelay } from "../resilience/backoff.js";
import { DATA_CHANNELS, type DataChannel, type DataFrame } from "./data-protocol.js";
import { type ChannelSets, emptyChannelSets, pushTo } from "./subscription-index.js";

export type UpstreamState = "idle" | "connecting" | "ready" | "down" | "closed";

export interface UpstreamDataSessionDeps {
  readonly feed: string;
  /** Full upstream URL, e.g. `wss://stream.data.alpaca.markets/v2/iex`. */
  readonly url: string;
  /** Data-account credentials to try, in order (rotated on 402/406). */
  readonly credentials: () => readonly AccountCredentials[];
  /** `receivedAt` is `performance.now()` at the message's arrival (for the fan-out latency). */
  readonly onFrames: (frames: readonly DataFrame[], receivedAt: number) => void;
  readonly onStatus: (status: "up" | "down", reason: string) => void;
  readonly onReconnectAttempt?: () => void;
  readonly marketOpen: () => boolean;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  readonly now: () => number;
  readonly graceMs: number;
  readonly silenceTimeoutMs: number;
  /** The outbound proxy's agent (HTTP CONNECT), when one is configured. */
  readonly agent?: Agent | undefined;
}

export interface UpstreamDataSession {
  /** The subscriptions wanted now (the session keeps its own copy). */
  setDesired(desired: ChannelSets): void;
  state(): UpstreamState;
  /** What upstream confirmed it carries. */
  active(): ChannelSets;
  /** Forces a reconnect (tests, watchdog). */
  reconnect(reason: string): void;
  close(): void;
}

const CONTROL = new Set(["success", "subscription", "error"]);

const diff = (a: ChannelSets, b: ChannelSets): Partial<Record<DataChannel, string[]>> => {
  const out: Partial<Record<DataChannel, string[]>> = {};
  for (const c of DATA_CHANNELS) {
    for (const s of a[c]) if (!b[c].has(s)) pushTo(out, c, s);
  }
  return out;
};
const hasAny = (c: Partial<Record<DataChannel, string[]>>): boolean => Object.keys(c).length > 0;
const copySets = (src: ChannelSets): ChannelSets => {
  const out = emptyChannelSets();
  for (const c of DATA_CHANNELS) for (const s of src[c]) out[c].add(s);
  return out;
};
const isEmpty = (s: ChannelSets): boolean => DATA_CHANNELS.every((c) => s[c].size === 0);

export function createUpstreamDataSession(deps: UpstreamDataSessionDeps): UpstreamDataSession {
  const log = deps.logger.child({ component: "stream-upstream", feed: deps.feed });
  let desired = emptyChannelSets();
  let active = emptyChannelSets();
  let socket: WebSocket | undefined;
  let state: UpstreamState = "idle";
  let attempt = 0;
  let credIndex = 0;
  let everUp = false;
  let lastMessageAt = deps.now();
  let reconnectTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const watchdog = setInterval(checkSilence, Math.max(250, Math.floor(deps.silenceTimeoutMs / 4)));
  watchdog.unref();

  function send(payload: object): void {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  function connect(): void {
    const creds = deps.credentials();
    const cred = creds[credIndex % Math.max(1, creds.length)];
    if (!cred) {
      log.error("no data account credentials for the upstream stream");
      scheduleReconnect("no credentials");
      return;
    }
    state = "connecting";
    const ws = new WebSocket(deps.url, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...(deps.agent ? { agent: deps.agent } : {}),
    });
    socket = ws;
    lastMessageAt = deps.now();
    ws.on("open", () => {
      ws.send(JSON.stringify({ action: "auth", key: cred.keyId, secret: cred.secretKey }));
    });
    ws.on("message", (data: Buffer) => {
      if (socket !== ws) return;
      const receivedAt = performance.now();
      lastMessageAt = deps.now();
      let message: unknown;
      try {
        message = JSON.parse(data.toString("utf8"));
      } catch {
        log.warn("upstream sent a message that is not JSON");
        return;
      }
      if (!Array.isArray(message)) return;
      let data0: DataFrame[] | undefined;
      for (const frame of message as DataFrame[]) {
        if (typeof frame !== "object" || frame === null) continue;
        if (CONTROL.has(frame.T)) onControl(ws, frame);
        else if (data0) data0.push(frame);
        else data0 = [frame];
      }
      if (data0) deps.onFrames(data0, receivedAt);
    });
    ws.on("unexpected-response", (_req, res) => {
      log.warn({ status: res.statusCode }, "upstream data stream refused the upgrade");
      if (res.statusCode === 406 || res.statusCode === 401 || res.statusCode === 403) credIndex++;
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err) => {
      log.warn({ err: err.message }, "upstream data stream error");
    });
    ws.on("close", (code) => {
      if (socket !== ws) return;
      socket = undefined;
      active = emptyChannelSets();
      if (state === "closed" || state === "idle") return;
      const wasUp = state === "ready";
      state = "down";
      if (wasUp || attempt === 0) deps.onStatus("down", `upstream closed (${code})`);
      scheduleReconnect(`closed ${code}`);
    });
  }

  function onControl(ws: WebSocket, frame: DataFrame): void {
    if (frame.T === "success" && frame.msg === "authenticated") {
      state = "ready";
      const reconnected = everUp;
      everUp = true;
      attempt = 0;
      lastMessageAt = deps.now();
      if (!isEmpty(desired)) {
        send({ action: "subscribe", ...Object.fromEntries(DATA_CHANNELS.map((c) => [c, [...desired[c]]])) });
        active = copySets(desired);
      }
      if (reconnected) log.info("upstream data stream restored");
      deps.onStatus("up", "upstream authenticated");
      return;
    }
    if (frame.T === "subscription") {
      const next = emptyChannelSets();
      for (const c of DATA_CHANNELS) {
        const list = frame[c];
        if (Array.isArray(list)) for (const s of list) if (typeof s === "string") next[c].add(s);
      }
      active = next;
      return;
    }
    if (frame.T === "error") {
      const code = typeof frame.code === "number" ? frame.code : 0;
      log.warn({ code, msg: frame.msg }, "upstream data stream error frame");
      if (code === 402 || code === 406 || code === 401 || code === 404) {
        credIndex++;
        ws.close();
      }
    }
  }

  function scheduleReconnect(reason: string): void {
    if (reconnectTimer || state === "closed") return;
    const delay = reconnectDelay(attempt, deps.backoff, deps.random);
    attempt++;
    log.info({ delayMs: delay, attempt, reason }, "upstream data stream reconnecting");
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (state === "closed" || isEmpty(desired)) {
        if (state !== "closed") state = "idle";
        return;
      }
      deps.onReconnectAttempt?.();
      connect();
    }, delay);
    reconnectTimer.unref();
  }

  function checkSilence(): void {
    if (state !== "ready" || isEmpty(active)) return;
    const silent = deps.now() - lastMessageAt;
    if (silent <= deps.silenceTimeoutMs) return;
    if (deps.feed !== "test" && !deps.marketOpen()) return;
    log.warn({ silentMs: silent }, "upstream data stream silent while the market is open: reconnecting");
    socket?.terminate();
  }

  function reconcile(): void {
    if (isEmpty(desired) && state !== "ready" && state !== "connecting") return;
    if (!socket && state !== "down") {
      if (!isEmpty(desired)) connect();
      return;
    }
    if (state !== "ready") return; // subscribed in full on authentication
    const adds = diff(desired, active);
    if (hasAny(adds)) {
      send({ action: "subscribe", ...adds });
      for (const [c, list] of Object.entries(adds)) for (const s of list) active[c as DataChannel].add(s);
    }
    if (hasAny(diff(active, desired)) && !graceTimer) {
      graceTimer = setTimeout(onGrace, deps.graceMs);
      graceTimer.unref();
    }
  }

  function onGrace(): void {
    graceTimer = undefined;
    if (state !== "ready") return;
    if (isEmpty(desired)) {
      state = "idle";
      const ws = socket;
      socket = undefined;
      active = emptyChannelSets();
      ws?.close(1000, "no subscribers");
      return;
    }
    const removes = diff(active, desired);
    if (!hasAny(removes)) return;
    send({ action: "unsubscribe", ...removes });
    for (const [c, list] of Object.entries(removes)) for (const s of list) active[c as DataChannel].delete(s);
  }

  return {
    setDesired(next) {
      desired = copySets(next);
      reconcile();
    },
    state: () => state,
    active: () => copySets(active),
    reconnect(reason) {
      log.info({ reason }, "upstream data stream reconnect requested");
      socket?.terminate();
    },
    close() {
      state = "closed";
      clearInterval(watchdog);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (graceTimer) clearTimeout(graceTimer);
      const ws = socket;
      socket = undefined;
      ws?.close(1001, "shutting down");
      if (ws) setTimeout(() => ws.terminate(), 1000).unref();
    },
  };
}
