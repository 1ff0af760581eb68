/**
 * `GET /v1/accounts` and `GET /v1/portfolio` over a large fleet: filters (`tag`, `mode`,
 * `status`, `breaker`, `halted`, `q` — a substring of the id) and pages (`limit`, `cursor`).
 * Pages follow the fleet's own order; a cursor is opaque (the position and id of the last
 * account served), so a page stays right when accounts are added or removed in between.
 */
import type { Account } from "../accounts/types.js";
import { PaddockError } from "../errors.js";

export const MAX_PAGE = 1000;

export interface AccountQuery {
  readonly limit?: number;
  readonly cursor?: string;
  readonly tag?: string;
  readonly mode?: "paper" | "live";
  readonly status?: AccountState;
  readonly breaker?: "closed" | "open" | "half_open";
  readonly halted?: boolean;
  readonly q?: string;
}

export type AccountState = "active" | "halted" | "unavailable";

/** The state an operator sees: halted wins over an open breaker. */
export function accountState(a: Account, globalHalt = false): AccountState {
  const s = a.status();
  return s.halted || globalHalt ? "halted" : s.breaker === "open" ? "unavailable" : "active";
}

/** The public view of one account (no credentials). */
export function accountView(a: Account, globalHalt = false) {
  const s = a.status();
  return {
    id: a.id,
    mode: a.mode,
    tags: a.tags,
    status: accountState(a, globalHalt),
    budget: {
      limit_per_minute: s.budget.limit,
      remaining: s.budget.remaining,
      reset_at: new Date(s.budget.resetAt).toISOString(),
      queued: s.budget.queued,
    },
    breaker: s.breaker,
    halted: s.halted || globalHalt,
    last_upstream_error: s.lastError ?? null,
  };
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });

function oneOf<T extends string>(raw: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    throw invalid(field, `must be one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** Validates the query string; every error names its parameter. */
export function parseAccountQuery(raw: Readonly<Record<string, unknown>>): AccountQuery {
  const out: {
    -readonly [K in keyof AccountQuery]: AccountQuery[K];
  } = {};
  if (raw.limit !== undefined) {
    const n = Number(raw.limit);
    if (typeof raw.limit !== "string" || !/^\d+$/.test(raw.limit) || n < 1 || n > MAX_PAGE) {
      throw invalid("limit", `must be an integer from 1 to ${MAX_PAGE}`);
    }
    out.limit = n;
  }
  if (raw.cursor !== undefined) {
    if (typeof raw.cursor !== "string" || decodeCursor(raw.cursor) === undefined) {
      throw invalid("cursor", "not a cursor from next_cursor");
    }
    out.cursor = raw.cursor;
  }
  if (raw.tag !== undefined) {
    if (typeof raw.tag !== "string" || raw.tag.length === 0) throw invalid("tag", "must be a tag name");
    out.tag = raw.tag;
  }
  if (raw.q !== undefined) {
    if (typeof raw.q !== "string") throw invalid("q", "must be text");
    out.q = raw.q.toLowerCase();
  }
  const mode = oneOf(raw.mode, "mode", ["paper", "live"] as const);
  if (mode) out.mode = mode;
  const status = oneOf(raw.status, "status", ["active", "halted", "unavailable"] as const);
  if (status) out.status = status;
  const breaker = oneOf(raw.breaker, "breaker", ["closed", "open", "half_open"] as const);
  if (breaker) out.breaker = breaker;
  const halted = oneOf(raw.halted, "halted", ["true", "false"] as const);
  if (halted) out.halted = halted === "true";
  return out;
}

/** The last account served (`id`), and where it was in the fleet's order (`i`; absent in id order). */
interface Cursor {
  readonly i?: number;
  readonly id: string;
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString("base64url");

function decodeCursor(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor>;
    if (typeof c.id !== "string") return undefined;
    if (c.i === undefined) return { id: c.id };
    return typeof c.i === "number" && Number.isInteger(c.i) && c.i >= 0 ? { i: c.i, id: c.id } : undefined;
  } catch {
    return undefined;
  }
}

/** Account ids in code-unit order: the order of pages over the shards (every replica sorts alike). */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The cursor of a page in id order that ended at `lastId`. */
export const idCursor = (lastId: string): string => encodeCursor({ id: lastId });

/** The id a cursor ends at (the last account served). */
export const cursorId = (cursor: string): string | undefined => decodeCursor(cursor)?.id;

/**
 * Pages in account id order (with shards: each shard pages its own accounts this way and the
 * replica that fans out merges them): a cursor is the last id served, so the next page starts
 * after it on every shard alike.
 */
export function pageAccountsById(
  all: readonly Account[],
  q: AccountQuery,
  globalHalt = false,
): Page<Account> {
  const hits = all.filter((a) => matches(a, q, globalHalt)).sort((a, b) => compareIds(a.id, b.id));
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor)!.id;
  const start = after === undefined ? 0 : hits.findIndex((a) => compareIds(a.id, after) > 0);
  const from = start < 0 ? hits.length : start;
  const end = q.limit === undefined ? hits.length : Math.min(hits.length, from + q.limit);
  const items = hits.slice(from, end);
  const last = items.at(-1);
  return {
    items,
    nextCursor: end < hits.length && last ? idCursor(last.id) : null,
    total: hits.length,
  };
}

export function matches(a: Account, q: AccountQuery, globalHalt = false): boolean {
  if (q.tag !== undefined && !a.tags.includes(q.tag)) return false;
  if (q.mode !== undefined && a.mode !== q.mode) return false;
  if (q.q !== undefined && !a.id.toLowerCase().includes(q.q)) return false;
  if (q.status === undefined && q.breaker === undefined && q.halted === undefined) return true;
  const s = a.status();
  if (q.breaker !== undefined && s.breaker !== q.breaker) return false;
  if (q.halted !== undefined && (s.halted || globalHalt) !== q.halted) return false;
  return q.status === undefined || accountState(a, globalHalt) === q.status;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  /** How many accounts matched the filters (over every page). */
  readonly total: number;
}

/** Filters `all` (already narrowed to what the caller may see) and cuts the page the query asks for. */
export function pageAccounts(all: readonly Account[], q: AccountQuery, globalHalt = false): Page<Account> {
  const hits = all.filter((a) => matches(a, q, globalHalt));
  let start = 0;
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor)!;
    // the account served last, where it was or (after a change) wherever it is now
    if (c.i !== undefined && hits[c.i]?.id === c.id) start = c.i + 1;
    else {
      const at = hits.findIndex((a) => a.id === c.id);
      start = at >= 0 ? at + 1 : hits.findIndex((a) => a.id > c.id);
      if (start < 0) start = hits.length;
    }
  }
  const end = q.limit === undefined ? hits.length : Math.min(hits.length, start + q.limit);
  const items = hits.slice(start, end);
  const last = items.at(-1);
  return {
    items,
    nextCursor: end < hits.length && last ? encodeCursor({ i: end - 1, id: last.id }) : null,
    total: hits.length,
  };
}
