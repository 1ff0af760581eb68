import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInit } from "../../../src/cli/commands/init.js";
import { loadConfig } from "../../../src/config/load.js";
import { createLogger } from "../../../src/observability/logger.js";
import { memoryStream } from "../../helpers/capture.js";

describe("logger redaction", () => {
  it("never writes secrets, keys or tokens, even at debug level", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paddock-log-"));
    await runInit({ dir, accounts: 2, port: 0 });
    const { config } = await loadConfig(join(dir, "paddock.yaml"), { env: {} });
    const acct = config.accounts[0]!;
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const mem = memoryStream();
    const log = createLogger({ level: "trace", destination: mem.stream });
    log.debug({ account: acct }, "account loaded");
    log.debug({ accounts: config.accounts }, "fleet");
    log.debug(
      {
        req: {
          headers: {
            authorization: `Bearer ${token}`,
            "apca-api-key-id": acct.keyId,
            "apca-api-secret-key": acct.secretKey,
          },
        },
      },
      "request",
    );
    log.debug({ headers: { authorization: `Bearer ${token}` } }, "upstream");
    log.info({ token, access_token: token, client_secret: "cs", hs256Secret: "hs" }, "issued");
    log.trace({ upstream: { secretKey: acct.secretKey, keyId: acct.keyId } }, "nested");
    const text = mem.text();
    expect(text).toContain("[redacted]");
    expect(text.split("\n").filter(Boolean)).toHaveLength(6);
    for (const a of config.accounts) {
      expect(text).not.toContain(a.keyId);
      expect(text).not.toContain(a.secretKey);
    }
    expect(text).not.toContain(token);
    expect(text).not.toContain('"cs"');
  });
});

describe("logging.format", () => {
  it("writes one JSON object per line for json and readable text for pretty, redacted either way", () => {
    const json = memoryStream();
    createLogger({ format: "json", destination: json.stream }).info(
      { reqId: "r-1", token: "t0ken" },
      "request",
    );
    const line = JSON.parse(json.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ reqId: "r-1", msg: "request", token: "[redacted]" });

    const pretty = memoryStream();
    createLogger({ format: "pretty", destination: pretty.stream }).info(
      { reqId: "r-2", token: "t0ken" },
      "request",
    );
    const text = pretty.text();
    expect(text).toMatch(/INFO.*request/);
    expect(text).toContain("r-2");
    expect(text).not.toContain("t0ken");
    expect(() => JSON.parse(text.trim())).toThrow();
  });
});
