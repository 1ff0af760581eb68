/**
 * The trading-stream demand of this instance: an account's upstream trading
 * stream is wanted while a local client listens to it, or always when the
 * instance records trade updates (`streams.recordTradeUpdates`), so that every
 * fill, cancel and expiry reaches the audit trail with nobody connected. The
 * coordinator sees one "wanted" per account and opens (or, with Redis, bids for
 * the lease of) exactly one upstream stream for it; its owner records each
 * update once.
 */
import type { Fleet } from "../accounts/types.js";

export interface TradingDemand {
  /** A local client started (true) or stopped (false) listening to the account. */
  clients(accountId: string, wanted: boolean): void;
  /** Accounts recorded whether or not a client listens. */
  recorded(): number;
  close(): void;
}

export interface TradingDemandDeps {
  readonly fleet: Fleet;
  /** Record every account of the fleet (and those added by a reload). */
  readonly record: boolean;
  /** The coordinator's view: changes only when the merged demand changes. */
  readonly setWanted: (accountId: string, wanted: boolean) => void;
}

export function createTradingDemand(deps: TradingDemandDeps): TradingDemand {
  const byClients = new Set<string>();
  const recorded = new Set<string>();
  const wanted = new Set<string>();

  const apply = (id: string): void => {
    const want = byClients.has(id) || recorded.has(id);
    if (want === wanted.has(id)) return;
    if (want) wanted.add(id);
    else wanted.delete(id);
    deps.setWanted(id, want);
  };

  let stop = (): void => undefined;
  if (deps.record) {
    for (const a of deps.fleet.list()) {
      recorded.add(a.id);
      apply(a.id);
    }
    stop = deps.fleet.onChange(({ added, removed }) => {
      for (const id of removed) {
        recorded.delete(id);
        apply(id);
      }
      for (const id of added) {
        recorded.add(id);
        apply(id);
      }
    });
  }

  return {
    clients(id, want) {
      if (want) byClients.add(id);
      else byClients.delete(id);
      apply(id);
    },
    recorded: () => recorded.size,
    close: () => stop(),
  };
}
