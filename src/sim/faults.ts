/**
 * Fault injection (`/_sim/faults`): errors, latency, socket resets and "performed but never
 * answered" timeouts on matching API requests. Randomness is a parameter (seeded by default).
 */
import { unprocessable } from "./sim-error.js";

export interface FaultConfig {
  readonly errorRate: number;
  readonly status: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly resetRate: number;
  readonly timeoutRate: number;
  /** Globs with `*`; empty = every path. */
  readonly paths: readonly string[];
  /** Key ids; empty = every key. */
  readonly keys: readonly string[];
}

export type FaultAction =
  | { readonly kind: "none"; readonly delayMs: number }
  | { readonly kind: "error"; readonly delayMs: number; readonly status: number }
  | { readonly kind: "reset"; readonly delayMs: number }
  | { readonly kind: "timeout"; readonly delayMs: number };

export const NO_FAULTS: FaultConfig = Object.freeze({
  errorRate: 0,
  status: 500,
  latencyMs: 0,
  jitterMs: 0,
  resetRate: 0,
  timeoutRate: 0,
  paths: [],
  keys: [],
});

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

type Json = Readonly<Record<string, unknown>>;

function rate(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !(v >= 0 && v <= 1))
    throw unprocessable(`${field}: must be a number between 0 and 1`);
  return v;
}
function ms(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 600_000)
    throw unprocessable(`${field}: must be a number of milliseconds between 0 and 600000`);
  return v;
}
function strings(body: Json, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw unprocessable(`${field}: must be an array of strings`);
  return v as string[];
}

/** Validates a `POST /_sim/faults` body and merges it over the current configuration. */
export function parseFaults(
  body: unknown,
  current: FaultConfig,
): { config: FaultConfig; streamDrop: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw unprocessable("body: must be a JSON object");
  const b = body as Json;
  const known = [
    "errorRate",
    "status",
    "latencyMs",
    "jitterMs",
    "resetRate",
    "timeoutRate",
    "paths",
    "keys",
    "streamDrop",
  ];
  for (const k of Object.keys(b)) if (!known.includes(k)) throw unprocessable(`${k}: unknown fault option`);
  const status = b.status;
  if (
    status !== undefined &&
    (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)
  )
    throw unprocessable("status: must be an HTTP status between 400 and 599");
  const streamDrop = b.streamDrop;
  if (streamDrop !== undefined && typeof streamDrop !== "boolean")
    throw unprocessable("streamDrop: must be a boolean");
  return {
    config: {
      errorRate: rate(b, "errorRate") ?? current.errorRate,
      status: (status as number | undefined) ?? current.status,
      latencyMs: ms(b, "latencyMs") ?? current.latencyMs,
      jitterMs: ms(b, "jitterMs") ?? current.jitterMs,
      resetRate: rate(b, "resetRate") ?? current.resetRate,
      timeoutRate: rate(b, "timeoutRate") ?? current.timeoutRate,
      paths: strings(b, "paths") ?? current.paths,
      keys: strings(b, "keys") ?? current.keys,
    },
    streamDrop: streamDrop === true,
  };
}

export interface FaultInjector {
  readonly config: FaultConfig;
  set(config: FaultConfig): void;
  clear(): void;
  /** What to do with one request (path without query). */
  decide(path: string, keyId: string): FaultAction;
}

export function createFaultInjector(random: () => number): FaultInjector {
  let config = NO_FAULTS;
  let patterns: RegExp[] = [];
  let active = false;
  const refresh = (): void => {
    patterns = config.paths.map(globToRegExp);
    active =
      config.errorRate > 0 ||
      config.resetRate > 0 ||
      config.timeoutRate > 0 ||
      config.latencyMs > 0 ||
      config.jitterMs > 0;
  };
  return {
    get config() {
      return config;
    },
    set(next) {
      config = next;
      refresh();
    },
    clear() {
      config = NO_FAULTS;
      refresh();
    },
    decide(path, keyId) {
      if (!active) return { kind: "none", delayMs: 0 };
      if (config.keys.length > 0 && !config.keys.includes(keyId)) return { kind: "none", delayMs: 0 };
      if (patterns.length > 0 && !patterns.some((p) => p.test(path))) return { kind: "none", delayMs: 0 };
      const delayMs = config.latencyMs + (config.jitterMs > 0 ? random() * config.jitterMs : 0);
      if (config.resetRate > 0 && random() < config.resetRate) return { kind: "reset", delayMs };
      if (config.timeoutRate > 0 && random() < config.timeoutRate) return { kind: "timeout", delayMs };
      if (config.errorRate > 0 && random() < config.errorRate)
        return { kind: "error", delayMs, status: config.status };
      return { kind: "none", delayMs };
    },
  };
}
