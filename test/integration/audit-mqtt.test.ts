/**
 * The MQTT audit sink against a real broker: MQTT_URL, else Mosquitto on
 * 127.0.0.1:1883. Without a broker the suite is skipped with a notice, unless
 * CI=true, where the broker is required.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  console.warn(`[audit-mqtt] SKIPPED: no MQTT broker at ${BROKER} (set MQTT_URL or start Mosquitto)`);
}

/** Collects messages on `topic` until `count` arrived. */
function collect(client: MqttClient, prefix: string) {
  const got: { topic: string; payload: string }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  client.on("message", (topic, payload) => {
    if (!topic.startsWith(prefix)) return;
    got.push({ topic, payload: payload.toString("utf8") });
    for (const w of waiters.filter((x) => got.length >= x.count)) w.resolve();
  });
  return {
    got,
    until: (count: number) =>
      got.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

describe.skipIf(!available)("MQTT audit sink (real broker)", () => {
  let dir: string;
  let subscriber: MqttClient;
  const run = Math.random().toString(36).slice(2, 10);
  const prefix = `paddock-test/${run}/audit`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "paddock-audit-mqtt-"));
    subscriber = await connectAsync(BROKER, { clientId: `paddock-test-sub-${run}` });
    await subscriber.subscribeAsync(`${prefix}/#`, { qos: 1 });
  });
  afterAll(async () => {
    await subscriber?.endAsync();
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes every durable line, byte for byte, to <prefix>/<account>", async () => {
    const sink = createMqttSink({ url: BROKER, topicPrefix: prefix, qos: 1 });
    const log = await createAuditLog({ dir, durability: "batched", batchMaxDelayMs: 5, sinks: [sink] });
    const inbox = collect(subscriber, prefix);
    await Promise.all([
      log.append({ action: "order.submit", outcome: "accepted", account: "acct-001", orderId: "o-1" }),
      log.append({ action: "order.cancel", outcome: "rejected", account: "acct-002", source: "gateway" }),
      log.append({ action: "admin.halt", outcome: "info" }),
      log.append({ action: "order.submit", outcome: "accepted", account: "acct-001", orderId: "o-2" }),
    ]);
    await inbox.until(4);
    await log.close();
    const lines = (await readFile(log.path, "utf8")).split("\n").filter(Boolean);
    expect(inbox.got.map((m) => m.topic).sort()).toEqual(
      [`${prefix}/acct-001`, `${prefix}/acct-001`, `${prefix}/acct-002`, `${prefix}/_`].sort(),
    );
    expect(inbox.got.map((m) => m.payload).sort()).toEqual([...lines].sort());
    // Per account, the order is the chain order.
    const acct1 = inbox.got
      .filter((m) => m.topic.endsWith("/acct-001"))
      .map((m) => JSON.parse(m.payload).orderId);
    expect(acct1).toEqual(["o-1", "o-2"]);
    expect(sink.health()).toEqual({ ok: false, detail: "closed" });
  });

  it("buffers (bounded) while the broker is unreachable, then delivers once connected", async () => {
    // A TCP proxy we can hold closed, then open, in front of the real broker.
    const { hostname, port } = new URL(BROKER);
    let open = false;
    const proxy = createServer((client) => {
      if (!open) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: hostname, port: Number(port || 1883) });
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const address = proxy.address();
    if (address === null || typeof address === "string") throw new Error("no proxy port");
    const warnings: object[] = [];
    const sink = createMqttSink(
      {
        url: `mqtt://127.0.0.1:${address.port}`,
        topicPrefix: prefix,
        maxBuffered: 3,
        reconnectPeriodMs: 100,
      },
      { logger: { warn: (o) => warnings.push(o), error: () => {} } },
    );
    const logDir = join(dir, "offline");
    const log = await createAuditLog({ dir: logDir, durability: "fsync", sinks: [sink] });
    const inbox = collect(subscriber, `${prefix}/acct-${run}`);
    try {
      for (let i = 1; i <= 5; i++) {
        // The file append never waits for MQTT.
        await log.append({
          action: "order.submit",
          outcome: "accepted",
          account: `acct-${run}`,
          orderId: `x-${i}`,
        });
      }
      expect(sink.buffered()).toBe(3);
      expect(sink.dropped()).toBe(2);
      expect(sink.health()).toMatchObject({ ok: false });
      expect(warnings.length).toBeGreaterThan(0);
      open = true;
      await inbox.until(3);
      expect(inbox.got.map((m) => JSON.parse(m.payload).orderId)).toEqual(["x-3", "x-4", "x-5"]);
      expect(sink.health()).toEqual({ ok: true, detail: "2 lines dropped while disconnected" });
      expect(log.health()).toMatchObject({ ok: true, sinks: [{ name: "mqtt", ok: true }] });
    } finally {
      await log.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("publishes each checkpoint, byte for byte, to <prefix>/_checkpoint/<instanceId>", async () => {
    const sink = createMqttSink({ url: BROKER, topicPrefix: prefix, instanceId: "gw-a" });
    const cpDir = join(dir, "checkpoints");
    const log = await createAuditLog({
      dir: cpDir,
      instanceId: "gw-a",
      durability: "fsync",
      sinks: [sink],
      checkpoints: { signer: deriveCheckpointSigner(Buffer.alloc(32, 1)), everyRecords: 2, everyMs: 0 },
    });
    const inbox = collect(subscriber, `${prefix}/_checkpoint/`);
    for (let i = 0; i < 4; i++) await log.append({ action: "order.submit", outcome: "accepted" });
    await log.flush();
    await inbox.until(2); // first (seq 1) and count (seq 3)
    await log.close(); // the close checkpoint (seq 4) goes out before the sink closes
    await inbox.until(3);
    const written = (await readFile(join(cpDir, "audit-gw-a.checkpoints.jsonl"), "utf8")).trim().split("\n");
    expect(written.map((l) => [JSON.parse(l).reason, JSON.parse(l).seq])).toEqual([
      ["first", 1],
      ["count", 3],
      ["close", 4],
    ]);
    expect(inbox.got.map((m) => m.topic)).toEqual(Array(3).fill(`${prefix}/_checkpoint/gw-a`));
    expect(inbox.got.map((m) => m.payload)).toEqual(written);
  });
});
