/** `paddock keys gen-master | encrypt | rotate`: the master key and the secrets it seals. */
import { open } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { Command } from "commander";
import { parseDocument } from "yaml";
import { hashClientSecret } from "../../auth/client-secret.js";
import {
  getAt,
  loadConfig,
  loadMasterKeys,
  readRawConfig,
  readText,
  type SecretField,
  secretFields,
} from "../../config/load.js";
import {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  isEncrypted,
  readMasterKeyFile,
} from "../../config/secrets.js";
import { formatPath } from "../../config/validate.js";
import { PaddockError } from "../../errors.js";
import { type Output, processOutput, readStdin, replaceFilesAtomically } from "../io.js";

export async function genMaster(out: string): Promise<void> {
  const fh = await open(out, "wx", 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new PaddockError("PADDOCK_USAGE", {
      detail:
        err.code === "EEXIST" ? `${out} already exists; refusing to overwrite a key` : `cannot write ${out}`,
      cause: err,
    });
  });
  try {
    await fh.writeFile(generateMasterKey());
  } finally {
    await fh.close();
  }
}

export async function encryptWithConfig(
  configPath: string,
  plaintext: string,
  owner: string,
): Promise<string> {
  const secret = plaintext.replace(/\r?\n$/, "");
  if (secret === "") throw new PaddockError("PADDOCK_USAGE", { detail: "nothing to encrypt on stdin" });
  const loaded = await loadConfig(configPath, { decrypt: false });
  const { ring } = await loadMasterKeys(loaded.config, process.env);
  return encryptSecret(secret, owner, ring.current);
}

/**
 * Re-encrypts every secret of the config (and its accounts file) under a new master key,
 * writes the files atomically (keeping `.bak` copies) and points security.masterKeyFile at the new key.
 */
export async function rotateKeys(configPath: string, newKeyFile: string): Promise<{ secrets: number }> {
  const path = resolve(configPath);
  const loaded = await loadConfig(path, { decrypt: false });
  const { ring } = await loadMasterKeys(loaded.config, process.env);
  const next = (await readMasterKeyFile(resolve(newKeyFile))).key;
  if (ring.all.has(next.id)) {
    throw new PaddockError("PADDOCK_USAGE", { detail: "--new-master-key is the key already in use" });
  }

  const { inlineAccounts, accountsFile } = await readRawConfig(path);
  const mainDoc = parseDocument(await readText(path, "config file"));
  const accountsDoc = accountsFile ? parseDocument(await readText(accountsFile, "accounts file")) : undefined;
  const merged = loaded.config;
  let count = 0;
  const reseal = (f: SecretField): void => {
    const value = String(getAt(merged, f.path));
    if (!isEncrypted(value)) return;
    const plain = decryptSecret(value, f.owner, ring, formatPath(f.path));
    const sealed = encryptSecret(plain, f.owner, next);
    const [head, index, ...rest] = f.path;
    if (head === "accounts" && typeof index === "number" && index >= inlineAccounts && accountsDoc) {
      accountsDoc.setIn(["accounts", index - inlineAccounts, ...rest], sealed);
    } else {
      mainDoc.setIn(f.path, sealed);
    }
    count++;
  };
  for (const f of secretFields(merged)) reseal(f);
  mainDoc.setIn(["security", "masterKeyFile"], relative(dirname(path), resolve(newKeyFile)) || newKeyFile);
  const files = [{ path, data: mainDoc.toString({ lineWidth: 0 }) }];
  if (accountsDoc && accountsFile)
    files.unshift({ path: accountsFile, data: accountsDoc.toString({ lineWidth: 0 }) });
  await replaceFilesAtomically(files);
  return { secrets: count };
}

export function keysCommand(output: Output = processOutput): Command {
  const keys = new Command("keys").description("master key and encrypted secrets");
  keys
    .command("gen-master")
    .description("write a new random 256-bit master key (mode 0600)")
    .requiredOption("--out <file>", "where to write it")
    .action(async (o: { out: string }) => {
      await genMaster(o.out);
      output.out(`wrote ${o.out}`);
    });
  keys
    .command("encrypt")
    .description("encrypt the secret read on stdin; prints enc:v1:…")
    .requiredOption("--config <file>", "configuration whose master key to use")
    .option("--account <id>", "the account the secret belongs to (bound to it)")
    .option("--field <path>", "a non-account secret, e.g. auth.hs256Secret")
    .action(async (o: { config: string; account?: string; field?: string }) => {
      const owner = o.account ?? o.field;
      if (!owner || (o.account && o.field)) {
        throw new PaddockError("PADDOCK_USAGE", {
          detail: "give exactly one of --account <id> or --field <path>",
        });
      }
      output.out(await encryptWithConfig(o.config, await readStdin(), owner));
    });
  keys
    .command("rotate")
    .description("re-encrypt every secret under a new master key (atomic, keeps .bak copies)")
    .requiredOption("--config <file>", "configuration to rotate")
    .requiredOption("--new-master-key <file>", "the new master key (from `keys gen-master`)")
    .action(async (o: { config: string; newMasterKey: string }) => {
      const r = await rotateKeys(o.config, o.newMasterKey);
      output.out(`re-encrypted ${r.secrets} secret(s) under ${o.newMasterKey}; previous files kept as .bak`);
      output.out("keep the old master key until every instance runs with the new one, then destroy it");
    });
  keys
    .command("hash-secret")
    .description("hash the OAuth2 client secret read on stdin for auth.clients[].secretHash (scrypt)")
    .action(async () => {
      const secret = (await readStdin()).replace(/\r?\n$/, "");
      if (secret.length < 16) {
        throw new PaddockError("PADDOCK_USAGE", { detail: "a client secret must be at least 16 characters" });
      }
      output.out(await hashClientSecret(secret));
    });
  return keys;
}
