/**
 * Test convenience around the simulator: start one on 127.0.0.1:0 with quiet defaults and call
 * its REST and control APIs with `fetch`.
 */
import { type SimHandle, type StartSimOptions, startSim } from "../../src/sim/index.js";

export type { SimHandle, StartSimOptions } from "../../src/sim/index.js";
export { startSim } from "../../src/sim/index.js";

/** A simulator for a test: port 0, seed 1, fast sweep. Close it in `afterAll`/`afterEach`. */
export function startTestSim(opts: StartSimOptions = {}): Promise<SimHandle> {
  return startSim({ port: 0, seed: 1, sweepMs: 50, tickIntervalMs: 50, ...opts });
}

export interface SimCall {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** An authenticated REST call (`APCA-API-KEY-ID`/`APCA-API-SECRET-KEY`). */
export async function simFetch(
  sim: SimHandle,
  method: string,
  path: string,
  opts: { key?: string; secret?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<SimCall> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined) headers["APCA-API-KEY-ID"] = opts.key;
  if (opts.secret !== undefined || opts.key !== undefined)
    headers["APCA-API-SECRET-KEY"] = opts.secret ?? "secret";
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${sim.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : (JSON.parse(text) as unknown),
  };
}

/** A `/_sim/` control call. */
export async function simControl(
  sim: SimHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<SimCall> {
  return simFetch(sim, method, `/_sim/${path}`, body === undefined ? {} : { body });
}
