import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/audit-log.js";
import { auditCommand } from "../../../src/cli/commands/audit.js";
import { isPaddockError } from "../../../src/errors.js";
import { orderEntry, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const log = await createAuditLog({ dir, durability: "fsync" });
  for (let i = 0; i < 5; i++) await log.append(orderEntry(i));
  await log.close();
});
afterEach(() => cleanup());

async function run(...args: string[]) {
  const io = { out: "", err: "", code: undefined as number | undefined };
  const command = auditCommand({
    out: (t) => {
      io.out += t;
    },
    err: (t) => {
      io.err += t;
    },
    setExitCode: (c) => {
      io.code = c;
    },
  });
  await command.parseAsync(args, { from: "user" });
  return io;
}

describe("paddock audit verify", () => {
  it("prints ok with the line count and head, exit code untouched", async () => {
    const io = await run("verify", join(dir, "audit.jsonl"));
    expect(io.out).toMatch(
      /^ok: audit: 5 lines verified \(seq 1-5\), 0 checkpoints matched\nhead: seq 5 sha256 [0-9a-f]{64}\nnote: checkpoint signatures not checked \(give --config to check them\)\n$/,
    );
    expect(io.err).toBe("");
    expect(io.code).toBeUndefined();
  });

  it("prints the first broken line on stderr and sets exit code 1", async () => {
    const file = join(dir, "audit.jsonl");
    const lines = (await readFile(file, "utf8")).split("\n");
    lines.splice(2, 1);
    await writeFile(file, lines.join("\n"));
    const io = await run("verify", dir);
    expect(io.out).toBe("");
    expect(io.err).toBe(`broken: ${file} line 3: seq jumps from 2 to 4: line(s) missing or out of order\n`);
    expect(io.code).toBe(1);
  });

  it("a missing file is a PADDOCK_USAGE error naming it", async () => {
    const missing = join(dir, "missing.jsonl");
    await expect(run("verify", missing)).rejects.toSatisfy(
      (err) =>
        isPaddockError(err, "PADDOCK_USAGE") && err.message === `invalid usage: ${missing}: no such file`,
    );
  });

  it("uses process.exitCode and process.stderr by default", async () => {
    const file = join(dir, "audit.jsonl");
    await writeFile(file, "{}\n", { flag: "a" });
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await auditCommand().parseAsync(["verify", file], { from: "user" });
      expect(process.exitCode).toBe(1);
    } finally {
      process.stderr.write = original;
      process.exitCode = 0;
    }
    expect(written.join("")).toBe(`broken: ${file} line 6: seq: missing or not a positive integer\n`);
  });

  it("documents itself in --help", () => {
    const verify = auditCommand().commands.find((c) => c.name() === "verify");
    expect(verify?.helpInformation()).toContain("--partial");
    expect(verify?.helpInformation()).toContain("<files...>");
    expect(verify?.helpInformation()).toContain("--config");
    const exporter = auditCommand().commands.find((c) => c.name() === "export");
    expect(exporter?.helpInformation()).toContain("--config");
  });
});
