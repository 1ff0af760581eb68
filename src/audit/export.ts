/**
 * `paddock audit export`: the records of the chains named by `paths`, in chain
 * order, one JSON object per line, personal fields opened with the subject keys:
 * plaintext where the key exists, `"[erased]"` where it was erased. Lines that
 * are not JSON are skipped and counted (verify tells what is wrong with them).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { resolveAuditChains } from "./chain-files.js";
import { openRecord } from "./personal-data.js";
import type { AuditRecord } from "./record.js";
import type { SubjectKeyStore } from "./subject-keys.js";

export interface ExportResult {
  readonly records: number;
  readonly skipped: number;
}

export async function exportAuditRecords(
  paths: readonly string[],
  store: SubjectKeyStore | undefined,
  write: (line: string) => void,
): Promise<ExportResult> {
  let records = 0;
  let skipped = 0;
  for (const chain of await resolveAuditChains(paths)) {
    for (const file of chain.files) {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line.length === 0) continue;
        let record: AuditRecord;
        try {
          record = JSON.parse(line) as AuditRecord;
        } catch {
          skipped += 1;
          continue;
        }
        if (typeof record !== "object" || record === null || Array.isArray(record)) {
          skipped += 1;
          continue;
        }
        const opened = store ? await openRecord(record, store) : record;
        write(JSON.stringify({ chain: chain.name, ...opened }));
        records += 1;
      }
    }
  }
  return { records, skipped };
}
