/** `npm start` (paddock demo): 50 tagged accounts, and a console URL that signs in by its fragment. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, startDemo } from "../../src/cli/commands/demo.js";
import { createLogger } from "../../src/observability/logger.js";
import { memoryStream } from "../helpers/capture.js";

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    logger: createLogger({ level: "warn", destination: memoryStream().stream }),
  });
}, 60_000);
afterAll(() => demo.stop());

describe("paddock demo", () => {
  it("starts with 50 accounts in tagged groups and prints a console URL carrying its token", async () => {
    const res = await fetch(`${demo.url}/v1/accounts?tag=growth`, {
      headers: { authorization: `Bearer ${demo.token}` },
    });
    const body = (await res.json()) as { total: number };
    expect(body.total).toBe(17);
    const all = (await (
      await fetch(`${demo.url}/v1/accounts?limit=1`, { headers: { authorization: `Bearer ${demo.token}` } })
    ).json()) as { total: number };
    expect(all.total).toBe(50);
    expect(demo.consoleUrl).toBe(`${demo.url}/console/#token=${demo.token}`);
  });
});
