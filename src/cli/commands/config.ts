/** `paddock config check | docs`. */
import { Command } from "commander";
import { renderConfigDocs } from "../../config/docs.js";
import { loadConfig } from "../../config/load.js";
import { type Output, processOutput } from "../io.js";

export function configCommand(output: Output = processOutput): Command {
  const config = new Command("config").description("validate and document configuration");
  config
    .command("check")
    .description("validate a configuration, decrypting every secret; prints every problem with its path")
    .requiredOption("--config <file>", "configuration file")
    .action(async (o: { config: string }) => {
      const loaded = await loadConfig(o.config);
      for (const w of loaded.warnings) output.err(`warning: ${w}`);
      const c = loaded.config;
      const live = c.accounts.filter((a) => a.mode === "live").length;
      output.out(
        `ok: ${loaded.path}: ${c.accounts.length} account(s) (${live} live), auth ${c.auth.algorithms.join("/")}, ` +
          `cache ${c.cache.redisUrl ? "redis" : "memory"}`,
      );
    });
  config
    .command("docs")
    .description("print the configuration reference (Markdown) generated from the schema")
    .action(() => {
      output.out(renderConfigDocs());
    });
  return config;
}
