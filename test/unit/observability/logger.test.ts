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
