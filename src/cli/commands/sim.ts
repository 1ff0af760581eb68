/** `paddock sim`: the standalone Alpaca-compatible simulator, until SIGINT/SIGTERM. */
import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError } from "commander";
import { parse as parseYaml } from "yaml";
import { PaddockError } from "../../errors.js";
import { type SimKey, startSim } from "../../sim/index.js";
import { type Output, processOutput } from "../io.js";
import { parseIntOption } from "../options.js";

const nonNegative =
  (name: string) =>
  (value: string): number => {
    const n = parseIntOption(value);
    if (n < 0) throw new InvalidArgumentError(`${name} must be >= 0`);
    return n;
  };

function parseCash(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError("must be a positive amount");
  return n;
}

/**
 * A keys file: YAML or JSON, either a list or `{keys: [...]}` of `{keyId, secretKey}`.
 * Errors name the entry and field, never a secret.
 */
export async function readKeysFile(path: string): Promise<SimKey[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new PaddockError("PADDOCK_USAGE", { detail: `--keys: cannot read ${path}`, cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `--keys: ${path} is not valid YAML or JSON`,
      cause: err,
    });
  }
  const list = Array.isArray(doc) ? doc : (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length === 0)
    throw new PaddockError("PADDOCK_USAGE", {
      detail: `--keys: ${path} must hold a non-empty list of {keyId, secretKey}`,
    });
  return list.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    for (const field of ["keyId", "secretKey"] as const)
      if (typeof e[field] !== "string" || e[field] === "")
        throw new PaddockError("PADDOCK_USAGE", {
          detail: `--keys: keys[${i}].${field} must be a non-empty string`,
        });
    return { keyId: e.keyId as string, secretKey: e.secretKey as string };
  });
}

export function simCommand(output: Output = processOutput): Command {
  return new Command("sim")
    .description(
      "run the Alpaca-compatible simulator (trading REST, market data, streams, /_sim/ control API)",
    )
    .option("--port <port>", "port to listen on (0 picks a free one)", nonNegative("--port"), 8000)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--seed <n>", "seed of the price paths", parseIntOption, 1)
    .option("--cash <amount>", "starting cash of each paper account", parseCash, 100_000)
    .option("--rate-limit <n>", "requests per minute per key (0 = off)", nonNegative("--rate-limit"), 200)
    .option("--keys <file>", "YAML/JSON list of {keyId, secretKey}; only these keys are accepted")
    .action(
      async (opts: {
        port: number;
        host: string;
        seed: number;
        cash: number;
        rateLimit: number;
        keys?: string;
      }) => {
        const keys = opts.keys === undefined ? undefined : await readKeysFile(opts.keys);
        const sim = await startSim({
          port: opts.port,
          host: opts.host,
          seed: opts.seed,
          cash: opts.cash,
          rateLimitPerMinute: opts.rateLimit,
          ...(keys === undefined ? {} : { keys }),
        }).catch((err: NodeJS.ErrnoException) => {
          throw new PaddockError("PADDOCK_USAGE", {
            detail:
              err.code === "EADDRINUSE"
                ? `port ${opts.port} is already in use`
                : `cannot start: ${err.message}`,
            cause: err,
          });
        });
        output.out(
          `paddock simulator listening on ${sim.url} (streams ${sim.wsUrl}/stream, ${sim.wsUrl}/v2/iex)`,
        );
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            output.out("paddock simulator stopping");
            void sim.close().then(resolve);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
      },
    );
}
