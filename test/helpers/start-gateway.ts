/**
 * Starts a real gateway on 127.0.0.1 (port 0) in front of a real simulator, from a
 * configuration written by `paddock init`, for integration tests over real sockets.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { buildGateway, type Gateway, type GatewayDeps } from "../../src/app.js";
import type { Scope } from "../../src/auth/types.js";
import { runInit } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/load.js";
import { listenGateway } from "../../src/main.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import { type SimHandle, startSim } from "../../src/sim/index.js";
import { memoryStream } from "./capture.js";

/** The shape of the simulator's `GET /_sim/stats` (DESIGN.md "Simulator"). */
export interface SimStats {
  requests: { total: number; byKey: Record<string, number>; byPath: Record<string, number> };
  rateLimited: { total: number; byKey: Record<string, number> };
  streams: Record<string, Record<string, number>>;
  orders: { byClientOrderId: Record<string, number> };
}

/** One entry of the gateway's `GET /v1/accounts`. */
export interface AccountView {
  id: string;
  mode: string;
  status: string;
  breaker: string;
  halted: boolean;
  budget: { limit_per_minute: number; remaining: number; reset_at: string; queued: number };
}

export interface StartGatewayOptions {
  readonly accounts?: number;
  /** Reuse a running simulator (else one is started and stopped with the gateway). */
  readonly sim?: SimHandle;
  readonly simRateLimit?: number;
  /** Edit the raw YAML config object before it is loaded. */
  readonly configure?: (raw: Record<string, unknown>) => void;
  readonly logLevel?: string;
  /** Extra gateway dependencies (e.g. a tracing with an in-memory exporter). */
  readonly deps?: Partial<GatewayDeps>;
}

export interface TestGateway {
  readonly url: string;
  readonly sim: SimHandle;
  readonly gateway: Gateway;
  readonly dir: string;
  readonly configPath: string;
  /** Everything the gateway logged (JSON lines). */
  readonly logs: () => string;
  token(claims?: {
    sub?: string;
    scopes?: Scope[];
    accounts?: "*" | string[];
    ttlSeconds?: number;
  }): Promise<string>;
  /** A request to the simulator itself (control API, or Alpaca paths with keys in `init`). */
  simCall(method: string, path: string, body?: unknown): Promise<Response>;
  simStats(): Promise<SimStats>;
  /** The account as `GET /v1/accounts` (admin token) shows it. */
  accountView(id: string): Promise<AccountView>;
  /** fetch against the gateway with a Bearer token. */
  call(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions = {}): Promise<TestGateway> {
  const ownSim = !opts.sim;
  const sim = opts.sim ?? (await startSim({ port: 0, seed: 7, rateLimitPerMinute: opts.simRateLimit ?? 0 }));
  const dir = await mkdtemp(join(tmpdir(), "paddock-gw-"));
  await runInit({ dir, accounts: opts.accounts ?? 3, port: 0, upstream: sim.url });
  const configPath = join(dir, "paddock.yaml");
  const raw = parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  opts.configure?.(raw);
  await writeFile(configPath, stringify(raw, { lineWidth: 0 }));
  const loaded = await loadConfig(configPath, { env: {} });
  const mem = memoryStream();
  const logger: Logger = createLogger({ level: opts.logLevel ?? "debug", destination: mem.stream });
  const gateway = await buildGateway(loaded, {
    logger,
    loadConfig: () => loadConfig(configPath, { env: {} }),
    ...opts.deps,
  });
  const url = await listenGateway(gateway, 0, "127.0.0.1");
  const adminToken = await gateway.issuer!.issue({
    sub: "test-admin",
    scopes: ["read", "trade", "data", "admin"],
    accounts: "*",
    ttlSeconds: 3600,
  });
  const simCall = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${sim.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
  return {
    url,
    sim,
    simCall,
    simStats: async () => (await (await simCall("GET", "/_sim/stats")).json()) as SimStats,
    async accountView(id) {
      const res = await fetch(`${url}/v1/accounts`, { headers: { authorization: `Bearer ${adminToken}` } });
      const list = (await res.json()) as { accounts: AccountView[] };
      const found = list.accounts.find((a) => a.id === id);
      if (!found) throw new Error(`account ${id} is not in GET /v1/accounts`);
      return found;
    },
    gateway,
    dir,
    configPath,
    logs: mem.text,
    token: (c = {}) =>
      gateway.issuer!.issue({
        sub: c.sub ?? "tester",
        scopes: c.scopes ?? ["read", "trade", "data"],
        accounts: c.accounts ?? "*",
        ttlSeconds: c.ttlSeconds ?? 3600,
      }),
    call(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== "") headers.set("authorization", `Bearer ${token ?? adminToken}`);
      if (rest.body !== undefined && !headers.has("content-type"))
        headers.set("content-type", "application/json");
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    async close() {
      await gateway.close();
      if (ownSim) await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
