/**
 * Retention of audit files: a rotated file whose last record is older than
 * `days` is past retention. `report` logs those files (the operator decides);
 * `archive` moves them to `<dir>/archive/` (same file system, an atomic rename),
 * where `paddock audit verify DIR` still finds them. Nothing is ever deleted here:
 * deleting the archive is the operator's act, after any legal hold. Live files and
 * checkpoints files are never touched.
 */
import { mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { chainFileOf } from "./file-naming.js";
import type { AuditLogger } from "./sink.js";
import { readLastCompleteLine } from "./tail.js";

export type RetentionAction = "report" | "archive";

export interface RetentionOptions {
  readonly dir: string;
  readonly days: number;
  readonly action: RetentionAction;
  readonly now: () => number;
  readonly logger: AuditLogger & { info?(obj: object, msg?: string): void };
}

export interface RetentionResult {
  /** Rotated files past retention (names). */
  readonly expired: readonly string[];
  /** Those moved to `archive/` (empty for `report`). */
  readonly archived: readonly string[];
}

const DAY_MS = 86_400_000;

async function lastTime(path: string): Promise<number | undefined> {
  const line = await readLastCompleteLine(path);
  if (!line) return undefined;
  try {
    const time = Date.parse(String((JSON.parse(line.toString("utf8")) as { time?: unknown }).time));
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}

export async function applyRetention(o: RetentionOptions): Promise<RetentionResult> {
  const cutoff = o.now() - o.days * DAY_MS;
  const expired: string[] = [];
  for (const name of (await readdir(o.dir)).sort()) {
    if (chainFileOf(name)?.kind !== "rotated") continue;
    const time = await lastTime(join(o.dir, name));
    if (time !== undefined && time < cutoff) expired.push(name);
  }
  const archived: string[] = [];
  if (expired.length > 0 && o.action === "archive") {
    const archive = join(o.dir, "archive");
    await mkdir(archive, { recursive: true });
    for (const name of expired) {
      await rename(join(o.dir, name), join(archive, name));
      archived.push(name);
    }
  }
  if (expired.length > 0) {
    o.logger.warn(
      { files: expired, retentionDays: o.days, action: o.action },
      o.action === "archive"
        ? "audit: files past retention moved to the archive folder (delete them there when no hold applies)"
        : "audit: files past retention (audit.retentionAction: report; nothing moved)",
    );
  }
  return { expired, archived };
}
