/** The `paddock` command line. User errors print one clear line on stderr and exit 1, never a stack trace. */
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { PaddockError } from "../errors.js";
import { accountsCommand } from "./commands/accounts.js";
import { auditCommand } from "./commands/audit.js";
import { backupCommand } from "./commands/backup.js";
import { configCommand } from "./commands/config.js";
import { demoCommand } from "./commands/demo.js";
import { gdprCommand } from "./commands/gdpr.js";
import { initCommand } from "./commands/init.js";
import { keysCommand } from "./commands/keys.js";
import { serveCommand } from "./commands/serve.js";
import { shardsCommand } from "./commands/shards.js";
import { simCommand } from "./commands/sim.js";
import { tokenCommand } from "./commands/token.js";
import { type Output, processOutput } from "./io.js";

const version = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

export function buildCli(output: Output = processOutput): Command {
  const program = new Command("paddock")
    .description("Paddock: many Alpaca accounts behind one authenticated gateway")
    .version(version, "-V, --version");
  for (const cmd of [
    demoCommand(output),
    serveCommand(),
    simCommand(),
    initCommand(output),
    tokenCommand(output),
    keysCommand(output),
    configCommand(output),
    auditCommand(),
    backupCommand(output),
    gdprCommand(output),
    accountsCommand(output),
    shardsCommand(output),
  ]) {
    program.addCommand(cmd);
  }
  // every (sub)command: errors come back to main() and print through `output`
  const configure = (cmd: Command): void => {
    cmd
      .exitOverride()
      .showHelpAfterError("(run with --help for usage)")
      .configureOutput({
        writeOut: (s) => output.out(s.trimEnd()),
        writeErr: (s) => output.err(s.trimEnd()),
      });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  const program = buildCli(output);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof PaddockError && err.status < 500) {
      output.err(`paddock: ${err.message}`);
      return 1;
    }
    if (err instanceof PaddockError) {
      // configuration problems: one line each, with their paths
      const [head, ...lines] = err.message.split("\n");
      output.err(`paddock: ${head}`);
      for (const l of lines) output.err(`  ${l}`);
      return 1;
    }
    output.err(`paddock: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
