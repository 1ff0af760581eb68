/**
 * File names of one chain. The live file is `<stem><ext>` (default `audit.jsonl`).
 * A rotated file is `<stem>-<first seq, 12 digits>-<UTC day of its first line>.<ext>`,
 * e.g. `audit-000000000001-2025-11-25.jsonl`. Sorting rotated names as strings
 * gives chain order (seq first, so a clock going backwards cannot reorder them),
 * and the live file always comes last.
 */
import { readdir } from "node:fs/promises";
import { extname } from "node:path";

export interface ChainNames {
  readonly stem: string;
  readonly ext: string;
}

export const SEQ_DIGITS = 12;

export function splitFileName(fileName: string): ChainNames {
  const ext = extname(fileName);
  return { stem: fileName.slice(0, fileName.length - ext.length), ext };
}

export function rotatedFileName(fileName: string, firstSeq: number, day: string): string {
  const { stem, ext } = splitFileName(fileName);
  return `${stem}-${String(firstSeq).padStart(SEQ_DIGITS, "0")}-${day}${ext}`;
}

/** `YYYY-MM-DD` in UTC. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function rotatedPattern(fileName: string): RegExp {
  const { stem, ext } = splitFileName(fileName);
  return new RegExp(`^${escapeRegExp(stem)}-\\d{${SEQ_DIGITS},}-\\d{4}-\\d{2}-\\d{2}${escapeRegExp(ext)}$`);
}

/** Rotated files of the chain in `dir`, oldest first (names only). */
export async function listRotated(dir: string, fileName: string): Promise<string[]> {
  const pattern = rotatedPattern(fileName);
  const names = await readdir(dir);
  return names.filter((n) => pattern.test(n)).sort(compareRotated);
}

/** Orders by first seq (numerically, so names past 12 digits still sort), then by name. */
export function compareRotated(a: string, b: string): number {
  return seqOf(a) - seqOf(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function seqOf(name: string): number {
  const match = /-(\d+)-\d{4}-\d{2}-\d{2}(\.[^.]*)?$/.exec(name);
  return match?.[1] ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

/** `<stem>.checkpoints<ext>`: the signed checkpoints of the chain whose live file is `fileName`. */
export function checkpointsFileName(fileName: string): string {
  const { stem, ext } = splitFileName(fileName);
  return `${stem}.checkpoints${ext}`;
}

export type ChainFileKind = "live" | "rotated" | "checkpoints";

const ROTATED_TAIL = /^(.+)-\d{12,}-\d{4}-\d{2}-\d{2}$/;

/** Which chain a `.jsonl` file name belongs to, and its role in it; undefined for other files. */
export function chainFileOf(name: string, ext = ".jsonl"): { stem: string; kind: ChainFileKind } | undefined {
  if (!name.endsWith(ext) || name.startsWith(".")) return undefined;
  const base = name.slice(0, name.length - ext.length);
  if (base.endsWith(".checkpoints"))
    return { stem: base.slice(0, -".checkpoints".length), kind: "checkpoints" };
  const rotated = ROTATED_TAIL.exec(base);
  if (rotated?.[1]) return { stem: rotated[1], kind: "rotated" };
  return { stem: base, kind: "live" };
}
