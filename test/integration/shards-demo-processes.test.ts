/**
 * The shards demo, small, through real processes: a simulator, 2 shards × 1 `paddock serve`
 * process sharing one Redis, and the routing proxy reading the nginx map `paddock shards map`
 * generated. Per-account reads reach their own shard through the proxy; `/v1/accounts` (whole
 * and paged) and `/v1/portfolio` through the proxy list every account of both shards; a block
 * order across both shards places each child once.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, requireBuild } from "../helpers/gateway-process.js";
import { getRedisUrl } from "../helpers/redis.js";

const redisUrl = await getRedisUrl();

interface DemoReport {
  accounts: number;
  perAccount: Array<{ account: string; status: number; servedBy: string; expected: string }>;
  accountsList: { count: number; total: number; partial: boolean; inIdOrder: boolean };
  accountsPaged: { count: number; distinct: number };
  portfolio: { accounts: number; failed: number; equity: string; partial: boolean };
  block: { children: number; ok: number; shards: string[]; placedOnce: boolean };
  proxyCounts: Record<string, number>;
  gatewayRssMiB: { total: number; max: number };
}

function runDemo(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(ROOT, "scripts/shards-demo.mjs"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out, err })));
}

describe.skipIf(redisUrl === undefined)("shards demo (real processes)", () => {
  it("2 shards × 1 process behind the generated map: routing, fan-out and a block order across both", async () => {
    requireBuild("shards-demo-processes");
    const { code, out, err } = await runDemo([
      "--json",
      "--accounts",
      "20",
      "--shards",
      "2",
      "--replicas",
      "1",
      "--block-accounts",
      "3",
      "--redis",
      redisUrl!,
    ]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(out.trim().split("\n").at(-1)!) as DemoReport;
    // each per-account read was answered by its owner, through the proxy's map
    expect(report.perAccount).toHaveLength(2);
    for (const r of report.perAccount) {
      expect(r.status).toBe(200);
      expect(r.servedBy).toBe(r.expected);
    }
    expect(report.proxyCounts.paddock_shard_s1).toBeGreaterThan(0);
    expect(report.proxyCounts.paddock_shard_s2).toBeGreaterThan(0);
    // fleet-wide routes through whichever replica the proxy chose: every account of both shards
    expect(report.accountsList).toEqual({
      ms: expect.any(Number),
      count: 20,
      total: 20,
      partial: false,
      inIdOrder: true,
    });
    expect(report.accountsPaged).toMatchObject({ count: 20, distinct: 20 });
    expect(report.portfolio).toMatchObject({ accounts: 20, failed: 0, equity: "2000000", partial: false });
    expect(report.block).toMatchObject({ children: 6, ok: 6, shards: ["s1", "s2"], placedOnce: true });
    expect(report.gatewayRssMiB.max).toBeLessThan(400);
  }, 120_000);
});
