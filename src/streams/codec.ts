/**
 * Downstream encodings of market-data frames. A frame is encoded once per codec
 * and the per-client message is assembled from already-encoded frames: a JSON
 * array is `[` + parts joined by `,` + `]`, a msgpack array is a header followed
 * by the encoded elements. Timestamps travel as msgpack timestamp extension
 * values with their nanoseconds, as Alpaca sends them.
 */
import { addExtension, Packr, Unpackr } from "msgpackr";
import type { DataFrame } from "./data-protocol.js";

export type WireCodec = "json" | "msgpack";

/** An RFC 3339 instant with nanosecond precision, encoded as msgpack ext -1 (timestamp 96). */
export class NanoTimestamp {
  constructor(
    readonly seconds: number,
    readonly nanos: number,
  ) {}
}

addExtension({
  Class: NanoTimestamp,
  type: -1,
  pack(value: NanoTimestamp): Buffer {
    const b = Buffer.allocUnsafe(12);
    b.writeUInt32BE(value.nanos, 0);
    b.writeBigInt64BE(BigInt(value.seconds), 4);
    return b;
  },
  unpack(buffer: Buffer): Date {
    if (buffer.length === 4) return new Date(buffer.readUInt32BE(0) * 1000);
    if (buffer.length === 8) {
      const hi = buffer.readUInt32BE(0);
      const seconds = (hi & 0x3) * 2 ** 32 + buffer.readUInt32BE(4);
      return new Date(seconds * 1000 + (hi >>> 2) / 1e6);
    }
    return new Date(Number(buffer.readBigInt64BE(4)) * 1000 + buffer.readUInt32BE(0) / 1e6);
  },
});

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false });

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 string keeping nanoseconds; undefined when it is not one. */
export function parseNanoTimestamp(text: string): NanoTimestamp | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const nanos = m[2] === undefined ? 0 : Number(m[2].padEnd(9, "0"));
  return new NanoTimestamp(Math.floor(ms / 1000), nanos);
}

/** The frame with its `t` timestamp (when an RFC 3339 string) turned into a msgpack timestamp. */
function forMsgpack(frame: DataFrame): DataFrame {
  const t = frame.t;
  if (typeof t !== "string") return frame;
  const ts = parseNanoTimestamp(t);
  return ts === undefined ? frame : { ...frame, t: ts };
}

export function encodeFrame(frame: DataFrame, codec: WireCodec): string | Buffer {
  return codec === "json" ? JSON.stringify(frame) : packr.pack(forMsgpack(frame));
}

/** One downstream message (an array) from encoded frames of one codec. */
export function encodeBatch(parts: readonly (string | Buffer)[], codec: WireCodec): string | Buffer {
  if (codec === "json") return `[${parts.join(",")}]`;
  const n = parts.length;
  let header: Buffer;
  if (n < 16) header = Buffer.from([0x90 | n]);
  else if (n < 65_536) header = Buffer.from([0xdc, n >> 8, n & 0xff]);
  else {
    header = Buffer.allocUnsafe(5);
    header[0] = 0xdd;
    header.writeUInt32BE(n, 1);
  }
  return Buffer.concat([header, ...(parts as readonly Buffer[])]);
}

/** Encodes a whole message (control frames) directly. */
export function encodeMessage(frames: readonly DataFrame[], codec: WireCodec): string | Buffer {
  return encodeBatch(
    frames.map((f) => encodeFrame(f, codec)),
    codec,
  );
}

/**
 * Decodes a client message: text is JSON; binary is msgpack (the official SDK's
 * market-data client sends msgpack) unless it starts like JSON. Throws on garbage.
 */
export function decodeClientMessage(data: Buffer, isBinary: boolean): unknown {
  if (!isBinary || data[0] === 0x7b || data[0] === 0x5b) return JSON.parse(data.toString("utf8"));
  return unpackr.unpack(data);
}
