/**
 * Which account's credentials serve a market-data request: among the data accounts
 * (marketData.accounts, or all) entitled to the feed, the one with the most budget
 * left, so data spreads over the fleet and never starves one account's orders.
 * Feed entitlement: `sip` accounts (a paid subscription) may use every feed; the
 * others only the free ones (iex, delayed_sip; options: indicative).
 */
import type { Account, Fleet } from "../accounts/types.js";
import { PaddockError } from "../errors.js";
import type { Family } from "./endpoints.js";

const FREE_FEEDS: Readonly<Record<Family, ReadonlySet<string>>> = {
  stocks: new Set(["iex", "delayed_sip"]),
  options: new Set(["indicative"]),
};

export const isEntitled = (account: Pick<Account, "feed">, family: Family, feed: string): boolean =>
  account.feed === "sip" || FREE_FEEDS[family].has(feed);

export interface FeedChoice {
  /** The feed the answer is for: the requested one, or the best one the data accounts have. */
  readonly feed: string;
  /** Whether the client named it (else it is left out upstream and Alpaca picks the account's default). */
  readonly explicit: boolean;
  readonly accounts: readonly Account[];
}

/**
 * Resolves the feed and the accounts that may serve it. Without a `feed` parameter Alpaca
 * answers with the account's best feed, so only accounts of the best available tier are
 * used, and the cache keys name that feed.
 */
export function chooseFeed(
  fleet: Pick<Fleet, "dataAccounts">,
  family: Family,
  requested?: string,
): FeedChoice {
  const all = fleet.dataAccounts();
  if (all.length === 0) {
    throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: "no account is configured for market data" });
  }
  if (requested !== undefined) {
    const accounts = all.filter((a) => isEntitled(a, family, requested));
    if (accounts.length === 0) {
      throw new PaddockError("PADDOCK_REQUEST_INVALID", {
        detail: `feed: no market-data account is entitled to the ${requested} feed`,
      });
    }
    return { feed: requested, explicit: true, accounts };
  }
  const paid = all.filter((a) => a.feed === "sip");
  const best =
    family === "stocks" ? (paid.length > 0 ? "sip" : "iex") : paid.length > 0 ? "opra" : "indicative";
  return { feed: best, explicit: false, accounts: paid.length > 0 ? paid : all };
}

const budgetLeft = (a: Account): number => {
  const b = a.status().budget;
  return b.limit === 0 ? Number.POSITIVE_INFINITY : b.remaining - b.queued;
};

/**
 * The account with the most budget left; accounts whose breaker is open come last.
 * `rotation` breaks ties (unlimited budgets) so load still spreads.
 */
export function pickAccount(accounts: readonly Account[], rotation: number): Account {
  let best: Account | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  const n = accounts.length;
  for (let i = 0; i < n; i++) {
    const a = accounts[(rotation + i) % n]!;
    const status = a.status();
    const score = status.breaker === "open" ? Number.NEGATIVE_INFINITY : budgetLeft(a);
    if (best === undefined || score > bestScore) {
      best = a;
      bestScore = score;
    }
  }
  if (!best)
    throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: "no account is configured for market data" });
  return best;
}
