/**
 * Which files make up which chain: a directory holds one chain per instance
 * (`audit-<id>.jsonl`, its rotated files, also those retention moved to
 * `archive/`, and `audit-<id>.checkpoints.jsonl`); files given by name are
 * grouped by folder and stem, in the order given.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PaddockError } from "../errors.js";
import { chainFileOf, compareRotated } from "./file-naming.js";

/** One chain: its files in chain order and its checkpoints file. */
export interface AuditChain {
  /** File stem, e.g. `audit-web-1`. */
  readonly name: string;
  readonly files: readonly string[];
  readonly checkpoints?: string;
  /** Whether the files reach the live file (so the chain must reach the last checkpoint). */
  readonly complete: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function chainsInDir(dir: string): Promise<AuditChain[]> {
  const byStem = new Map<string, { rotated: string[]; live?: string; checkpoints?: string }>();
  const add = (folder: string, names: readonly string[], archived: boolean) => {
    for (const name of names) {
      const role = chainFileOf(name);
      if (!role || (archived && role.kind !== "rotated")) continue;
      const entry = byStem.get(role.stem) ?? { rotated: [] };
      byStem.set(role.stem, entry);
      const path = join(folder, name);
      if (role.kind === "rotated") entry.rotated.push(path);
      else if (role.kind === "live") entry.live = path;
      else entry.checkpoints = path;
    }
  };
  add(dir, await readdir(dir), false);
  const archive = join(dir, "archive");
  if (await exists(archive)) add(archive, await readdir(archive).catch(() => []), true);
  return [...byStem.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, e]) => ({
      name,
      files: [
        ...e.rotated.sort((a, b) => compareRotated(basename(a), basename(b))),
        ...(e.live ? [e.live] : []),
      ],
      ...(e.checkpoints ? { checkpoints: e.checkpoints } : {}),
      complete: true,
    }));
}

/**
 * The chains named by `paths`: each directory gives every chain in it; files are
 * grouped by chain (their folder and stem), in the order given.
 */
export async function resolveAuditChains(paths: readonly string[]): Promise<AuditChain[]> {
  const out: AuditChain[] = [];
  const byFile = new Map<string, { files: string[]; checkpoints?: string; live: boolean }>();
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new PaddockError("PADDOCK_USAGE", {
        detail: `${path}: ${code === "ENOENT" ? "no such file" : code}`,
      });
    }
    if (info.isDirectory()) {
      out.push(...(await chainsInDir(path)));
      continue;
    }
    const role = chainFileOf(basename(path)) ?? { stem: basename(path), kind: "live" as const };
    const key = join(dirname(path), role.stem);
    const entry = byFile.get(key) ?? { files: [], live: false };
    byFile.set(key, entry);
    if (role.kind === "checkpoints") entry.checkpoints = path;
    else entry.files.push(path);
    if (role.kind === "live") entry.live = true;
  }
  for (const [key, e] of byFile) {
    const sibling = `${key}.checkpoints.jsonl`;
    const checkpoints = e.checkpoints ?? ((await exists(sibling)) ? sibling : undefined);
    out.push({
      name: basename(key),
      files: e.files,
      ...(checkpoints ? { checkpoints } : {}),
      complete: e.live || e.files.length === 0,
    });
  }
  return out;
}

/** Expands paths into chain files (every chain of a directory, one after the other). */
export async function resolveAuditFiles(paths: readonly string[]): Promise<string[]> {
  return (await resolveAuditChains(paths)).flatMap((c) => c.files);
}
