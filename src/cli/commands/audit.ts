/**
 * `paddock audit verify [--config F] FILE|DIR…` — checks every chain named (a
 * directory holds one chain per instance; files are grouped by chain, given in
 * chain order): the hash chain, the checkpoints beside it, and with `--config`
 * their signatures. Prints `ok: <chain>: …` and the head hash per chain on stdout,
 * or `broken: FILE line N: reason` on stderr and sets exit code 1.
 *
 * `paddock audit export --config F FILE|DIR…` — the records as JSON lines with
 * personal fields decrypted, or `"[erased]"` where the subject was erased.
 *
 * A missing or unreadable path is a user error (PADDOCK_USAGE).
 */
import { Command } from "commander";
import { exportAuditRecords } from "../../audit/export.js";
import { auditKeyRing, checkpointVerifyKeys, subjectKeyStoreOf } from "../../audit/from-config.js";
import { type ChainVerification, verifyAuditChains } from "../../audit/verify.js";
import { loadConfig } from "../../config/load.js";
import { PaddockError } from "../../errors.js";

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

function report(io: AuditCommandIo, { chain, result }: ChainVerification): boolean {
  if (!result.ok) {
    io.err(`broken: ${result.file} line ${result.line}: ${result.reason}\n`);
    return false;
  }
  const range = result.lines > 0 ? ` (seq ${result.firstSeq}-${result.lastSeq})` : "";
  io.out(
    `ok: ${chain.name}: ${result.lines} lines verified${range}, ${result.checkpoints} checkpoints matched\n`,
  );
  if (result.lines > 0) io.out(`head: seq ${result.lastSeq} sha256 ${result.head}\n`);
  if (result.signatures === "not checked") {
    io.out("note: checkpoint signatures not checked (give --config to check them)\n");
  }
  if (result.unsignedTail > 0 && result.checkpoints > 0) {
    io.out(
      `note: the last ${result.unsignedTail} lines are after the last checkpoint (covered by the chain only)\n`,
    );
  }
  return true;
}

export function auditCommand(io: AuditCommandIo = processIo): Command {
  const audit = new Command("audit").description("audit trail tools");
  audit
    .command("verify")
    .description(
      "check the hash chains and signed checkpoints of audit files (a directory: every chain in it, one per instance)",
    )
    .argument("<files...>", "audit JSONL files (in chain order) or directories")
    .option("--config <file>", "paddock.yaml: also check the checkpoint signatures")
    .option("--partial", "accept a chain that does not start at the genesis line (older files archived)")
    .action(async (files: string[], options: { partial?: boolean; config?: string }) => {
      let keys: Awaited<ReturnType<typeof checkpointVerifyKeys>> | undefined;
      if (options.config) {
        const loaded = await loadConfig(options.config);
        keys = await checkpointVerifyKeys(loaded.config, await auditKeyRing(loaded));
        if (keys.size === 0) {
          throw new PaddockError("PADDOCK_USAGE", {
            detail: `${options.config} has no master key nor audit.checkpointKeyFile to check signatures with`,
          });
        }
      }
      const results = await verifyAuditChains(files, {
        partial: options.partial === true,
        ...(keys ? { keys } : {}),
      });
      let ok = true;
      for (const r of results) ok = report(io, r) && ok;
      if (!ok) io.setExitCode(1);
    });
  audit
    .command("export")
    .description('print the records as JSON lines, personal fields decrypted or "[erased]"')
    .argument("<files...>", "audit JSONL files (in chain order) or directories")
    .requiredOption("--config <file>", "paddock.yaml (its master key opens the subject keys)")
    .action(async (files: string[], options: { config: string }) => {
      const loaded = await loadConfig(options.config);
      const ring = await auditKeyRing(loaded);
      if (!ring) {
        throw new PaddockError("PADDOCK_USAGE", {
          detail: `${options.config} has no master key: personal fields cannot be opened`,
        });
      }
      const result = await exportAuditRecords(files, subjectKeyStoreOf(loaded.config, ring), (line) =>
        io.out(`${line}\n`),
      );
      if (result.skipped > 0) {
        io.err(`export: skipped ${result.skipped} lines that are not JSON records (run audit verify)\n`);
      }
    });
  return audit;
}
