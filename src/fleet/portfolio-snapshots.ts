/**
 * Short-lived per-account snapshots of `/v2/account` and `/v2/positions`, so a portfolio
 * over 1,000 accounts answers from memory instead of 2,000 upstream calls.
 *
 * A snapshot younger than `freshMs` is served as it is. An older one is still served (and
 * marked with its age) while a refresh runs in the background; after `maxAgeMs` it is not
 * served and the request waits for a fresh one. Concurrent requests for the same account
 * share one refresh. Refreshes go at `bulk` priority, so they never crowd out orders.
 */
import type { Account } from "../accounts/types.js";
import { mapLimit } from "./map-limit.js";

export interface AlpacaPosition {
  symbol: string;
  qty: string;
  market_value: string;
  unrealized_pl: string;
  side: string;
}

export type Snapshot =
  | {
      readonly id: string;
      readonly mode: "paper" | "live";
      readonly ok: true;
      readonly account: Record<string, string>;
      readonly positions: AlpacaPosition[];
      /** Epoch ms the data was read from Alpaca. */
      readonly at: number;
    }
  | {
      readonly id: string;
      readonly mode: "paper" | "live";
      readonly ok: false;
      readonly error: string;
      readonly at: number;
    };

export interface SnapshotOptions {
  /** Served without a refresh while younger than this (default 5 s). */
  readonly freshMs: number;
  /** Never served older than this: the request waits for a refresh (default 60 s). */
  readonly maxAgeMs: number;
  /** Upstream refreshes in flight at once (default 16). */
  readonly concurrency: number;
  readonly now: () => number;
}

export interface PortfolioSnapshots {
  /** A snapshot per account, in order; waits only for accounts without a usable one. */
  get(accounts: readonly Account[]): Promise<Snapshot[]>;
  /** Drops an account's snapshot (after an order on it, or when it leaves the fleet). */
  invalidate(accountId: string): void;
  readonly options: Readonly<SnapshotOptions>;
}

export const SNAPSHOT_DEFAULTS = { freshMs: 5_000, maxAgeMs: 60_000, concurrency: 16 } as const;

async function fetchJson(account: Account, path: string): Promise<unknown> {
  const res = await account.request({
    method: "GET",
    path,
    kind: "trading",
    priority: "bulk",
    idempotent: true,
  });
  if (res.status !== 200)
    throw new Error(`${path} answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString());
}

export function createPortfolioSnapshots(options: Partial<SnapshotOptions> = {}): PortfolioSnapshots {
  const opts: SnapshotOptions = { ...SNAPSHOT_DEFAULTS, now: Date.now, ...options };
  const cache = new Map<string, Snapshot>();
  const inflight = new Map<string, Promise<Snapshot>>();

  const refresh = (a: Account): Promise<Snapshot> => {
    const running = inflight.get(a.id);
    if (running) return running;
    const p = (async (): Promise<Snapshot> => {
      try {
        const [account, positions] = await Promise.all([
          fetchJson(a, "/v2/account") as Promise<Record<string, string>>,
          fetchJson(a, "/v2/positions") as Promise<AlpacaPosition[]>,
        ]);
        return { id: a.id, mode: a.mode, ok: true, account, positions, at: opts.now() };
      } catch (err) {
        return {
          id: a.id,
          mode: a.mode,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
          at: opts.now(),
        };
      }
    })().then((s) => {
      // a failure never replaces good data still within maxAge
      const had = cache.get(a.id);
      if (s.ok || !had?.ok || opts.now() - had.at > opts.maxAgeMs) cache.set(a.id, s);
      inflight.delete(a.id);
      return cache.get(a.id)!;
    });
    inflight.set(a.id, p);
    return p;
  };

  return {
    options: opts,
    invalidate: (id) => void cache.delete(id),
    async get(accounts) {
      const now = opts.now();
      const out = new Array<Snapshot>(accounts.length);
      const missing: Array<{ i: number; a: Account }> = [];
      const stale: Account[] = [];
      accounts.forEach((a, i) => {
        const s = cache.get(a.id);
        if (s && now - s.at <= opts.maxAgeMs && (s.ok || now - s.at <= opts.freshMs)) {
          out[i] = s;
          if (now - s.at > opts.freshMs) stale.push(a);
        } else missing.push({ i, a });
      });
      // stale ones refresh behind the answer, a few at a time
      if (stale.length > 0) void mapLimit(stale, opts.concurrency, refresh);
      await mapLimit(missing, opts.concurrency, async ({ i, a }) => {
        out[i] = await refresh(a);
      });
      return out;
    },
  };
}

/** How fresh an answer is: the age of its oldest and newest snapshot, and the refresh threshold. */
export function snapshotAges(snaps: readonly Snapshot[], freshMs: number, now: number) {
  let oldest = now;
  let newest = 0;
  for (const s of snaps) {
    oldest = Math.min(oldest, s.at);
    newest = Math.max(newest, s.at);
  }
  return {
    refreshed_after_ms: freshMs,
    oldest_age_ms: snaps.length > 0 ? now - oldest : 0,
    newest_age_ms: snaps.length > 0 ? now - newest : 0,
  };
}
