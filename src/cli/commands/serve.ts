/** `paddock serve --config F [--port P] [--host H]`: the gateway. */
import { Command } from "commander";
import { serve } from "../../main.js";
import { parseIntOption } from "../options.js";

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the gateway")
    .requiredOption("--config <file>", "configuration file")
    .option("--port <port>", "listen port (overrides server.port)", parseIntOption)
    .option("--host <host>", "listen address (overrides server.host)")
    .action(async (o: { config: string; port?: number; host?: string }) => {
      await serve({
        configPath: o.config,
        signals: true,
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.host ? { host: o.host } : {}),
      });
      await new Promise(() => {}); // runs until a signal stops it
    });
}
