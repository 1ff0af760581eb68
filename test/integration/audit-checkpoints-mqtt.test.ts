/**
 * Checkpoints reach the MQTT mirror (real broker: MQTT_URL, else Mosquitto on
 * 127.0.0.1:1883; skipped with a notice when none answers, unless CI=true).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuditLog } from "../../src/audit/audit-log.js";
import { deriveCheckpointSigner } from "../../src/audit/checkpoint.js";
import { createMqttSink } from "../../src/audit/mqtt-sink.js";

const BROKER = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 1883) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

const available = await reachable(BROKER);
if (!available) {
  if (process.env.CI === "true") throw new Error(`CI=true and no MQTT broker answers at ${BROKER}`);
  console.warn(`[audit-checkpoints-mqtt] SKIPPED: no MQTT broker at ${BROKER}`);
}

describe.skipIf(!available)("checkpoints over MQTT (real broker)", () => {
  let dir: string;
  let subscriber: MqttClient;
  const run = Math.random().toString(36).slice(2, 10);
  const prefix = `paddock-test/${run}/audit`;
  const got: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "paddock-audit-cp-mqtt-"));
    subscriber = await connectAsync(BROKER, { clientId: `paddock-test-cp-${run}` });
    subscriber.on("message", (topic, payload) => got.push({ topic, payload: payload.toString("utf8") }));
    await subscriber.subscribeAsync(`${prefix}/#`, { qos: 1 });
  });
  afterAll(async () => {
    await subscriber?.endAsync();
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes each checkpoint, byte for byte, to <prefix>/_checkpoint/<instanceId>", async () => {
    const sink = createMqttSink({ url: BROKER, topicPrefix: prefix, instanceId: "gw-a" });
    const log = await createAuditLog({
      dir,
      instanceId: "gw-a",
      durability: "fsync",
      sinks: [sink],
      checkpoints: { signer: deriveCheckpointSigner(Buffer.alloc(32, 1)), everyRecords: 2, everyMs: 0 },
    });
    for (let i = 0; i < 4; i++) {
      await log.append({ action: "order.submit", outcome: "accepted", account: "acct-001" });
    }
    await log.flush();
    await vi.waitFor(() => expect(got.filter((m) => m.topic.includes("_checkpoint"))).toHaveLength(2), {
      timeout: 10_000,
    });
    await log.close(); // the close checkpoint (seq 4) goes out before the sink closes
    const written = (await readFile(join(dir, "audit-gw-a.checkpoints.jsonl"), "utf8")).trim().split("\n");
    await vi.waitFor(() => expect(got.filter((m) => m.topic.includes("_checkpoint"))).toHaveLength(3), {
      timeout: 10_000,
    });
    const checkpoints = got.filter((m) => m.topic === `${prefix}/_checkpoint/gw-a`).map((m) => m.payload);
    expect(checkpoints).toEqual(written);
    expect(written.map((l) => [JSON.parse(l).reason, JSON.parse(l).seq])).toEqual([
      ["first", 1],
      ["count", 3],
      ["close", 4],
    ]);
  });
});
