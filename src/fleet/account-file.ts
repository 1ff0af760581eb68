/**
 * The accounts in the YAML configuration — the one source of truth for the fleet — read
 * and rewritten as they are stored (secrets stay sealed `enc:v1:` envelopes). Writes are
 * atomic with a `.bak` copy of each file replaced. With `accountsFile` set, the inline
 * accounts stay in the main file and the rest (and every new one) live in the accounts file.
 */
import { randomBytes } from "node:crypto";
import { copyFile, open, rename, rm } from "node:fs/promises";
import { parseDocument } from "yaml";
import { readRawConfig, readText } from "../config/load.js";
import { PaddockError } from "../errors.js";

/** One account entry as stored: keys are sealed envelopes, other fields as written. */
export type StoredAccount = Record<string, unknown> & { id: string };

export interface AccountFileSnapshot {
  readonly accounts: StoredAccount[];
  /** The files' text before any change (for restoring after a refused reload). */
  readonly files: ReadonlyArray<{ path: string; data: string }>;
}

export async function readAccountFile(configPath: string): Promise<AccountFileSnapshot> {
  const { inlineAccounts, accountsFile } = await readRawConfig(configPath);
  const main = await readText(configPath, "config file");
  const files = [{ path: configPath, data: main }];
  const mainAccounts = (parseDocument(main).toJS() as { accounts?: StoredAccount[] }).accounts ?? [];
  let extra: StoredAccount[] = [];
  if (accountsFile) {
    const text = await readText(accountsFile, "accounts file");
    files.push({ path: accountsFile, data: text });
    extra = (parseDocument(text).toJS() as { accounts?: StoredAccount[] }).accounts ?? [];
  }
  return { accounts: [...mainAccounts.slice(0, inlineAccounts), ...extra], files };
}

/** Writes `accounts` back: the first `inline` stay in the main file, the rest go to the accounts file. */
export async function writeAccountFile(
  before: AccountFileSnapshot,
  accounts: readonly StoredAccount[],
): Promise<void> {
  const [main, extra] = before.files;
  const mainDoc = parseDocument(main!.data);
  if (!extra) {
    mainDoc.set("accounts", accounts);
    await replaceFilesAtomically([{ path: main!.path, data: mainDoc.toString({ lineWidth: 0 }) }]);
    return;
  }
  const inlineIds = new Set(
    ((mainDoc.toJS() as { accounts?: StoredAccount[] }).accounts ?? []).map((a) => a.id),
  );
  const extraDoc = parseDocument(extra.data);
  mainDoc.set(
    "accounts",
    accounts.filter((a) => inlineIds.has(a.id)),
  );
  extraDoc.set(
    "accounts",
    accounts.filter((a) => !inlineIds.has(a.id)),
  );
  await replaceFilesAtomically([
    { path: extra.path, data: extraDoc.toString({ lineWidth: 0 }) },
    { path: main!.path, data: mainDoc.toString({ lineWidth: 0 }) },
  ]);
}

/** Puts the files back as they were (a reload refused the change); the `.bak` copies stay. */
export async function restoreAccountFile(before: AccountFileSnapshot): Promise<void> {
  await replaceAll(before.files, false);
}

const replaceFilesAtomically = (files: ReadonlyArray<{ path: string; data: string }>) =>
  replaceAll(files, true);

/** Every temp file is written and synced before any rename; with `backup`, each old file is kept as `.bak`. */
async function replaceAll(
  files: ReadonlyArray<{ path: string; data: string }>,
  backup: boolean,
): Promise<void> {
  const temps: string[] = [];
  try {
    for (const f of files) {
      const temp = `${f.path}.tmp-${randomBytes(4).toString("hex")}`;
      const fh = await open(temp, "wx", 0o600);
      temps.push(temp);
      try {
        await fh.writeFile(f.data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw new PaddockError("PADDOCK_CONFIG_IO", {
      detail: "cannot write the accounts configuration",
      cause: err,
    });
  }
  if (backup) for (const f of files) await copyFile(f.path, `${f.path}.bak`);
  for (const [i, f] of files.entries()) await rename(temps[i]!, f.path);
}
