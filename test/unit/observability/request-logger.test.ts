import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../src/observability/logger.js";
import { accessLogger, RequestLogger } from "../../../src/observability/request-logger.js";
import { memoryStream } from "../../helpers/capture.js";

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("request logger", () => {
  it("makes no pino child until a line at an enabled level is written, then carries every binding", () => {
    const mem = memoryStream();
    const root = createLogger({ level: "info", destination: mem.stream });
    const child = vi.spyOn(root, "child");
    const log = new RequestLogger(root, { reqId: "r-1" });
    log.bind({ sub: "bot", account: "acct-001" });
    log.debug({ secret: "s3cret" }, "below the level");
    expect(child).not.toHaveBeenCalled();
    expect(log.bindings).toEqual({ reqId: "r-1", sub: "bot", account: "acct-001" });
    log.warn({ secretKey: "s3cret", n: 1 }, "upstream slow");
    expect(child).toHaveBeenCalledTimes(1);
    expect(child.mock.calls[0]?.[0]).toEqual({ reqId: "r-1", sub: "bot", account: "acct-001" });
    log.bind({ late: true });
    log.info("plain message");
    const [first, second] = lines(mem.text());
    expect(first).toMatchObject({
      reqId: "r-1",
      sub: "bot",
      account: "acct-001",
      n: 1,
      msg: "upstream slow",
    });
    // the request's lines keep the root logger's redaction
    expect(first?.secretKey).toBe("[redacted]");
    expect(second).toMatchObject({ reqId: "r-1", late: true, msg: "plain message" });
  });

  it("writes access lines without a redaction walk, and follows the root level when the caller checks it", () => {
    const mem = memoryStream();
    const root = createLogger({ level: "info", destination: mem.stream });
    const access = accessLogger(root);
    access.info(
      { reqId: "r-2", method: "GET", url: "/v1/accounts/acct-001/v2/account", status: 200 },
      "request",
    );
    root.level = "warn";
    expect(root.isLevelEnabled("info")).toBe(false);
    root.level = "info";
    access.info({ reqId: "r-3", status: 404 }, "request");
    expect(lines(mem.text()).map((l) => l.reqId)).toEqual(["r-2", "r-3"]);
  });
});
