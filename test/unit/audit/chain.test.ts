import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/audit/canonical-json.js";
import { chainLine, chainPrepared, prepareEntry } from "../../../src/audit/chain.js";
import { type AuditEntry, GENESIS_PREV } from "../../../src/audit/record.js";

const entryArb: fc.Arbitrary<AuditEntry> = fc.record(
  {
    time: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    requestId: fc.string(),
    subject: fc.string(),
    account: fc.string(),
    action: fc.constantFrom("order.submit", "trade_update", "admin.halt", "zzz.custom", "aaa"),
    outcome: fc.constantFrom("accepted" as const, "rejected" as const, "info" as const),
    request: fc.dictionary(fc.string(), fc.jsonValue()),
    upstreamStatus: fc.integer({ min: 100, max: 599 }),
    orderId: fc.uuid(),
    latencyMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
    error: fc.record({ code: fc.oneof(fc.integer(), fc.string()), message: fc.string() }),
  },
  { requiredKeys: ["time", "action", "outcome"] },
);

describe("chain lines", () => {
  it("the prepared (serialize-once) path gives exactly the canonical bytes of entry + seq + prev", () => {
    fc.assert(
      fc.property(entryArb, fc.nat({ max: 1e9 }), fc.stringMatching(/^[0-9a-f]{64}$/), (entry, seq, hash) => {
        const head = { seq, hash };
        const prepared = chainPrepared(prepareEntry(entry), head);
        const plain = chainLine(entry, head);
        expect(prepared.line).toBe(plain.line);
        expect(prepared.line).toBe(canonicalJson({ ...entry, seq: seq + 1, prev: hash }));
        expect(prepared.hash).toBe(createHash("sha256").update(prepared.line, "utf8").digest("hex"));
        expect(JSON.parse(JSON.stringify(prepared.record))).toEqual(JSON.parse(prepared.line));
      }),
    );
  });

  it("the genesis line has seq 1 and prev of 64 zeros", () => {
    const { record } = chainLine(
      { time: "2025-01-01T00:00:00.000Z", action: "x", outcome: "info" },
      { seq: 0, hash: GENESIS_PREV },
    );
    expect(record.seq).toBe(1);
    expect(record.prev).toBe("0".repeat(64));
  });
});
