/**
 * `paddock gdpr erase --config F --subject S` — destroys data subject S's keys
 * (GDPR erasure by key destruction): the audit trail keeps verifying, its
 * records no longer reveal S (export prints `"[erased]"`). Works against the key
 * store the gateway uses, also while it runs.
 */
import { Command } from "commander";
import { auditKeyRing, subjectKeyStoreOf } from "../../audit/from-config.js";
import { loadConfig } from "../../config/load.js";
import { PaddockError } from "../../errors.js";
import { type Output, processOutput } from "../io.js";

export async function eraseSubject(configPath: string, subject: string): Promise<number> {
  if (subject.length === 0)
    throw new PaddockError("PADDOCK_USAGE", { detail: "--subject: must not be empty" });
  const loaded = await loadConfig(configPath);
  const ring = await auditKeyRing(loaded);
  if (!ring) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `${configPath} has no master key: personal data is not encrypted, nothing to erase by key`,
    });
  }
  return subjectKeyStoreOf(loaded.config, ring).erase(subject);
}

export function gdprCommand(output: Output = processOutput): Command {
  const gdpr = new Command("gdpr").description("data-subject rights over the audit trail");
  gdpr
    .command("erase")
    .description("destroy a data subject's keys: their personal fields in the trail become unreadable")
    .requiredOption("--config <file>", "paddock.yaml")
    .requiredOption("--subject <id>", "the data subject (the JWT sub)")
    .action(async (options: { config: string; subject: string }) => {
      const n = await eraseSubject(options.config, options.subject);
      output.out(
        n > 0
          ? `erased: ${n} key(s) destroyed; the subject's records no longer reveal them`
          : "erased: no key held for that subject (nothing recorded, or already erased)",
      );
    });
  return gdpr;
}
