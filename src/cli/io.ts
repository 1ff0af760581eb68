/** Small CLI plumbing shared by the commands: stdin, atomic writes, output. */
import { randomBytes } from "node:crypto";
import { copyFile, open, rename, rm } from "node:fs/promises";
import { PaddockError } from "../errors.js";

export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes a temp file beside `path` (fsynced), ready to be renamed over it. */
export async function writeTemp(path: string, data: string, mode = 0o644): Promise<string> {
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Replaces files all-or-nothing as far as the file system allows: every temp is written before any rename; `.bak` copies kept. */
export async function replaceFilesAtomically(
  files: ReadonlyArray<{ path: string; data: string }>,
): Promise<void> {
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemp(f.path, f.data, 0o600));
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw new PaddockError("PADDOCK_CONFIG_IO", {
      detail: `cannot write beside ${files[temps.length]?.path}`,
      cause: err,
    });
  }
  for (const f of files) await copyFile(f.path, `${f.path}.bak`);
  for (const [i, f] of files.entries()) await rename(temps[i]!, f.path);
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
