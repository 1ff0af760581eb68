/**
 * Optional audit sink: publishes each durable line to `<topicPrefix>/<account>`
 * (`_` when the record has no account), and each signed checkpoint to
 * `<topicPrefix>/_checkpoint/<instanceId>` (an off-box copy of what a truncated
 * trail must still reach). The mqtt client reconnects by itself;
 * while it is disconnected lines wait in a bounded buffer (the oldest are dropped
 * and counted past `maxBuffered`). Publishing never blocks nor fails the file
 * append: the file is the record of truth, this is a live copy.
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { PaddockError } from "../errors.js";
import type { Checkpoint } from "./checkpoint.js";
import type { AuditRecord } from "./record.js";
import { type AuditHealth, type AuditLogger, type AuditSink, silentLogger } from "./sink.js";

export interface MqttSinkOptions {
  /** e.g. `mqtt://127.0.0.1:1883`, `mqtts://broker:8883`. */
  readonly url: string;
  /** Default `paddock/audit`. */
  readonly topicPrefix?: string;
  /** The chain's instance, last level of the checkpoint topic; default `_`. */
  readonly instanceId?: string;
  /** Default 1. */
  readonly qos?: 0 | 1;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** Lines kept while disconnected; default 10,000. */
  readonly maxBuffered?: number;
  /** Default 1,000 ms. */
  readonly reconnectPeriodMs?: number;
}

export interface MqttSinkDeps {
  readonly logger?: AuditLogger;
  /** The mqtt `connect` (tests may wrap it). */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface MqttSink extends AuditSink {
  /** Lines waiting for a connection. */
  buffered(): number;
  /** Lines dropped because the buffer was full. */
  dropped(): number;
}

interface Outgoing {
  readonly topic: string;
  readonly payload: string;
}

/** One topic level: MQTT wildcards, separators and NUL are not allowed in it. */
export function topicLevel(account: string | undefined): string {
  if (account === undefined || account.length === 0) return "_";
  return account.replaceAll("\u0000", "_").replace(/[+#/]/g, "_");
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return code;
  return err instanceof Error ? err.message : String(err);
}

export function createMqttSink(opts: MqttSinkOptions, deps: MqttSinkDeps = {}): MqttSink {
  const prefix = (opts.topicPrefix ?? "paddock/audit").replace(/\/+$/, "");
  const qos = opts.qos ?? 1;
  const maxBuffered = opts.maxBuffered ?? 10_000;
  const logger = deps.logger ?? silentLogger;
  if (typeof opts.url !== "string" || !/^(mqtts?|wss?|tcp|ssl):\/\//.test(opts.url)) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: "audit.mqtt.url: must be an mqtt:// or mqtts:// URL",
    });
  }
  if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: "audit.mqtt.maxBuffered: must be a positive integer",
    });
  }
  const client = (deps.connect ?? connect)(opts.url, {
    clientId: opts.clientId ?? `paddock-audit-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
    reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
    connectTimeout: 10_000,
    // We buffer ourselves (bounded) while disconnected; the client must not queue unbounded.
    queueQoSZero: false,
  });
  const buffer: Outgoing[] = [];
  let droppedCount = 0;
  let warnedDrop = false;
  let lastError: string | undefined;
  let closing: Promise<void> | undefined;

  function send(out: Outgoing): void {
    client.publish(out.topic, out.payload, { qos }, (err) => {
      if (err) {
        lastError = describe(err);
        logger.warn({ sink: "mqtt", topic: out.topic, err: lastError }, "audit: mqtt publish failed");
      }
    });
  }

  function drainBuffer(): void {
    while (client.connected && buffer.length > 0) send(buffer.shift()!);
  }

  client.on("connect", () => {
    lastError = undefined;
    warnedDrop = false;
    drainBuffer();
  });
  client.on("error", (err) => {
    lastError = describe(err);
    logger.warn({ sink: "mqtt", err: lastError }, "audit: mqtt client error");
  });

  const checkpointTopic = `${prefix}/_checkpoint/${topicLevel(opts.instanceId)}`;

  function publish(line: string, record: AuditRecord): void {
    enqueue({ topic: `${prefix}/${topicLevel(record.account)}`, payload: line });
  }

  function publishCheckpoint(line: string, _checkpoint: Checkpoint): void {
    enqueue({ topic: checkpointTopic, payload: line });
  }

  function enqueue(out: Outgoing): void {
    if (client.connected && buffer.length === 0) {
      send(out);
      return;
    }
    if (buffer.length >= maxBuffered) {
      buffer.shift();
      droppedCount += 1;
      if (!warnedDrop) {
        warnedDrop = true;
        logger.warn({ sink: "mqtt", maxBuffered }, "audit: mqtt buffer full, dropping the oldest lines");
      }
    }
    buffer.push(out);
  }

  function health(): AuditHealth {
    if (closing) return { ok: false, detail: "closed" };
    if (!client.connected) {
      const why = lastError === undefined ? "" : `, last error ${lastError}`;
      return { ok: false, detail: `disconnected (${buffer.length} buffered, ${droppedCount} dropped${why})` };
    }
    return droppedCount > 0
      ? { ok: true, detail: `${droppedCount} lines dropped while disconnected` }
      : { ok: true };
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      drainBuffer();
      if (buffer.length > 0) {
        logger.warn({ sink: "mqtt", lines: buffer.length }, "audit: mqtt closed with lines never published");
      }
      let timer: NodeJS.Timeout | undefined;
      const graceful = client.endAsync(false);
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), 2000);
      });
      if ((await Promise.race([graceful, timeout])) === "timeout") await client.endAsync(true);
      clearTimeout(timer);
    })();
    return closing;
  }

  return {
    name: "mqtt",
    publish,
    publishCheckpoint,
    close,
    health,
    buffered: () => buffer.length,
    dropped: () => droppedCount,
  };
}
