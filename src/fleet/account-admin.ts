/**
 * Accounts as a managed resource: add, change, rotate keys, import and remove accounts by
 * API or CLI. The YAML configuration stays the one source of truth: each change checks a
 * new key pair against Alpaca (`GET /v2/account`) first, seals the keys with the master key
 * as they are written, rewrites the file atomically (with `.bak`), then asks the running
 * gateway to reload — no restart. If the reload refuses (open orders on a removed account,
 * an invalid result), the files are put back. Live accounts need `confirm_live: true`.
 * Every change is audited; secrets are never echoed, logged or audited.
 */
import type { AuditEntryInput } from "../audit/record.js";
import { loadConfig, loadMasterKeys } from "../config/load.js";
import type { ReloadOptions } from "../config/reload-plan.js";
import { encryptSecret } from "../config/secrets.js";
import { PaddockError } from "../errors.js";
import { readAccountFile, restoreAccountFile, type StoredAccount, writeAccountFile } from "./account-file.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_IMPORT = 1000;

export interface NewAccount {
  readonly id: string;
  readonly mode: "paper" | "live";
  readonly keyId: string;
  readonly secretKey: string;
  readonly tags: readonly string[];
}

export interface AccountPatch {
  readonly mode?: "paper" | "live";
  readonly keyId?: string;
  readonly secretKey?: string;
  readonly tags?: readonly string[];
}

/** What a key check learned: the Alpaca account the keys open. */
export interface KeyCheck {
  readonly accountNumber: string;
  readonly status: string;
}

export interface AccountAdminDeps {
  readonly configPath: string;
  /** GET /v2/account with the pair at the mode's trading URL; throws a PaddockError when refused. */
  readonly checkKeys: (mode: "paper" | "live", keyId: string, secretKey: string) => Promise<KeyCheck>;
  /** The gateway's reload; the CLI passes one that does nothing (the operator reloads). */
  readonly reload: (options: ReloadOptions) => Promise<unknown>;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
  readonly env?: NodeJS.ProcessEnv;
}

export interface Who {
  readonly subject: string;
  readonly requestId?: string;
}

/** An account as answered: never its keys. */
export interface AccountSummary {
  readonly id: string;
  readonly mode: string;
  readonly tags: readonly string[];
  readonly account_number?: string;
}

export interface AccountAdmin {
  list(): Promise<AccountSummary[]>;
  add(input: unknown, who: Who): Promise<AccountSummary>;
  update(id: string, patch: unknown, who: Who): Promise<AccountSummary>;
  remove(id: string, options: ReloadOptions, who: Who): Promise<{ id: string; removed: true }>;
  importAccounts(input: unknown, who: Who): Promise<{ imported: AccountSummary[] }>;
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, field: string, prefix: string): string {
  const v = o[field];
  if (typeof v !== "string" || v.trim() === "")
    throw invalid(`${prefix}${field}`, "required, a non-empty string");
  return v.trim();
}

function tagsOf(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  const list =
    typeof v === "string"
      ? v
          .split(/[;|]/)
          .map((t) => t.trim())
          .filter(Boolean)
      : v;
  if (!Array.isArray(list) || list.some((t) => typeof t !== "string" || t.length === 0 || t.length > 64)) {
    throw invalid(field, "must be a list of tag names");
  }
  return [...new Set(list as string[])];
}

function modeOf(v: unknown, field: string): "paper" | "live" {
  if (v === undefined) return "paper";
  if (v !== "paper" && v !== "live") throw invalid(field, "must be paper or live");
  return v;
}

const confirmedLive = (o: Record<string, unknown>): boolean =>
  o.confirm_live === true || o.confirm_live === "true";

/** Parses one new account (`prefix` names its place in an import, e.g. `accounts[3].`). */
export function parseNewAccount(o: unknown, prefix = ""): NewAccount {
  if (!isObject(o)) throw invalid(prefix || "body", "must be an object");
  const id = str(o, "id", prefix);
  if (!ID.test(id))
    throw invalid(
      `${prefix}id`,
      "letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit",
    );
  const mode = modeOf(o.mode, `${prefix}mode`);
  if (mode === "live" && !confirmedLive(o)) {
    throw invalid(`${prefix}confirm_live`, "a live account trades real money: send confirm_live: true");
  }
  return {
    id,
    mode,
    keyId: str(o, "keyId", prefix),
    secretKey: str(o, "secretKey", prefix),
    tags: tagsOf(o.tags, `${prefix}tags`),
  };
}

/** Accounts from an import body: a JSON array / `{accounts: [...]}`, or CSV text with a header row. */
export function parseImport(input: unknown): unknown[] {
  if (Array.isArray(input)) return input;
  if (isObject(input) && Array.isArray(input.accounts)) {
    const live = confirmedLive(input);
    return input.accounts.map((a) => (live && isObject(a) ? { confirm_live: true, ...a } : a));
  }
  if (typeof input === "string") return parseCsv(input);
  throw invalid("body", "must be a JSON array of accounts, {accounts: [...]}, or CSV with a header row");
}

/** CSV with a header (id,mode,keyId,secretKey,tags[,confirm_live]); tags separated by ';'. No quoting needed for keys. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const header = lines
    .shift()
    ?.split(",")
    .map((h) => h.trim());
  if (!header?.includes("id"))
    throw invalid("csv", "the first line must name the columns (id,mode,keyId,secretKey,tags)");
  return lines.map((line, n) => {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length > header.length) throw invalid(`csv line ${n + 2}`, "more cells than columns");
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]).filter(([, v]) => v !== ""));
  });
}

const summary = (a: StoredAccount, accountNumber?: string): AccountSummary => ({
  id: a.id,
  mode: typeof a.mode === "string" ? a.mode : "paper",
  tags: Array.isArray(a.tags) ? (a.tags as string[]) : [],
  ...(accountNumber ? { account_number: accountNumber } : {}),
});

export function createAccountAdmin(deps: AccountAdminDeps): AccountAdmin {
  let queue: Promise<unknown> = Promise.resolve();
  /** One change at a time: read, change, write, reload (restore the files if the reload refuses). */
  const change = <T>(
    fn: (accounts: StoredAccount[]) => Promise<{ next: StoredAccount[]; result: T }>,
    reload: ReloadOptions = {},
  ) => {
    const run = queue.then(async () => {
      const before = await readAccountFile(deps.configPath);
      const { next, result } = await fn(before.accounts.map((a) => ({ ...a })));
      await writeAccountFile(before, next);
      try {
        await deps.reload(reload);
      } catch (err) {
        await restoreAccountFile(before);
        throw err;
      }
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const seal = async (a: NewAccount | (AccountPatch & { id: string })): Promise<Record<string, string>> => {
    const loaded = await loadConfig(deps.configPath, { decrypt: false, env: deps.env ?? process.env });
    const { ring } = await loadMasterKeys(loaded.config, deps.env ?? process.env);
    const out: Record<string, string> = {};
    if (a.keyId !== undefined) out.keyId = encryptSecret(a.keyId, a.id, ring.current);
    if (a.secretKey !== undefined) out.secretKey = encryptSecret(a.secretKey, a.id, ring.current);
    return out;
  };

  const audited = async (
    action: string,
    who: Who,
    account: string,
    request: Record<string, unknown>,
    outcome: "accepted" | "rejected",
    err?: unknown,
  ) => {
    const e = err === undefined ? undefined : PaddockError.from(err);
    await deps.audit.append({
      action,
      outcome,
      source: "gateway",
      subject: who.subject,
      account,
      request,
      ...(who.requestId ? { requestId: who.requestId } : {}),
      ...(e ? { error: { code: e.alpacaCode, message: e.message } } : {}),
    });
  };

  /** Runs `fn`, auditing its outcome (the request without secrets). */
  const withAudit = async <T>(
    action: string,
    who: Who,
    account: string,
    request: Record<string, unknown>,
    fn: () => Promise<T>,
  ): Promise<T> => {
    try {
      const r = await fn();
      await audited(action, who, account, request, "accepted");
      return r;
    } catch (err) {
      await audited(action, who, account, request, "rejected", err);
      throw err;
    }
  };

  return {
    async list() {
      return (await readAccountFile(deps.configPath)).accounts.map((a) => summary(a));
    },

    async add(input, who) {
      const a = parseNewAccount(input);
      return withAudit("admin.account_add", who, a.id, { id: a.id, mode: a.mode, tags: a.tags }, async () => {
        const check = await deps.checkKeys(a.mode, a.keyId, a.secretKey);
        const sealed = await seal(a);
        return change(async (accounts) => {
          if (accounts.some((x) => x.id === a.id)) {
            throw new PaddockError("PADDOCK_CONFLICT", { field: "id", detail: `${a.id} already exists` });
          }
          const stored: StoredAccount = { id: a.id, mode: a.mode, ...sealed, tags: [...a.tags] };
          return { next: [...accounts, stored], result: summary(stored, check.accountNumber) };
        });
      });
    },

    async update(id, patchIn, who) {
      if (!isObject(patchIn)) throw invalid("body", "must be an object");
      const allowed = new Set(["mode", "keyId", "secretKey", "tags", "confirm_live"]);
      for (const k of Object.keys(patchIn)) if (!allowed.has(k)) throw invalid(k, "cannot be changed here");
      const patch: AccountPatch = {
        ...(patchIn.mode !== undefined ? { mode: modeOf(patchIn.mode, "mode") } : {}),
        ...(patchIn.keyId !== undefined ? { keyId: str(patchIn, "keyId", "") } : {}),
        ...(patchIn.secretKey !== undefined ? { secretKey: str(patchIn, "secretKey", "") } : {}),
        ...(patchIn.tags !== undefined ? { tags: tagsOf(patchIn.tags, "tags") } : {}),
      };
      if ((patch.keyId === undefined) !== (patch.secretKey === undefined)) {
        throw invalid(
          patch.keyId === undefined ? "keyId" : "secretKey",
          "keys change as a pair: send keyId and secretKey",
        );
      }
      if (patch.mode === "live" && !confirmedLive(patchIn)) {
        throw invalid("confirm_live", "a live account trades real money: send confirm_live: true");
      }
      const request = {
        id,
        ...(patch.mode ? { mode: patch.mode } : {}),
        ...(patch.tags ? { tags: patch.tags } : {}),
        keys_changed: patch.keyId !== undefined,
      };
      return withAudit("admin.account_update", who, id, request, () =>
        change(async (accounts) => {
          const i = accounts.findIndex((x) => x.id === id);
          if (i < 0) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: id.slice(0, 64) });
          const current = accounts[i]!;
          const mode = patch.mode ?? (current.mode === "live" ? "live" : "paper");
          if (mode === "live" && current.mode !== "live" && !confirmedLive(patchIn)) {
            throw invalid("confirm_live", "a live account trades real money: send confirm_live: true");
          }
          let accountNumber: string | undefined;
          const next: StoredAccount = { ...current, mode, ...(patch.tags ? { tags: [...patch.tags] } : {}) };
          if (patch.keyId !== undefined && patch.secretKey !== undefined) {
            accountNumber = (await deps.checkKeys(mode, patch.keyId, patch.secretKey)).accountNumber;
            Object.assign(next, await seal({ id, keyId: patch.keyId, secretKey: patch.secretKey }));
          } else if (patch.mode !== undefined && patch.mode !== current.mode) {
            throw invalid("mode", "paper and live keys differ: send the new mode's keyId and secretKey too");
          }
          accounts[i] = next;
          return { next: accounts, result: summary(next, accountNumber) };
        }),
      );
    },

    async remove(id, options, who) {
      return withAudit(
        "admin.account_remove",
        who,
        id,
        { id, open_orders: options.openOrders ?? "none" },
        () =>
          change(async (accounts) => {
            if (!accounts.some((x) => x.id === id))
              throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: id.slice(0, 64) });
            return { next: accounts.filter((x) => x.id !== id), result: { id, removed: true as const } };
          }, options),
      );
    },

    async importAccounts(input, who) {
      const rows = parseImport(input);
      if (rows.length === 0 || rows.length > MAX_IMPORT)
        throw invalid("accounts", `must hold 1 to ${MAX_IMPORT} accounts`);
      const parsed = rows.map((r, i) => parseNewAccount(r, `accounts[${i}].`));
      const ids = new Set<string>();
      parsed.forEach((a, i) => {
        if (ids.has(a.id)) throw invalid(`accounts[${i}].id`, `${a.id} is listed twice`);
        ids.add(a.id);
      });
      const request = { ids: parsed.map((a) => a.id) };
      return withAudit("admin.account_import", who, parsed[0]!.id, request, async () => {
        // every pair is checked before anything is written: an import is all or nothing
        const checks: KeyCheck[] = [];
        for (const [i, a] of parsed.entries()) {
          try {
            checks.push(await deps.checkKeys(a.mode, a.keyId, a.secretKey));
          } catch (err) {
            const e = PaddockError.from(err);
            throw new PaddockError(e.code, {
              field: `accounts[${i}]`,
              detail: `${a.id}: ${e.detail ?? e.message}`,
            });
          }
        }
        const sealed = await Promise.all(parsed.map((a) => seal(a)));
        return change(async (accounts) => {
          const taken = parsed.findIndex((a) => accounts.some((x) => x.id === a.id));
          if (taken >= 0)
            throw new PaddockError("PADDOCK_CONFLICT", {
              field: `accounts[${taken}].id`,
              detail: `${parsed[taken]!.id} already exists`,
            });
          const added = parsed.map(
            (a, i): StoredAccount => ({ id: a.id, mode: a.mode, ...sealed[i], tags: [...a.tags] }),
          );
          return {
            next: [...accounts, ...added],
            result: { imported: added.map((a, i) => summary(a, checks[i]!.accountNumber)) },
          };
        });
      });
    },
  };
}

/**
 * A key check against Alpaca: `GET /v2/account` with the pair at the mode's trading URL.
 * 401/403 → 422 naming keyId (the pair is refused); anything else unexpected → 502.
 */
export function alpacaKeyCheck(urls: () => { paper: string; live: string }, fetchImpl: typeof fetch = fetch) {
  return async (mode: "paper" | "live", keyId: string, secretKey: string): Promise<KeyCheck> => {
    const base = mode === "live" ? urls().live : urls().paper;
    let res: Response;
    try {
      res = await fetchImpl(`${new URL(base).origin}/v2/account`, {
        headers: { "APCA-API-KEY-ID": keyId, "APCA-API-SECRET-KEY": secretKey },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
        detail: "cannot reach Alpaca to check the keys",
        cause: err,
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw invalid("keyId", `Alpaca refused this key pair for a ${mode} account (${res.status})`);
    }
    if (res.status !== 200) {
      throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
        detail: `checking the keys: Alpaca answered ${res.status}`,
      });
    }
    const body = (await res.json()) as { account_number?: unknown; status?: unknown };
    return { accountNumber: String(body.account_number ?? ""), status: String(body.status ?? "") };
  };
}
