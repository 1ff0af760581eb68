/** `paddock serve --config F [--port P] [--host H] [--workers N|auto]`: the gateway. */
import { Command } from "commander";
import { serveCommand as runServe } from "../../main.js";
import { parseIntOption, parseWorkersOption } from "../options.js";

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the gateway")
    .requiredOption("--config <file>", "configuration file")
    .option("--port <port>", "listen port (overrides server.port)", parseIntOption)
    .option("--host <host>", "listen address (overrides server.host)")
    .option(
      "--workers <n>",
      'worker processes on one port, or "auto" for one per core (overrides server.workers)',
      parseWorkersOption,
    )
    .action(async (o: { config: string; port?: number; host?: string; workers?: number | "auto" }) => {
      const code = await runServe({
        configPath: o.config,
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
      });
      if (code !== undefined) {
        process.exitCode = code;
        return;
      }
      await new Promise(() => {}); // runs until a signal stops it
    });
}
