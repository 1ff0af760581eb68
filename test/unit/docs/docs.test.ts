import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderConfigDocs } from "../../../src/config/docs.js";
import { ERROR_CODES } from "../../../src/errors.js";

describe("docs stay true", () => {
  it("docs/configuration.md is what the schema generates (run `paddock config docs > docs/configuration.md`)", async () => {
    expect(await readFile("docs/configuration.md", "utf8")).toBe(`${renderConfigDocs()}\n`);
  });

  it("docs/errors.md lists every error code", async () => {
    const text = await readFile("docs/errors.md", "utf8");
    const missing = Object.keys(ERROR_CODES).filter((c) => !text.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});
