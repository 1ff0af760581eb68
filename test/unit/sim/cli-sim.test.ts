import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readKeysFile, simCommand } from "../../../src/cli/commands/sim.js";

describe("paddock sim", () => {
  it("starts on the given port, prints the URL, serves, and stops on SIGTERM", async () => {
    const lines: string[] = [];
    const cmd = simCommand({ out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const done = cmd.parseAsync(["--port", "0", "--seed", "3", "--cash", "5000", "--rate-limit", "0"], {
      from: "user",
    });
    await expect.poll(() => lines.length).toBeGreaterThan(0);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(lines[0] ?? "")?.[1];
    expect(url).toBeDefined();
    const res = await fetch(`${url}/v2/account`, {
      headers: { "APCA-API-KEY-ID": "K", "APCA-API-SECRET-KEY": "S" },
    });
    expect(((await res.json()) as { cash: string }).cash).toBe("5000");
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    process.emit("SIGTERM");
    await done;
    expect(lines.at(-1)).toContain("stopping");
    await expect(fetch(`${url}/v2/clock`)).rejects.toThrow();
  });

  it("fails with one clear line when the port is taken", async () => {
    const { startSim } = await import("../../../src/sim/index.js");
    const taken = await startSim({ port: 0 });
    try {
      const cmd = simCommand({ out: () => {}, err: () => {} });
      await expect(cmd.parseAsync(["--port", String(taken.port)], { from: "user" })).rejects.toThrow(
        `port ${taken.port} is already in use`,
      );
    } finally {
      await taken.close();
    }
  });

  it("restricts keys from a keys file and reports bad entries by path without secrets", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-sim-"));
    const good = join(dir, "keys.yaml");
    await writeFile(good, "keys:\n  - keyId: A\n    secretKey: sa\n");
    expect(await readKeysFile(good)).toEqual([{ keyId: "A", secretKey: "sa" }]);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify([{ keyId: "A", secretKey: "topsecret" }, { keyId: "B" }]));
    await expect(readKeysFile(bad)).rejects.toThrow(/keys\[1\]\.secretKey/);
    await expect(readKeysFile(bad)).rejects.not.toThrow(/topsecret/);
    await expect(readKeysFile(join(dir, "missing"))).rejects.toThrow(/cannot read/);
  });
});
