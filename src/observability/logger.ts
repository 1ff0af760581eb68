/**
 * Structured logs (pino): JSON (or pretty: `logging.format`, a terminal by default), with every
 * secret-bearing field redacted wherever it appears. Request log lines carry `reqId`, and once the
 * caller is authenticated `sub` and `account` (see src/app.ts). Anything that can hold a key, a secret or a
 * token is listed here once.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";

/** Field paths censored in every log line (pino `redact`). */
export const REDACT_PATHS: readonly string[] = [
  "req.headers.authorization",
  'req.headers["apca-api-key-id"]',
  'req.headers["apca-api-secret-key"]',
  'req.headers["sec-websocket-protocol"]',
  "headers.authorization",
  'headers["apca-api-key-id"]',
  'headers["apca-api-secret-key"]',
  "authorization",
  "token",
  "access_token",
  "secret",
  "secretKey",
  "secret_key",
  "keyId",
  "key_id",
  "client_secret",
  "password",
  "masterKey",
  "hs256Secret",
  "*.authorization",
  "*.token",
  "*.access_token",
  "*.secret",
  "*.secretKey",
  "*.secret_key",
  "*.keyId",
  "*.key_id",
  "*.key",
  "*.client_secret",
  "*.password",
  "*.masterKey",
  "*.hs256Secret",
  "*.*.authorization",
  "*.*.secretKey",
  "*.*.keyId",
  "*.*.secret",
  "*.*.token",
];

export interface LoggerOptions {
  readonly level?: string;
  /** Defaults to stdout; tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
  /** Pretty output; defaults to whether stdout is a TTY. */
  readonly pretty?: boolean;
  /** `logging.format`: `json` or `pretty`; wins over `pretty`. Unset: pretty on a terminal only. */
  readonly format?: "json" | "pretty" | undefined;
  readonly name?: string;
}

export type { Logger };

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? "info",
    name: options.name ?? "paddock",
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) {
    // a given destination gets JSON unless pretty is asked for by name (tests read what was written)
    if (options.format !== "pretty") return pino(base, options.destination);
    return pino(base, pinoPretty({ destination: options.destination, colorize: false, sync: true }));
  }
  const pretty =
    options.format !== undefined
      ? options.format === "pretty"
      : (options.pretty ?? process.stdout.isTTY === true);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: true } },
    });
  }
  // Asynchronous writes: lines that arrive while a write is in flight go out together in the next
  // one (a synchronous write per line was the largest cost on the pass-through path). Flushed on exit.
  const stream = pino.destination({ dest: 1, sync: false });
  process.once("exit", () => stream.flushSync());
  return pino(base, stream);
}

/** A logger that drops everything (tools and tests that do not care). */
export const silentLogger = (): Logger => pino({ level: "silent" });
