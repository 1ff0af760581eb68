/**
 * The embedded state store: one SQLite file (node:sqlite, built into Node ≥ 22.13; no
 * native build). WAL mode and a busy timeout let several processes share the file (each
 * write takes the write lock briefly; readers never wait); `synchronous = FULL` makes
 * every committed write survive a crash or power loss before its promise resolves, which
 * is what lets the order ledger claim an order durably before the order is sent.
 *
 * node:sqlite is synchronous: each call blocks the event loop for one short transaction
 * (microseconds, plus one fsync for writes). Expired rows read as absent and are swept
 * once a minute.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { checkNamespace, type StateStore, ttlOf } from "./state-store.js";

export interface SqliteStoreOptions {
  /** The database file; its directory is created (mode 0700) when missing. */
  readonly file: string;
  /** Clock in epoch milliseconds (default Date.now). */
  readonly now?: () => number;
  /** How long a write waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** How often expired rows are deleted (default 60 000 ms). */
  readonly sweepIntervalMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS ns_version (ns TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * Loads node:sqlite without its one-time ExperimentalWarning (Node 22 prints it on stderr,
 * which would break the CLI's clean output); every other warning passes through.
 */
function loadSqlite(): typeof import("node:sqlite") {
  const original = process.emitWarning;
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const first = rest[0];
    const type = typeof first === "string" ? first : (first as { type?: string } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && /sqlite/i.test(text)) return;
    (original as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
}

export function openSqliteStateStore(opts: SqliteStoreOptions): StateStore {
  const now = opts.now ?? Date.now;
  mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
  const { DatabaseSync } = loadSqlite();
  const db: DatabaseSync = new DatabaseSync(opts.file);
  try {
    // busy_timeout first: another process may be switching the file to WAL right now
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec(SCHEMA);
  } catch (err) {
    db.close();
    throw err;
  }
  try {
    chmodSync(opts.file, 0o600); // the ledger keeps order answers: owner only
  } catch {
    /* not ours to change (a shared volume): leave it */
  }

  const live = "(expires_at IS NULL OR expires_at > ?)";
  const q = {
    get: db.prepare(`SELECT value FROM kv WHERE ns = ? AND key = ? AND ${live}`),
    upsert: db.prepare(
      "INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
    ),
    del: db.prepare(`DELETE FROM kv WHERE ns = ? AND key = ? AND ${live}`),
    list: db.prepare(`SELECT key, value FROM kv WHERE ns = ? AND ${live} ORDER BY key`),
    bump: db.prepare("INSERT INTO ns_version (ns, v) VALUES (?, 1) ON CONFLICT (ns) DO UPDATE SET v = v + 1"),
    version: db.prepare("SELECT v FROM ns_version WHERE ns = ?"),
    sweep: db.prepare("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?"),
  };
  let closed = false;

  /**
   * One write transaction; IMMEDIATE takes the write lock up front, so a read-then-write cannot
   * race another process. A non-durable one commits without fsync (synchronous NORMAL: still
   * safe from a process crash in WAL mode, not from power loss).
   */
  const tx = <T>(fn: () => T, durable = true): T => {
    if (closed) throw new Error("state store is closed");
    if (!durable) db.exec("PRAGMA synchronous = NORMAL");
    try {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = fn();
        db.exec("COMMIT");
        return result;
      } catch (err) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw err;
      }
    } finally {
      if (!durable) db.exec("PRAGMA synchronous = FULL");
    }
  };
  const read = (ns: string, key: string): string | undefined => {
    if (closed) throw new Error("state store is closed");
    const row = q.get.get(checkNamespace(ns), key, now()) as { value: string } | undefined;
    return row?.value;
  };
  const write = (ns: string, key: string, value: string, ttl: number | undefined): void => {
    q.upsert.run(ns, key, value, ttl === undefined ? null : now() + ttl);
    q.bump.run(ns);
  };
  const sweep = (): void => {
    if (!closed) q.sweep.run(now());
  };
  sweep();
  const sweeper = setInterval(() => {
    try {
      sweep();
    } catch {
      /* busy: the next sweep will do it; expired rows already read as absent */
    }
  }, opts.sweepIntervalMs ?? 60_000);
  sweeper.unref();

  return {
    kind: "sqlite",
    location: opts.file,
    async get(ns, key) {
      return read(ns, key);
    },
    async put(ns, key, value, o) {
      const ttl = ttlOf(o);
      checkNamespace(ns);
      tx(() => write(ns, key, value, ttl), o?.durable);
    },
    async putIfAbsent(ns, key, value, o) {
      const ttl = ttlOf(o);
      checkNamespace(ns);
      return tx(() => {
        const existing = read(ns, key);
        if (existing !== undefined) return { created: false as const, value: existing };
        write(ns, key, value, ttl);
        return { created: true as const };
      }, o?.durable);
    },
    async compareAndSet(ns, key, expected, next, o) {
      const ttl = ttlOf(o);
      checkNamespace(ns);
      return tx(() => {
        if (read(ns, key) !== expected) return false;
        write(ns, key, next, ttl);
        return true;
      }, o?.durable);
    },
    async delete(ns, key) {
      checkNamespace(ns);
      return tx(() => {
        const removed = Number(q.del.run(ns, key, now()).changes) > 0;
        if (removed) q.bump.run(ns);
        return removed;
      });
    },
    async list(ns) {
      if (closed) throw new Error("state store is closed");
      const rows = q.list.all(checkNamespace(ns), now()) as unknown as Array<{ key: string; value: string }>;
      return rows.map((r) => ({ key: r.key, value: r.value }));
    },
    async version(ns) {
      if (closed) throw new Error("state store is closed");
      const row = q.version.get(checkNamespace(ns)) as { v: number } | undefined;
      return row?.v ?? 0;
    },
    async ping() {
      if (closed) throw new Error("state store is closed");
      db.prepare("SELECT 1").get();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      db.close();
    },
  };
}
