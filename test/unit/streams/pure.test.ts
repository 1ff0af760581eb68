/** The pure pieces: backoff, codecs, the subscription index, protocol parsing and the order tracker. */
import { decode, decodeTimestampToTimeSpec, EXT_TIMESTAMP, ExtensionCodec } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reconnectDelay } from "../../../src/resilience/backoff.js";
import {
  decodeClientMessage,
  encodeBatch,
  encodeFrame,
  encodeMessage,
  parseNanoTimestamp,
} from "../../../src/streams/codec.js";
import { DATA_CHANNELS, type DataChannel, parseDataAction } from "../../../src/streams/data-protocol.js";
import { createSubscriptionIndex, distinctSymbols } from "../../../src/streams/subscription-index.js";
import { createOrderTracker } from "../../../src/streams/trade-backfill.js";

const nanoCodec = new ExtensionCodec();
nanoCodec.register({ type: EXT_TIMESTAMP, encode: () => null, decode: (d) => decodeTimestampToTimeSpec(d) });

describe("reconnectDelay", () => {
  it("stays within [step/2, step] of a doubling step capped at max", () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const opts = { baseMs: 500, maxMs: 30_000 };
        const step = Math.min(30_000, 500 * 2 ** attempt);
        const d = reconnectDelay(attempt, opts, () => r);
        return d >= Math.floor(step / 2) && d <= step;
      }),
    );
    expect(reconnectDelay(0, { baseMs: 500, maxMs: 30_000 }, () => 0)).toBe(250);
    expect(reconnectDelay(3, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(3000);
    expect(reconnectDelay(20, { baseMs: 500, maxMs: 30_000 }, () => 0.999999)).toBe(30_000);
  });
});

describe("codec", () => {
  it("parses RFC 3339 with nanoseconds and refuses what is not one", () => {
    expect(parseNanoTimestamp("2026-11-25T15:30:00.123456789Z")).toMatchObject({
      seconds: Date.UTC(2026, 10, 25, 15, 30, 0) / 1000,
      nanos: 123_456_789,
    });
    expect(parseNanoTimestamp("2026-11-25T15:30:00.5Z")?.nanos).toBe(500_000_000);
    expect(parseNanoTimestamp("2026-11-25T10:30:00-05:00")?.seconds).toBe(
      parseNanoTimestamp("2026-11-25T15:30:00Z")?.seconds,
    );
    expect(parseNanoTimestamp("yesterday")).toBeUndefined();
  });

  it("encodes msgpack frames with timestamp extensions that keep nanoseconds", () => {
    const frame = { T: "t", S: "AAPL", p: 1.5, t: "2026-11-25T15:30:00.000000001Z" };
    const decoded = decode(encodeFrame(frame, "msgpack") as Buffer, { extensionCodec: nanoCodec }) as Record<
      string,
      unknown
    >;
    expect(decoded.t).toEqual({ sec: parseNanoTimestamp(frame.t)!.seconds, nsec: 1 });
    expect(decoded).toMatchObject({ T: "t", S: "AAPL", p: 1.5 });
  });

  it("assembles arrays from encoded frames for every size class", () => {
    for (const n of [0, 1, 15, 16, 300, 65_536]) {
      const frames = Array.from({ length: n }, (_, i) => ({ T: "q", S: `S${i % 7}`, bp: i }));
      const mp = encodeBatch(
        frames.map((f) => encodeFrame(f, "msgpack")),
        "msgpack",
      );
      expect(decode(mp as Buffer)).toEqual(frames);
      const js = encodeBatch(
        frames.map((f) => encodeFrame(f, "json")),
        "json",
      );
      expect(JSON.parse(js as string)).toEqual(frames);
    }
  });

  it("decodes client messages in JSON text, JSON binary and msgpack", () => {
    const msg = { action: "subscribe", trades: ["AAPL"] };
    expect(decodeClientMessage(Buffer.from(JSON.stringify(msg)), false)).toEqual(msg);
    expect(decodeClientMessage(Buffer.from(JSON.stringify(msg)), true)).toEqual(msg);
    const packed = encodeMessage([{ T: "x" }], "msgpack") as Buffer;
    expect(decodeClientMessage(packed, true)).toEqual([{ T: "x" }]);
    expect(() => decodeClientMessage(Buffer.from("{nope"), false)).toThrow();
  });
});

describe("parseDataAction", () => {
  it("names the bad field and normalises symbols", () => {
    expect(parseDataAction("hi")).toEqual({ action: "invalid", field: "message" });
    expect(parseDataAction({ action: "dance" })).toEqual({ action: "invalid", field: "action" });
    expect(parseDataAction({ action: "auth", key: "k" })).toEqual({ action: "invalid", field: "secret" });
    expect(parseDataAction({ action: "subscribe", quotes: "AAPL" })).toEqual({
      action: "invalid",
      field: "quotes",
    });
    expect(parseDataAction({ action: "subscribe", bars: [""] })).toEqual({
      action: "invalid",
      field: "bars",
    });
    expect(parseDataAction({ action: "subscribe", trades: ["aapl", "*"], news: ["x"] })).toEqual({
      action: "subscribe",
      channels: { trades: ["AAPL", "*"] },
    });
  });
});

describe("subscription index", () => {
  it("reports exactly the union's diffs and matches every client's own sets (property)", () => {
    const op = fc.record({
      kind: fc.constantFrom("add", "remove", "drop"),
      client: fc.nat(4),
      channel: fc.constantFrom<DataChannel>("trades", "quotes", "bars"),
      symbols: fc.array(fc.constantFrom("A", "B", "C", "D", "*"), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const index = createSubscriptionIndex<number>();
        const mirror = new Map<string, number>(); // channel|symbol → count from reported diffs
        const bump = (diff: Partial<Record<DataChannel, readonly string[]>>, by: number) => {
          for (const c of DATA_CHANNELS)
            for (const s of diff[c] ?? []) mirror.set(`${c}|${s}`, (mirror.get(`${c}|${s}`) ?? 0) + by);
        };
        for (const o of ops) {
          if (o.kind === "add") bump(index.add(o.client, { [o.channel]: o.symbols }), 1);
          else if (o.kind === "remove") bump(index.remove(o.client, { [o.channel]: o.symbols }), -1);
          else bump(index.drop(o.client), -1);
          const union = index.union();
          for (const c of DATA_CHANNELS) {
            for (const s of union[c]) if (mirror.get(`${c}|${s}`) !== 1) return false;
          }
          for (const [k, v] of mirror) {
            const [c, s] = k.split("|") as [DataChannel, string];
            if (v !== (union[c].has(s) ? 1 : 0)) return false;
            const subs = index.subscribers(c, s)[0];
            const expected = [0, 1, 2, 3, 4].filter((cl) => index.of(cl)[c].has(s));
            if ([...(subs ?? [])].sort().join() !== expected.join()) return false;
          }
        }
        return true;
      }),
    );
  });

  it("counts distinct symbols across channels", () => {
    const index = createSubscriptionIndex<string>();
    index.add("a", { trades: ["A", "B"], quotes: ["B", "C"], bars: ["*"] });
    expect(distinctSymbols(index.of("a"))).toBe(4);
    expect(index.subscribers("trades", "Z")).toEqual([undefined, undefined]);
    expect([...(index.subscribers("bars", "Z")[1] ?? [])]).toEqual(["a"]);
  });
});

describe("order tracker", () => {
  const o = (id: string, status: string, filled: string, at: string) => ({
    id,
    status,
    filled_qty: filled,
    filled_avg_price: "10",
    updated_at: at,
  });

  it("yields one update per moved order, oldest first, and flags repeats of backfilled states", () => {
    const t = createOrderTracker();
    t.seed([o("a", "new", "0", "2026-01-01T00:00:00Z"), o("b", "new", "0", "2026-01-01T00:00:01Z")]);
    t.record(o("b", "partially_filled", "2", "2026-01-01T00:00:03Z"));
    const missed = t.missed(
      [
        o("c", "new", "0", "2026-01-01T00:00:09Z"),
        o("b", "filled", "5", "2026-01-01T00:00:08Z"),
        o("a", "new", "0", "2026-01-01T00:00:00Z"),
        o("d", "weird", "0", "2026-01-01T00:00:09Z"),
      ],
      "2026-01-01T00:01:00Z",
    );
    expect(missed.map((m) => [m.order.id, m.event, m.qty])).toEqual([
      ["b", "fill", "3"],
      ["c", "new", undefined],
    ]);
    expect(t.missed([o("b", "filled", "5", "2026-01-01T00:00:08Z")], "x")).toEqual([]);
    expect(t.isDuplicate({ event: "fill", order: o("b", "filled", "5", "2026-01-01T00:00:08Z") })).toBe(true);
    t.record(o("b", "filled", "5", "2026-01-01T00:00:08Z"));
    expect(t.isDuplicate({ event: "fill", order: o("b", "filled", "5", "2026-01-01T00:00:08Z") })).toBe(
      false,
    );
    // an older snapshot never overrides a newer event
    t.seed([o("b", "new", "0", "2026-01-01T00:00:01Z")]);
    expect(t.get("b")?.status).toBe("filled");
  });

  it("stays bounded", () => {
    const t = createOrderTracker(3);
    for (const id of ["a", "b", "c", "d"]) t.record(o(id, "new", "0", "2026-01-01T00:00:00Z"));
    expect(t.size).toBe(3);
    expect(t.get("a")).toBeUndefined();
  });
});
