import { decode, decodeTimestampToTimeSpec, EXT_TIMESTAMP, ExtensionCodec } from "@msgpack/msgpack";
import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import {
  batchJson,
  batchMsgpack,
  decodeClient,
  EncodedFrame,
  nanoTime,
  secondsTime,
} from "../../../../src/sim/market/stream-codec.js";

const codec = new ExtensionCodec();
codec.register({
  type: EXT_TIMESTAMP,
  encode: () => null,
  decode: (d: Uint8Array) => decodeTimestampToTimeSpec(d),
});

describe("stream codec", () => {
  it("packs nanosecond timestamps as the msgpack timestamp extension and JSON as RFC 3339", () => {
    const f = new EncodedFrame({
      T: "t",
      S: "AAPL",
      p: 1.5,
      t: nanoTime(Date.parse("2025-03-04T15:00:00.123Z"), 456_789),
    });
    expect(JSON.parse(f.json())).toEqual({ T: "t", S: "AAPL", p: 1.5, t: "2025-03-04T15:00:00.123456789Z" });
    const decoded = decode(f.msgpack(), { extensionCodec: codec }) as { t: { sec: number; nsec: number } };
    expect(decoded.t).toEqual({ sec: Date.parse("2025-03-04T15:00:00Z") / 1000, nsec: 123_456_789 });
    const bar = new EncodedFrame({ T: "b", t: secondsTime(Date.parse("2025-03-04T15:00:00Z")) });
    expect(JSON.parse(bar.json()).t).toBe("2025-03-04T15:00:00Z");
  });

  it("batches are arrays of the frames, in JSON and msgpack, for small and large batches", () => {
    for (const n of [1, 15, 16, 70_000]) {
      const frames = Array.from({ length: n }, (_, i) => new EncodedFrame({ T: "q", i }));
      const json = JSON.parse(batchJson(frames)) as Array<{ i: number }>;
      const mp = decode(batchMsgpack(frames)) as Array<{ i: number }>;
      expect(json).toHaveLength(n);
      expect(mp).toHaveLength(n);
      expect(mp[n - 1]?.i).toBe(n - 1);
      expect(json[n - 1]?.i).toBe(n - 1);
    }
  });

  it("keeps msgpackr's default timestamp decoding (a Date) for everyone else in the process", () => {
    for (const ms of [0, 1_700_000_000_000, 1_700_000_000_123, Date.parse("2600-01-01T00:00:00.5Z")]) {
      const back = unpack(pack(new Date(ms))) as Date;
      expect(back).toBeInstanceOf(Date);
      expect(back.getTime()).toBe(ms);
    }
    const viaNano = unpack(new EncodedFrame({ t: nanoTime(1_700_000_000_123, 999) }).msgpack()) as {
      t: Date;
    };
    expect(viaNano.t.getTime()).toBe(1_700_000_000_123);
  });

  it("decodes client messages as JSON text, JSON bytes or msgpack", () => {
    const msg = { action: "auth", key: "k", secret: "s" };
    expect(decodeClient(Buffer.from(JSON.stringify(msg)), false)).toEqual(msg);
    expect(decodeClient(Buffer.from(JSON.stringify(msg)), true)).toEqual(msg);
    expect(decodeClient(Buffer.from(pack(msg)), true)).toEqual(msg);
    expect(() => decodeClient(Buffer.from("{nope"), false)).toThrow();
  });
});
