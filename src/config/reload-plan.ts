/**
 * What a reload can apply to a running gateway and what needs a restart. A reload
 * compares the running configuration with the new one setting by setting; the answer
 * names both lists, so an operator is never told "reloaded" for a change that did not
 * take effect.
 */

/**
 * Settings the running gateway reads at use (or rebuilds on reload). A path matches
 * itself and everything below it. Everything else that changes needs a restart.
 */
export const RELOADABLE_SETTINGS: readonly string[] = [
  "accounts", // the fleet adds, removes and re-keys accounts
  "accountsFile",
  "shards", // which shard owns which account (this replica's own accounts follow with "accounts")
  "auth", // keys, JWKS, algorithms, token limits, clients: the verifier and issuer are rebuilt
  "security", // the master keys only decrypt at load, which a reload does again
  "logging.level",
  "upstream.maxRetries",
  "upstream.retryBaseDelayMs",
  "upstream.retryMaxDelayMs",
  "upstream.dataUrl",
  "upstream.clockSkewWarnSeconds",
  "upstream.streamPaperUrl", // read when a stream next connects
  "upstream.streamLiveUrl",
  "marketData.maxSymbols",
  "marketData.maxHistoryDays",
  "marketData.accounts",
  "cache.latestTtlMs",
  "cache.openBarTtlMs",
  "cache.closedBarTtlMs",
];

export interface ReloadPlan {
  /** Changed settings the reload applies (dotted paths; arrays as a whole). */
  readonly applied: string[];
  /** Changed settings that keep their running value until the process restarts. */
  readonly restartRequired: string[];
}

export interface ReloadOptions {
  /** What to do with the open orders of accounts the new configuration removes. */
  readonly openOrders?: "cancel" | "keep";
  /**
   * Another worker of this instance (`serve --workers`) made this reload and already counted,
   * cancelled and audited what it had to: apply the file, decide and record nothing again.
   */
  readonly followed?: boolean;
}

export interface ReloadResult extends ReloadPlan {
  readonly added: string[];
  readonly removed: string[];
  readonly rekeyed: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Dotted paths whose values differ; arrays and scalars compare as whole values. */
export function changedSettings(before: unknown, after: unknown, prefix = ""): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys]
      .sort()
      .flatMap((k) => changedSettings(before[k], after[k], prefix === "" ? k : `${prefix}.${k}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix === "" ? "(root)" : prefix];
}

const reloadable = (path: string, rules: readonly string[]): boolean =>
  rules.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));

export function planReload(
  before: unknown,
  after: unknown,
  rules: readonly string[] = RELOADABLE_SETTINGS,
): ReloadPlan {
  const applied: string[] = [];
  const restartRequired: string[] = [];
  for (const path of changedSettings(before, after)) {
    (reloadable(path, rules) ? applied : restartRequired).push(path);
  }
  return { applied, restartRequired };
}
