/** `paddock accounts …` against a running gateway: add, list, rotate-keys, import, remove. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountsCommand } from "../../src/cli/commands/accounts.js";
import type { Output } from "../../src/cli/io.js";
import { startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let token: string;

beforeAll(async () => {
  gw = await startGateway({ accounts: 1 });
  token = await gw.gateway.issuer!.issue({
    sub: "cli",
    scopes: ["read", "admin"],
    accounts: "*",
    ttlSeconds: 600,
  });
});
afterAll(() => gw.close());

async function run(args: string[], env: NodeJS.ProcessEnv = {}, stdin = ""): Promise<string[]> {
  const lines: string[] = [];
  const output: Output = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
  const cmd = accountsCommand(output, {
    env: { PADDOCK_URL: gw.url, PADDOCK_TOKEN: token, ...env },
    stdin: async () => stdin,
  });
  cmd.exitOverride();
  await cmd.parseAsync(["node", "accounts", ...args]);
  return lines;
}

describe("paddock accounts", () => {
  it("adds (keys from the environment), lists, rotates keys (from stdin), imports and removes", async () => {
    const added = await run(["add", "acct-cli", "--tags", "cli,x"], {
      APCA_API_KEY_ID: "PKCLI0001",
      APCA_API_SECRET_KEY: "cli-secret",
    });
    expect(added[0]).toMatch(/^added acct-cli \(Alpaca account \w+\)$/);
    expect((await run(["list", "--tag", "cli"])).join("\n")).toContain("acct-cli\tpaper\tactive\tcli,x");
    expect((await run(["rotate-keys", "acct-cli"], {}, "PKCLI0002 other-secret\n"))[0]).toContain("rotated");
    const dir = await mkdtemp(join(tmpdir(), "paddock-cli-"));
    const csv = join(dir, "fleet.csv");
    await writeFile(csv, "id,keyId,secretKey,tags\nacct-cli2,PKC2,s2,cli\n");
    expect(await run(["import", csv])).toEqual([expect.stringMatching(/^added acct-cli2/)]);
    expect(await run(["remove", "acct-cli"])).toEqual(["removed acct-cli"]);
    expect((await run(["list"])).join("\n")).not.toContain("acct-cli\t");
    await expect(
      run(["add", "acct-live", "--mode", "live"], { APCA_API_KEY_ID: "K", APCA_API_SECRET_KEY: "S" }),
    ).rejects.toThrow(/confirm_live/);
  });
});
