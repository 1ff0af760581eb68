/**
 * Loading: YAML file (+ accountsFile) → environment overrides → defaults → validate
 * (every problem at once, with paths) → decrypt secrets → freeze.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { parseDocument } from "yaml";
import { PaddockError } from "../errors.js";
import { type Config, ConfigSchema } from "./schema.js";
import {
  decryptSecret,
  isEncrypted,
  type KeyRing,
  type MasterKey,
  makeKeyRing,
  parseMasterKey,
  readMasterKeyFile,
} from "./secrets.js";
import { assignShards, type ShardLayout } from "./shards.js";
import { type ConfigProblem, formatPath, validateAgainst } from "./validate.js";

export interface LoadedConfig {
  /** Validated, defaulted, frozen; secrets decrypted in place. */
  readonly config: Config;
  readonly path: string;
  readonly dir: string;
  /** Things an operator should see at start (plaintext secrets, a readable master key). */
  readonly warnings: readonly string[];
  readonly keyRing: KeyRing | undefined;
  /**
   * The shards and which accounts each holds (when `shards` is set). With `shard.id`, `config.accounts`
   * holds only that shard's accounts (only their keys are decrypted; with `decrypt: false`, every account);
   * the layout still lists every account.
   */
  readonly layout?: ShardLayout;
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Skip decryption (for tools that only check structure). */
  readonly decrypt?: boolean;
}

/** Thrown with every problem found; `message` lists them one per line. */
export class ConfigError extends PaddockError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super("PADDOCK_CONFIG_INVALID", {
      detail: problems.map((p) => `${p.path}: ${p.message}`).join("\n"),
    });
    this.problems = problems;
  }
}

/** Where each secret lives in a raw config, and whose it is (the AAD of its envelope). */
export interface SecretField {
  readonly path: readonly (string | number)[];
  readonly owner: string;
}

export function secretFields(raw: unknown): SecretField[] {
  const out: SecretField[] = [];
  const obj = (raw ?? {}) as { accounts?: unknown; auth?: { hs256Secret?: unknown } };
  if (Array.isArray(obj.accounts)) {
    obj.accounts.forEach((a: unknown, i) => {
      const acct = (a ?? {}) as { id?: unknown };
      const owner = typeof acct.id === "string" ? acct.id : `accounts[${i}]`;
      out.push({ path: ["accounts", i, "keyId"], owner }, { path: ["accounts", i, "secretKey"], owner });
    });
  }
  if (typeof obj.auth?.hs256Secret === "string")
    out.push({ path: ["auth", "hs256Secret"], owner: "auth.hs256Secret" });
  return out;
}

export function getAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): void {
  let cur = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
}

export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    throw new PaddockError("PADDOCK_CONFIG_IO", { detail: `${what} ${path}: ${why}`, cause: err });
  }
}

/** Parses YAML, failing with the file, line and column of the first syntax error. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: `${where}: YAML syntax error: ${first.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
    });
  }
  return doc.toJS() ?? {};
}

const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; kind: "int" | "string" }> = [
  { name: "PADDOCK_PORT", path: ["server", "port"], kind: "int" },
  { name: "PADDOCK_HOST", path: ["server", "host"], kind: "string" },
  { name: "PADDOCK_LOG_LEVEL", path: ["logging", "level"], kind: "string" },
  { name: "PADDOCK_MASTER_KEY_FILE", path: ["security", "masterKeyFile"], kind: "string" },
  { name: "REDIS_URL", path: ["cache", "redisUrl"], kind: "string" },
  { name: "PADDOCK_AUDIT_DIR", path: ["audit", "dir"], kind: "string" },
  { name: "PADDOCK_STATE_DIR", path: ["state", "dir"], kind: "string" },
  { name: "PADDOCK_SHARD", path: ["shard", "id"], kind: "string" },
  { name: "PADDOCK_ADVERTISE_URL", path: ["shard", "advertiseUrl"], kind: "string" },
];

export const ENV_VARIABLES = [...ENV_OVERRIDES.map((e) => e.name), "PADDOCK_MASTER_KEY"] as const;

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): void {
  for (const o of ENV_OVERRIDES) {
    const text = env[o.name];
    if (text === undefined || text === "") continue;
    let value: unknown = text;
    if (o.kind === "int") {
      if (!/^\d+$/.test(text)) {
        problems.push({ path: `$${o.name}`, message: `must be a whole number (got "${text}")` });
        continue;
      }
      value = Number(text);
    }
    let cur = raw;
    for (const key of o.path.slice(0, -1)) {
      const next = cur[key];
      cur[key] = next !== null && typeof next === "object" ? next : {};
      cur = cur[key] as Record<string, unknown>;
    }
    cur[o.path[o.path.length - 1]!] = value;
  }
}

const resolveFrom = (dir: string, p: string): string => (isAbsolute(p) ? p : resolve(dir, p));

/** Makes every file path in the config absolute, relative to the config's directory. */
function resolvePaths(cfg: Config, dir: string): void {
  const s = cfg.security;
  if (s.masterKeyFile) s.masterKeyFile = resolveFrom(dir, s.masterKeyFile);
  s.previousMasterKeyFiles = s.previousMasterKeyFiles.map((p) => resolveFrom(dir, p));
  if (cfg.server.tls) {
    cfg.server.tls.certFile = resolveFrom(dir, cfg.server.tls.certFile);
    cfg.server.tls.keyFile = resolveFrom(dir, cfg.server.tls.keyFile);
  }
  const a = cfg.auth;
  if (a.signing) {
    a.signing.privateKeyFile = resolveFrom(dir, a.signing.privateKeyFile);
    a.signing.publicKeyFile = resolveFrom(dir, a.signing.publicKeyFile);
  }
  for (const k of a.publicKeyFiles) k.path = resolveFrom(dir, k.path);
  if (a.jwksFile) a.jwksFile = resolveFrom(dir, a.jwksFile);
  cfg.audit.dir = resolveFrom(dir, cfg.audit.dir);
  if (cfg.audit.checkpointKeyFile)
    cfg.audit.checkpointKeyFile = resolveFrom(dir, cfg.audit.checkpointKeyFile);
  cfg.state.dir = resolveFrom(dir, cfg.state.dir);
  if (cfg.metrics.tokenFile) cfg.metrics.tokenFile = resolveFrom(dir, cfg.metrics.tokenFile);
}

function semanticProblems(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ids = new Map<string, number>();
  cfg.accounts.forEach((a, i) => {
    const first = ids.get(a.id);
    if (first !== undefined)
      problems.push({ path: `accounts[${i}].id`, message: `duplicate of accounts[${first}]` });
    else ids.set(a.id, i);
  });
  cfg.marketData.accounts.forEach((id, i) => {
    if (!ids.has(id))
      problems.push({ path: `marketData.accounts[${i}]`, message: `unknown account "${id}"` });
  });
  if (cfg.auth.algorithms.includes("HS256") && !cfg.auth.hs256Secret) {
    problems.push({ path: "auth.hs256Secret", message: "required when HS256 is in auth.algorithms" });
  }
  return problems;
}

/** Narrows the configuration to this replica's shard: its accounts, and its market-data accounts. */
function keepShard(cfg: Config, layout: ShardLayout): void {
  const mine = (id: string) => layout.ownerOf(id)?.shard === layout.self;
  cfg.accounts = cfg.accounts.filter((a) => mine(a.id));
  cfg.marketData.accounts = cfg.marketData.accounts.filter(mine);
}

export async function loadMasterKeys(
  cfg: Config,
  env: NodeJS.ProcessEnv,
): Promise<{ ring: KeyRing; warnings: string[] }> {
  const warnings: string[] = [];
  let current: MasterKey;
  const inline = env.PADDOCK_MASTER_KEY;
  if (inline) current = parseMasterKey(inline, "$PADDOCK_MASTER_KEY");
  else if (cfg.security.masterKeyFile) {
    const r = await readMasterKeyFile(cfg.security.masterKeyFile);
    if (r.warning) warnings.push(r.warning);
    current = r.key;
  } else {
    throw new PaddockError("PADDOCK_MASTER_KEY", {
      detail:
        "encrypted secrets need security.masterKeyFile, $PADDOCK_MASTER_KEY_FILE or $PADDOCK_MASTER_KEY",
    });
  }
  const previous: MasterKey[] = [];
  for (const p of cfg.security.previousMasterKeyFiles) {
    const r = await readMasterKeyFile(p);
    if (r.warning) warnings.push(r.warning);
    previous.push(r.key);
  }
  return { ring: makeKeyRing(current, previous), warnings };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Reads the raw (not yet validated) config object, accounts file merged; paths of file accounts remembered. */
export async function readRawConfig(
  path: string,
): Promise<{ raw: Record<string, unknown>; inlineAccounts: number; accountsFile?: string }> {
  const parsed = parseYaml(await readText(path, "config file"), path);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `${path}: the top level must be a mapping` });
  }
  const raw = parsed as Record<string, unknown>;
  const inline = Array.isArray(raw.accounts) ? (raw.accounts as unknown[]) : [];
  if (typeof raw.accountsFile !== "string") return { raw, inlineAccounts: inline.length };
  const file = resolveFrom(dirname(path), raw.accountsFile);
  const fromFile = parseYaml(await readText(file, "accounts file"), file) as { accounts?: unknown } | null;
  const list = fromFile && Array.isArray(fromFile.accounts) ? fromFile.accounts : undefined;
  if (!list) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `${file}: must hold an \`accounts:\` list` });
  }
  raw.accounts = [...inline, ...list];
  return { raw, inlineAccounts: inline.length, accountsFile: file };
}

export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const absPath = resolve(path);
  const dir = dirname(absPath);
  const { raw, inlineAccounts, accountsFile } = await readRawConfig(absPath);
  const relabel = (p: ConfigProblem): ConfigProblem => {
    const m = /^accounts\[(\d+)\](.*)$/.exec(p.path);
    if (!m || !accountsFile || Number(m[1]) < inlineAccounts) return p;
    return { path: `${accountsFile}: accounts[${Number(m[1]) - inlineAccounts}]${m[2]}`, message: p.message };
  };

  const problems: ConfigProblem[] = [];
  applyEnv(raw, env, problems);
  const cfg = Value.Default(ConfigSchema, Value.Clone(raw)) as Config;
  problems.push(...validateAgainst(ConfigSchema, cfg));
  const structureOk = problems.length === 0;
  let layout: ShardLayout | undefined;
  if (structureOk) {
    resolvePaths(cfg, dir);
    problems.push(...semanticProblems(cfg));
    const shards = assignShards(cfg);
    layout = shards.layout;
    problems.push(...shards.problems);
  } else if (typeof cfg.security?.masterKeyFile === "string") {
    cfg.security.masterKeyFile = resolveFrom(dir, cfg.security.masterKeyFile);
  }

  // A replica of a shard decrypts only its own accounts' keys.
  const servedHere = (f: SecretField): boolean =>
    layout?.self === undefined || f.path[0] !== "accounts" || layout.ownerOf(f.owner)?.shard === layout.self;
  // Secrets are checked even when the structure has problems, so one run reports everything.
  const warnings: string[] = [];
  let keyRing: KeyRing | undefined;
  const fields = secretFields(cfg).filter((f) => typeof getAt(cfg, f.path) === "string");
  const plaintext = fields.filter((f) => !isEncrypted(getAt(cfg, f.path) as string));
  if (plaintext.length > 0 && cfg.security?.allowPlaintextSecrets !== true) {
    for (const f of plaintext) {
      problems.push({
        path: formatPath(f.path),
        message: "not an encrypted value (encrypt it with `paddock keys encrypt`)",
      });
    }
  } else if (plaintext.length > 0) {
    warnings.push(
      `SECURITY: ${plaintext.length} secret(s) are stored in plaintext (security.allowPlaintextSecrets: true); use only for development`,
    );
  }
  if (options.decrypt !== false && plaintext.length < fields.length) {
    try {
      const keys = await loadMasterKeys(cfg, env);
      keyRing = keys.ring;
      warnings.push(...keys.warnings);
      for (const f of fields) {
        const value = getAt(cfg, f.path) as string;
        if (!isEncrypted(value) || !servedHere(f)) continue;
        const where = formatPath(f.path);
        try {
          setAt(cfg, f.path, decryptSecret(value, f.owner, keyRing, where));
        } catch (err) {
          const reason = err instanceof PaddockError ? (err.detail ?? err.message) : String(err);
          const whose = f.path[0] === "accounts" ? ` (account ${f.owner})` : "";
          problems.push({ path: where, message: `${reason}${whose}` });
        }
      }
    } catch (err) {
      if (!(err instanceof PaddockError)) throw err;
      problems.push({ path: "security.masterKeyFile", message: err.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map(relabel));
  // tools that only read the structure (`decrypt: false`: keys rotate, backup, shards map) see every account
  if (layout?.self !== undefined && options.decrypt !== false) keepShard(cfg, layout);
  return { config: deepFreeze(cfg), path: absPath, dir, warnings, keyRing, ...(layout ? { layout } : {}) };
}
