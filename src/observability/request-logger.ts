/**
 * The logger a request carries (`request.log`), made cheap for the requests that log nothing but
 * their access line — nearly all of them. A pino child (with its redaction of the bindings) costs
 * a few microseconds and two were made per request (the request id, then subject and account);
 * this one only gathers the bindings and makes the real child the first time a line at an enabled
 * level is written. The access line itself goes through `accessLogger` below with the bindings
 * as fields, so a request that logs nothing else never makes a child at all.
 */
import type { Bindings, ChildLoggerOptions, Logger } from "pino";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

export class RequestLogger {
  private real: Logger | undefined;
  private fields: Bindings;

  constructor(
    private readonly parent: Logger,
    bindings: Bindings,
    private readonly options?: ChildLoggerOptions,
  ) {
    this.fields = bindings;
  }

  /** The bindings a line of this request carries (request id, then subject and account). */
  get bindings(): Bindings {
    return this.fields;
  }

  /** Adds bindings to every later line of this request. */
  bind(extra: Bindings): void {
    this.fields = { ...this.fields, ...extra };
    if (this.real) this.real = this.real.child(extra);
  }

  get level(): string {
    return this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  fatal(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("fatal", obj, msg, args);
  }
  error(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("error", obj, msg, args);
  }
  warn(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("warn", obj, msg, args);
  }
  info(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("info", obj, msg, args);
  }
  debug(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("debug", obj, msg, args);
  }
  trace(obj: unknown, msg?: string, ...args: unknown[]): void {
    this.write("trace", obj, msg, args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger().child(bindings, options);
  }

  private logger(): Logger {
    this.real ??= this.parent.child(this.fields, this.options);
    return this.real;
  }

  private write(level: Level, obj: unknown, msg: string | undefined, args: unknown[]): void {
    if (!(this.real ?? this.parent).isLevelEnabled(level)) return;
    const log = this.logger();
    if (msg === undefined) log[level](obj);
    else log[level](obj, msg, ...args);
  }
}

/**
 * The logger of access lines: the same destination and level as `logger`, without its redaction
 * walk. Only lines whose fields are fixed and never secret (method, path without its query, status,
 * duration, request id, subject, account, error code) go through it.
 */
export function accessLogger(logger: Logger): Logger {
  // its own level stays at the lowest: callers check the root logger's level, which a reload moves
  return logger.child({}, { redact: { paths: [] }, level: "trace" });
}
