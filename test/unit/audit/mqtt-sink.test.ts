import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createMqttSink, topicLevel } from "../../../src/audit/mqtt-sink.js";
import { GENESIS_PREV } from "../../../src/audit/record.js";

describe("createMqttSink (no broker)", () => {
  it("keeps topic levels free of separators and wildcards", () => {
    expect(topicLevel(undefined)).toBe("_");
    expect(topicLevel("")).toBe("_");
    expect(topicLevel("acct-001")).toBe("acct-001");
    expect(topicLevel("a/b+c#d\u0000e")).toBe("a_b_c_d_e");
  });

  it("refuses a bad URL or buffer size, naming the field", () => {
    expect(() => createMqttSink({ url: "http://x" })).toThrow("audit.mqtt.url");
    expect(() => createMqttSink({ url: "mqtt://127.0.0.1:1", maxBuffered: 0 })).toThrow(
      "audit.mqtt.maxBuffered",
    );
  });

  it("never throws nor blocks while nothing answers, keeps a bounded buffer, and closes", async () => {
    // A port that refuses: bind, note it, close.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    await new Promise((resolve) => server.close(resolve));

    const warnings: object[] = [];
    const sink = createMqttSink(
      { url: `mqtt://127.0.0.1:${address.port}`, maxBuffered: 2, reconnectPeriodMs: 50, password: "hunter2" },
      { logger: { warn: (o) => warnings.push(o), error: () => {} } },
    );
    for (let seq = 1; seq <= 4; seq++) {
      sink.publish(`{"seq":${seq}}`, { action: "x", outcome: "info", time: "t", seq, prev: GENESIS_PREV });
    }
    expect(sink.buffered()).toBe(2);
    expect(sink.dropped()).toBe(2);
    // a connection attempt fails: the sink says so
    await expect.poll(() => sink.health().detail).toMatch(/^disconnected \(2 buffered, 2 dropped/);
    expect(sink.health().ok).toBe(false);
    await sink.close();
    expect(sink.health()).toEqual({ ok: false, detail: "closed" });
    expect(JSON.stringify(warnings)).not.toContain("hunter2");
    expect(warnings.length).toBeGreaterThan(0);
  });
});
