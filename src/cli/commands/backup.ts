/**
 * `paddock backup create --config F --out FILE [--key K] [--force]` and
 * `paddock backup restore --config F --in FILE [--dir D] [--key K] [--force]`.
 *
 * A backup holds the configuration file (and its accounts file), a consistent copy of the
 * embedded state store (`VACUUM INTO` from a read transaction, so a running gateway's WAL is
 * included and nothing is half-copied) and the audit folder (every chain, checkpoint and
 * rotated file, subject-keys.json, instance ids and archive/; lock and temp files are not).
 * It is sealed with AES-256-GCM under the master key, or the backup key given with `--key`
 * (the format: src/config/backup-archive.ts). Key files (master key, JWT and TLS keys) are
 * not in it: keep them in a secret store. State held in Redis is not in it either: Redis has
 * its own persistence (RDB/AOF).
 *
 * Restore reads and authenticates the whole archive before writing anything, refuses to
 * replace an existing, different file unless `--force`, and writes each file atomically.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { Command } from "commander";
import {
  type BackupFile,
  type BackupKey,
  decryptBackup,
  encryptBackup,
  isSafeRelativePath,
  packBackup,
  readBackupHeader,
  unpackBackup,
} from "../../config/backup-archive.js";
import { loadConfig, loadMasterKeys, readRawConfig } from "../../config/load.js";
import { parseMasterKey, readMasterKeyFile } from "../../config/secrets.js";
import { PaddockError } from "../../errors.js";
import { STATE_FILE } from "../../state/open-state-store.js";
import { type Output, processOutput } from "../io.js";

const usage = (detail: string, cause?: unknown): PaddockError =>
  new PaddockError("PADDOCK_USAGE", { detail, ...(cause === undefined ? {} : { cause }) });

const errCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (err: unknown) => {
      if (errCode(err) === "ENOENT") return false;
      throw err;
    },
  );

/** A relative path with `/` separators when `path` lies inside `root`, else undefined. */
function inside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === "") return undefined;
  const posix = rel.split(sep).join("/");
  return isAbsolute(rel) || !isSafeRelativePath(posix) ? undefined : posix;
}

/** node:sqlite without its one-time ExperimentalWarning (Node 22); other warnings pass. */
function loadSqlite(): typeof import("node:sqlite") {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/sqlite/i.test(text)) return;
    (original as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
}

/** A consistent copy of a (possibly live, WAL-mode) SQLite file: one read transaction, no WAL copying. */
async function snapshotSqlite(file: string): Promise<Buffer> {
  const tmp = await mkdtemp(join(tmpdir(), "paddock-backup-"));
  const copy = join(tmp, "state.db");
  try {
    const { DatabaseSync } = loadSqlite();
    const db = new DatabaseSync(file);
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
    } finally {
      db.close();
    }
    return await readFile(copy);
  } catch (err) {
    if (err instanceof PaddockError) throw err;
    throw usage(`state store ${file}: cannot take a copy (${(err as Error).message})`, err);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const SKIPPED_AUDIT = /(\.lock$|\.tmp-[0-9a-f]+$)/;

async function listAudit(root: string, under = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listAudit(root, rel)));
    else if (e.isFile() && !SKIPPED_AUDIT.test(e.name)) out.push(rel);
  }
  return out;
}

/**
 * The audit folder as files. Checkpoints are read before the chains (a chain only grows, so
 * every checkpoint read names a line that is there), and a chain file ends at its last whole
 * line (a line being appended is left for the next backup). A file rotated or archived while
 * being read restarts the pass.
 */
async function readAudit(root: string): Promise<BackupFile[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const names = (await listAudit(root)).sort((a, b) => {
        const ca = a.endsWith(".checkpoints.jsonl") ? 0 : 1;
        const cb = b.endsWith(".checkpoints.jsonl") ? 0 : 1;
        return ca - cb || (a < b ? -1 : a > b ? 1 : 0);
      });
      const files: BackupFile[] = [];
      for (const name of names) {
        const path = join(root, ...name.split("/"));
        const [raw, st] = await Promise.all([readFile(path), stat(path)]);
        let data = raw;
        if (name.endsWith(".jsonl")) {
          const end = raw.lastIndexOf(0x0a);
          data = raw.subarray(0, end + 1);
        }
        files.push({ part: "audit", path: name, mode: st.mode & 0o777, data });
      }
      return files;
    } catch (err) {
      if (errCode(err) !== "ENOENT" || attempt >= 4) throw err;
    }
  }
}

export interface BackupCreateOptions {
  readonly config: string;
  readonly out: string;
  /** A separate backup key file (32 bytes, base64 or hex); default the config's master key. */
  readonly key?: string;
  readonly force?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface BackupSummary {
  readonly path: string;
  readonly keyId: string;
  readonly bytes: number;
  readonly counts: Readonly<Record<"config" | "state" | "audit", number>>;
  readonly notes: readonly string[];
}

export async function createBackup(o: BackupCreateOptions): Promise<BackupSummary> {
  const env = o.env ?? process.env;
  const configPath = resolve(o.config);
  const loaded = await loadConfig(configPath, { decrypt: false, env });
  const cfg = loaded.config;
  const key: BackupKey = o.key
    ? (await readMasterKeyFile(resolve(o.key))).key
    : (await loadMasterKeys(cfg, env)).ring.current;
  const notes: string[] = [];
  const files: BackupFile[] = [];
  const configDir = dirname(configPath);

  const configStat = await stat(configPath);
  files.push({
    part: "config",
    path: basename(configPath),
    mode: configStat.mode & 0o777,
    data: await readFile(configPath),
  });
  const { accountsFile } = await readRawConfig(configPath);
  if (accountsFile) {
    const rel = inside(configDir, accountsFile);
    if (rel) {
      const st = await stat(accountsFile);
      files.push({ part: "config", path: rel, mode: st.mode & 0o777, data: await readFile(accountsFile) });
    } else notes.push(`accounts file ${accountsFile} is outside the config's folder: not in this backup`);
  }

  const redisUrl = cfg.state.redisUrl ?? cfg.cache.redisUrl;
  const stateFile = join(cfg.state.dir, STATE_FILE);
  if (redisUrl) {
    notes.push("the state store is in Redis: not in this backup (Redis has its own persistence, RDB/AOF)");
  } else if (!(await exists(stateFile))) {
    notes.push(`no state store at ${stateFile} yet: nothing to back up there`);
  } else {
    files.push({ part: "state", path: STATE_FILE, mode: 0o600, data: await snapshotSqlite(stateFile) });
  }

  if (await exists(cfg.audit.dir)) files.push(...(await readAudit(cfg.audit.dir)));
  else notes.push(`no audit folder at ${cfg.audit.dir} yet: nothing to back up there`);

  const archive = encryptBackup(
    packBackup({
      createdAt: new Date().toISOString(),
      meta: {
        configFile: basename(configPath),
        stateDir: cfg.state.dir,
        stateRel: inside(configDir, cfg.state.dir) ?? null,
        auditDir: cfg.audit.dir,
        auditRel: inside(configDir, cfg.audit.dir) ?? null,
      },
      files,
    }),
    key,
  );
  const out = resolve(o.out);
  const fh = await open(out, o.force ? "w" : "wx", 0o600).catch((err: unknown) => {
    throw usage(
      errCode(err) === "EEXIST"
        ? `${o.out} already exists (give --force to replace it)`
        : `cannot write ${o.out}`,
      err,
    );
  });
  try {
    await fh.writeFile(archive);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const count = (part: string) => files.filter((f) => f.part === part).length;
  return {
    path: out,
    keyId: key.id,
    bytes: archive.length,
    counts: { config: count("config"), state: count("state"), audit: count("audit") },
    notes,
  };
}

export interface BackupRestoreOptions {
  readonly config: string;
  readonly in: string;
  /** Restore under this folder (the config's layout kept) instead of the config's own paths. */
  readonly dir?: string;
  /** The key the backup is sealed with (a backup key, or the master key when the config is gone). */
  readonly key?: string;
  readonly force?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RestoreSummary {
  readonly configFile: string;
  readonly stateDir: string;
  readonly auditDir: string;
  readonly written: number;
  readonly unchanged: number;
  readonly createdAt: string;
}

interface Planned {
  readonly target: string;
  readonly file: BackupFile;
}

async function restoreKey(o: BackupRestoreOptions, keyId: string, configPath: string): Promise<BackupKey> {
  const env = o.env ?? process.env;
  if (o.key) return (await readMasterKeyFile(resolve(o.key))).key;
  if (env.PADDOCK_MASTER_KEY) return parseMasterKey(env.PADDOCK_MASTER_KEY, "$PADDOCK_MASTER_KEY");
  if (await exists(configPath)) {
    const loaded = await loadConfig(configPath, { decrypt: false, env });
    const { ring } = await loadMasterKeys(loaded.config, env);
    const key = ring.all.get(keyId);
    if (!key) {
      throw usage(
        `the backup is sealed with key ${keyId}, which ${o.config} does not load; give it with --key FILE`,
      );
    }
    return key;
  }
  if (env.PADDOCK_MASTER_KEY_FILE) return (await readMasterKeyFile(resolve(env.PADDOCK_MASTER_KEY_FILE))).key;
  throw usage(
    `${o.config} does not exist, so its master key is unknown: give the key the backup is sealed with (id ${keyId}) with --key FILE`,
  );
}

async function writeAtomically(target: string, data: Buffer, mode: number): Promise<void> {
  const tmp = `${target}.tmp-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, target);
}

export async function restoreBackup(o: BackupRestoreOptions): Promise<RestoreSummary> {
  const env = o.env ?? process.env;
  const configPath = resolve(o.config);
  const archive = await readFile(resolve(o.in)).catch((err: unknown) => {
    throw usage(`cannot read ${o.in} (${errCode(err) ?? "error"})`, err);
  });
  const header = readBackupHeader(archive);
  const key = await restoreKey(o, header.keyId, configPath);
  // the tag is checked over the whole archive before anything below runs
  const contents = unpackBackup(decryptBackup(archive, key));
  const meta = contents.meta;
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const configName = str(meta.configFile) ?? "paddock.yaml";

  let configFile: string;
  let configRoot: string;
  let stateDir: string;
  let auditDir: string;
  const fromLayout = (root: string, rel: string | undefined, abs: string | undefined, part: string) =>
    rel && isSafeRelativePath(rel) ? join(root, ...rel.split("/")) : o.dir ? join(root, part) : abs;
  if (o.dir) {
    configRoot = resolve(o.dir);
    configFile = join(configRoot, configName);
    stateDir = fromLayout(configRoot, str(meta.stateRel), undefined, "state")!;
    auditDir = fromLayout(configRoot, str(meta.auditRel), undefined, "audit")!;
  } else {
    configRoot = dirname(configPath);
    configFile = configPath;
    const current = (await exists(configPath))
      ? (await loadConfig(configPath, { decrypt: false, env })).config
      : undefined;
    const s = current?.state.dir ?? fromLayout(configRoot, str(meta.stateRel), str(meta.stateDir), "state");
    const a = current?.audit.dir ?? fromLayout(configRoot, str(meta.auditRel), str(meta.auditDir), "audit");
    if (!s || !a) throw usage("the backup does not say where its state and audit folders go: give --dir");
    stateDir = s;
    auditDir = a;
  }

  const plan: Planned[] = contents.files.map((file) => {
    const under = (root: string) => join(root, ...file.path.split("/"));
    if (file.part === "config") {
      return { target: file.path === configName ? configFile : under(configRoot), file };
    }
    if (file.part === "state") return { target: under(stateDir), file };
    if (file.part === "audit") return { target: under(auditDir), file };
    throw usage(`the backup holds a part this version does not know (${file.part})`);
  });

  // nothing is written while any check can still fail
  const conflicts: string[] = [];
  const unchanged = new Set<string>();
  const stale: string[] = [];
  for (const { target, file } of plan) {
    const current = await readFile(target).catch((err: unknown) => {
      if (errCode(err) === "ENOENT") return undefined;
      throw usage(`cannot read ${target} (${errCode(err) ?? "error"})`, err);
    });
    if (current?.equals(file.data)) unchanged.add(target);
    else if (current) conflicts.push(target);
    if (file.part === "state") {
      for (const extra of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) {
        if (await exists(extra)) {
          stale.push(extra);
          conflicts.push(extra);
          unchanged.delete(target);
        }
      }
    }
  }
  if (conflicts.length > 0 && !o.force) {
    throw usage(
      `${conflicts.length} file(s) already exist (first: ${conflicts[0]}); nothing written: restore into an empty place, use --dir, or give --force`,
    );
  }

  let written = 0;
  for (const { target, file } of plan) {
    if (unchanged.has(target)) continue;
    const dir = dirname(target);
    await mkdir(dir, { recursive: true, mode: file.part === "config" ? 0o755 : 0o700 });
    if (file.part === "state") {
      // a WAL left beside the file belongs to the database being replaced
      for (const extra of stale.filter((s) => s.startsWith(target))) await rm(extra, { force: true });
    }
    await writeAtomically(target, file.data, file.mode || 0o600);
    written++;
  }
  return {
    configFile,
    stateDir,
    auditDir,
    written,
    unchanged: unchanged.size,
    createdAt: contents.createdAt,
  };
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

export function backupCommand(output: Output = processOutput): Command {
  const backup = new Command("backup").description(
    "encrypted backups of the configuration, the embedded state store and the audit trail",
  );
  backup
    .command("create")
    .description("write an encrypted backup (AES-256-GCM under the master key, or --key)")
    .requiredOption("--config <file>", "paddock.yaml of the deployment to back up")
    .requiredOption("--out <file>", "the backup file to write (mode 0600)")
    .option("--key <file>", "a separate backup key (32 bytes, base64; make one with `keys gen-master`)")
    .option("--force", "replace --out if it exists")
    .action(async (o: { config: string; out: string; key?: string; force?: boolean }) => {
      const started = Date.now();
      const r = await createBackup(o);
      output.out(
        `wrote ${r.path}: ${kib(r.bytes)}, config ${r.counts.config} file(s), state ${r.counts.state}, ` +
          `audit ${r.counts.audit}; sealed with key ${r.keyId} in ${Date.now() - started} ms`,
      );
      for (const n of r.notes) output.out(`note: ${n}`);
    });
  backup
    .command("restore")
    .description("check and restore a backup into the config's paths (or --dir); existing files are kept")
    .requiredOption("--config <file>", "where the configuration goes (its master key opens the backup)")
    .requiredOption("--in <file>", "the backup file")
    .option("--dir <dir>", "restore under this folder instead, keeping the config's layout")
    .option("--key <file>", "the key the backup is sealed with (backup key, or master key)")
    .option("--force", "replace existing files that differ from the backup")
    .action(async (o: { config: string; in: string; dir?: string; key?: string; force?: boolean }) => {
      const r = await restoreBackup(o);
      output.out(
        `restored ${r.written} file(s) (${r.unchanged} already identical) from the backup of ${r.createdAt}: ` +
          `config ${r.configFile}, state ${r.stateDir}, audit ${r.auditDir}`,
      );
      output.out(`next: paddock audit verify --config ${r.configFile} ${r.auditDir}`);
    });
  return backup;
}
