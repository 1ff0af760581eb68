/**
 * `paddock audit verify FILE…` — checks the audit hash chain across the files
 * given in chain order (a directory stands for its chain files, rotated ones
 * first). Prints `ok: N lines verified` (and the head hash, to compare with an
 * anchor kept elsewhere) on stdout, or `broken: FILE line N: reason` on stderr
 * and sets exit code 1. A missing or unreadable file is a user error (PADDOCK_USAGE).
 */
import { Command } from "commander";
import { verifyAuditFiles } from "../../audit/verify.js";

export interface AuditCommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

const processIo: AuditCommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

export function auditCommand(io: AuditCommandIo = processIo): Command {
  const audit = new Command("audit").description("audit trail tools");
  audit
    .command("verify")
    .description(
      "check the hash chain of audit files given in chain order (a directory: its rotated files, then the live one)",
    )
    .argument("<files...>", "audit JSONL files or a directory")
    .option("--partial", "accept a chain that does not start at the genesis line (older files archived)")
    .action(async (files: string[], options: { partial?: boolean }) => {
      const result = await verifyAuditFiles(files, { partial: options.partial === true });
      if (result.ok) {
        io.out(`ok: ${result.lines} lines verified\n`);
        if (result.lines > 0) io.out(`head: seq ${result.lastSeq} sha256 ${result.head}\n`);
        return;
      }
      io.err(`broken: ${result.file} line ${result.line}: ${result.reason}\n`);
      io.setExitCode(1);
    });
  return audit;
}
