import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEntryInput } from "../../../src/audit/record.js";

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "paddock-audit-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function orderEntry(n: number, account = "acct-001"): AuditEntryInput {
  return {
    requestId: `req-${n}`,
    subject: "bot-7",
    account,
    action: "order.submit",
    outcome: "accepted",
    request: { symbol: "AAPL", qty: String(n), side: "buy", type: "market", time_in_force: "day" },
    upstreamStatus: 200,
    orderId: `order-${n}`,
    clientOrderId: `coid-${n}`,
    latencyMs: 3.5,
    source: "upstream",
  };
}

export async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.split("\n").filter((l) => l.length > 0);
}

export async function jsonlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".jsonl")).sort();
}

/** A clock the test moves by hand. */
export function manualClock(start: string): { now: () => number; set: (iso: string) => void } {
  let t = Date.parse(start);
  return {
    now: () => t,
    set: (iso) => {
      t = Date.parse(iso);
    },
  };
}
