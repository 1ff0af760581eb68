/**
 * Issue 13: resilience/ is a pure core (nothing of the gateway but errors.ts, no I/O
 * clients), and upstream/ is a transport below accounts/ (never imports it back).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../../src");
const imports = (dir: string): Array<{ file: string; from: string }> =>
  readdirSync(join(SRC, dir))
    .filter((f) => f.endsWith(".ts"))
    .flatMap((file) =>
      [
        ...readFileSync(join(SRC, dir, file), "utf8").matchAll(/^(?:import|export)[^;]*?from "([^"]+)";/gms),
      ].map((m) => ({ file: `${dir}/${file}`, from: m[1]! })),
    );

describe("layer boundaries", () => {
  it("resilience/ imports nothing of src/ but errors.ts, and no I/O client", () => {
    const bad = imports("resilience").filter(
      ({ from }) =>
        (from.startsWith("../") && from !== "../errors.js") ||
        ["ioredis", "undici", "rate-limiter-flexible", "node:net", "node:http"].includes(from),
    );
    expect(bad).toEqual([]);
  });

  it("upstream/ never imports accounts/ (the fleet sits above the transport)", () => {
    expect(imports("upstream").filter(({ from }) => from.startsWith("../accounts/"))).toEqual([]);
  });
});
