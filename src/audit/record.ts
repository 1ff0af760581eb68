/**
 * The audit record: what the gateway appends for every trading action (accepted,
 * rejected by Alpaca or by the gateway itself) and, later, for order-lifecycle and
 * admin events. The line on disk is the entry plus `seq` and `prev` (see chain.ts).
 */

/** Actions the gateway knows today. */
export const KNOWN_AUDIT_ACTIONS = [
  "order.submit",
  "order.replace",
  "order.cancel",
  "order.cancel_all",
  "position.close",
  "position.close_all",
  "trade_update",
  "admin.halt",
  "admin.resume",
  "admin.kill_switch",
] as const;

export type KnownAuditAction = (typeof KNOWN_AUDIT_ACTIONS)[number];

/**
 * Any known action or another non-empty string (new actions need no change here).
 * `string & Record<never, never>` keeps editor completion for the known ones.
 */
export type AuditAction = KnownAuditAction | (string & Record<never, never>);

export const AUDIT_OUTCOMES = ["accepted", "rejected", "error", "ambiguous", "info"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntry {
  /** RFC 3339 time (UTC, `Date.prototype.toISOString`). */
  readonly time: string;
  readonly requestId?: string;
  /** The JWT `sub` that asked. */
  readonly subject?: string;
  readonly account?: string;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** The request, already scrubbed of secrets (see scrub.ts). */
  readonly request?: Readonly<Record<string, unknown>>;
  readonly upstreamStatus?: number;
  readonly orderId?: string;
  readonly clientOrderId?: string;
  readonly latencyMs?: number;
  readonly error?: { readonly code: number | string; readonly message: string };
  /** Who decided the outcome: the gateway itself (risk, budget, breaker…) or Alpaca. */
  readonly source?: "gateway" | "upstream";
}

/** What `append` accepts: `time` is filled from the log's clock when absent. */
export type AuditEntryInput = Omit<AuditEntry, "time"> & { readonly time?: string };

/** One line of the file: the entry, its position in the chain and the hash of the line before. */
export type AuditRecord = AuditEntry & {
  /** 1 for the genesis line, then +1 per line, across rotated files. */
  readonly seq: number;
  /** Hex SHA-256 of the previous line's bytes (without its newline); 64 zeros for the genesis. */
  readonly prev: string;
};

export const GENESIS_PREV = "0".repeat(64);

/** Field names the chain owns; an entry carrying them would be overwritten. */
export const CHAIN_FIELDS = ["seq", "prev"] as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Returns the first problem with an entry, naming the field, or undefined when it is valid. */
export function auditEntryProblem(entry: AuditEntryInput): string | undefined {
  if (typeof entry.action !== "string" || entry.action.length === 0) {
    return "action: must be a non-empty string";
  }
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(entry.outcome)) {
    return `outcome: must be one of ${AUDIT_OUTCOMES.join(", ")}`;
  }
  if (entry.time !== undefined && (typeof entry.time !== "string" || !RFC3339.test(entry.time))) {
    return "time: must be an RFC 3339 timestamp";
  }
  for (const field of ["upstreamStatus", "latencyMs"] as const) {
    const value = entry[field];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
      return `${field}: must be a finite number`;
    }
  }
  for (const field of CHAIN_FIELDS) {
    if (field in entry) return `${field}: is set by the audit log, not by the caller`;
  }
  return undefined;
}
