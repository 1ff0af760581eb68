/**
 * `paddock demo [--port 8080] [--accounts 50]`: the simulator and the gateway in one
 * process, 50 demo paper accounts in three tagged groups, no Redis, no real keys. Prints
 * the URL, the operator console's URL (signed in by its fragment), an admin token and
 * three examples to paste.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { parse, stringify } from "yaml";
import { buildGateway, type Gateway } from "../../app.js";
import { loadConfig } from "../../config/load.js";
import { listenGateway } from "../../main.js";
import { createLogger, type Logger } from "../../observability/logger.js";
import { startSim } from "../../sim/index.js";
import { type Output, processOutput } from "../io.js";
import { parseIntOption } from "../options.js";
import { runInit } from "./init.js";

export interface Demo {
  readonly url: string;
  readonly simUrl: string;
  readonly token: string;
  /** The console, signed in through the URL fragment (never sent to the server). */
  readonly consoleUrl: string;
  readonly accounts: number;
  readonly gateway: Gateway;
  readonly examples: string[];
  stop(): Promise<void>;
}

/** The demo's groups, so tags, tag halts and block orders have something to work on. */
const DEMO_GROUPS = ["growth", "income", "hedge"] as const;

export async function startDemo(opts: {
  port: number;
  host?: string;
  logger?: Logger;
  accounts?: number;
}): Promise<Demo> {
  const count = opts.accounts ?? 50;
  const host = opts.host ?? "127.0.0.1";
  const sim = await startSim({ port: 0, host: "127.0.0.1", seed: 1 });
  // the demo trades at any hour: the simulated session is held open
  await fetch(`${sim.url}/_sim/clock`, {
    method: "POST",
    body: JSON.stringify({ open: true }),
    headers: { "content-type": "application/json" },
  });
  const dir = await mkdtemp(join(tmpdir(), "paddock-demo-"));
  await runInit({ dir, accounts: count, port: opts.port, upstream: sim.url });
  const configPath = join(dir, "paddock.yaml");
  const raw = parse(await readFile(configPath, "utf8")) as { accounts: Array<{ tags: string[] }> };
  raw.accounts.forEach((a, i) => {
    a.tags = ["demo", DEMO_GROUPS[i % DEMO_GROUPS.length]!];
  });
  await writeFile(configPath, stringify(raw, { lineWidth: 0 }), { mode: 0o600 });
  const loaded = await loadConfig(join(dir, "paddock.yaml"), { env: {} });
  const logger = opts.logger ?? createLogger({ level: "warn" });
  const gateway = await buildGateway(loaded, {
    logger,
    loadConfig: () => loadConfig(join(dir, "paddock.yaml"), { env: {} }),
  });
  const url = await listenGateway(gateway, opts.port, host);
  const token = await gateway.issuer!.issue({
    sub: "demo-admin",
    scopes: ["read", "trade", "data", "admin"],
    accounts: "*",
    ttlSeconds: 86_400,
  });
  const examples = [
    `curl -s ${url}/v1/accounts -H "Authorization: Bearer $PADDOCK_TOKEN"`,
    `curl -s -X POST ${url}/v1/accounts/acct-001/v2/orders -H "Authorization: Bearer $PADDOCK_TOKEN" ` +
      `-H 'content-type: application/json' -d '{"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"}'`,
    `node --input-type=module -e "import { trading } from '@alpacahq/alpaca-trade-api'; ` +
      `const api = new trading.AccountsApi(new trading.Configuration({ basePath: '${url}/v1/accounts/acct-001', ` +
      `accessToken: process.env.PADDOCK_TOKEN })); console.log(await api.getAccount())"`,
  ];
  return {
    url,
    simUrl: sim.url,
    token,
    consoleUrl: `${url}/console/#token=${token}`,
    accounts: count,
    gateway,
    examples,
    async stop() {
      await gateway.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function demoCommand(output: Output = processOutput): Command {
  return new Command("demo")
    .description("run the simulator and the gateway with 50 demo paper accounts (no Redis, no real keys)")
    .option("--port <port>", "gateway port", parseIntOption, 8080)
    .option("--host <host>", "gateway address", "127.0.0.1")
    .option("--accounts <n>", "number of demo accounts (1-1000)", parseIntOption, 50)
    .action(async (o: { port: number; host: string; accounts: number }) => {
      const demo = await startDemo({ port: o.port, host: o.host, accounts: o.accounts });
      output.out(`Paddock demo is running.

  console    ${demo.consoleUrl}
  gateway    ${demo.url}
  simulator  ${demo.simUrl}   (Alpaca-compatible; control API under /_sim/)
  accounts   acct-001 … acct-${String(demo.accounts).padStart(3, "0")} (paper, simulated; market held open;
             tagged demo and one of growth, income, hedge)
  docs       ${demo.url}/docs

Admin token (24 h, every scope and account):

export PADDOCK_TOKEN=${demo.token}

Try:

  # the accounts behind the gateway, with budgets and breaker states
  ${demo.examples[0]}

  # buy one share of AAPL on acct-001
  ${demo.examples[1]}

  # the official Alpaca SDK, unchanged but for its base URL and token
  # (outside a clone of Paddock, first: npm install @alpacahq/alpaca-trade-api)
  ${demo.examples[2]}

Ctrl-C stops it.`);
      const stop = () => void demo.stop().then(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await new Promise(() => {});
    });
}
