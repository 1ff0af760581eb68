/**
 * Encoding of market-data stream messages. A message is an array of frames; each frame is
 * encoded once per tick and per format and spliced into every connection's batch:
 * JSON as `[` + frames joined by `,` + `]`; msgpack as an array header followed by the frames'
 * bytes. In msgpack, `t` is a msgpack timestamp extension (type -1, 96-bit: nanoseconds and
 * seconds), as Alpaca sends and the official SDK decodes; in JSON it is an RFC 3339 string.
 */
import { addExtension, Packr, Unpackr } from "msgpackr";

/** A timestamp with nanosecond precision, packed as the msgpack timestamp extension. */
export class NanoTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
    /** JSON: print as `…:05Z` (bars) rather than with nine fractional digits. */
    readonly wholeSeconds = false,
  ) {}
}

/** Decodes the msgpack timestamp extension to a Date, as msgpackr does by default. */
function unpackTimestamp(data: Uint8Array): Date {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length === 4) return new Date(b.readUInt32BE(0) * 1000);
  if (b.length === 8) {
    const hi = b.readUInt32BE(0);
    const nsec = hi >>> 2;
    const sec = (hi & 0x3) * 0x1_0000_0000 + b.readUInt32BE(4);
    return new Date(sec * 1000 + nsec / 1e6);
  }
  if (b.length === 12) return new Date(Number(b.readBigInt64BE(4)) * 1000 + b.readUInt32BE(0) / 1e6);
  return new Date(Number.NaN);
}

// msgpackr's extension registry is process-wide: registering a Class for type -1 also replaces
// the timestamp decoder, so `unpack` restores msgpackr's default decoding (a Date).
addExtension({
  Class: NanoTime,
  type: 0xff, // -1 as an unsigned byte: the msgpack timestamp extension
  unpack: unpackTimestamp,
  pack(v: NanoTime): Buffer {
    const b = Buffer.alloc(12);
    b.writeUInt32BE(v.nsec, 0);
    b.writeBigInt64BE(BigInt(v.sec), 4);
    return b;
  },
});

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export type WireValue =
  | string
  | number
  | boolean
  | null
  | NanoTime
  | readonly WireValue[]
  | { readonly [k: string]: WireValue };
export type WireFrame = { readonly [k: string]: WireValue };

/** A frame whose JSON and msgpack encodings are computed at most once. */
export class EncodedFrame {
  private jsonText: string | undefined;
  private packed: Buffer | undefined;
  constructor(private readonly frame: WireFrame) {}

  json(): string {
    this.jsonText ??= JSON.stringify(this.frame, (_k, v: unknown) =>
      v instanceof NanoTime ? nanoToRfc3339(v) : v,
    );
    return this.jsonText;
  }

  msgpack(): Buffer {
    // Copy: msgpackr may hand back a view of its reusable buffer.
    this.packed ??= Buffer.from(packr.pack(this.frame));
    return this.packed;
  }
}

export function nanoToRfc3339(v: NanoTime): string {
  if (v.wholeSeconds) return `${new Date(v.sec * 1000).toISOString().slice(0, 19)}Z`;
  return `${new Date(v.sec * 1000).toISOString().slice(0, 19)}.${String(v.nsec).padStart(9, "0")}Z`;
}

export function nanoTime(ms: number, subMsNanos = 0): NanoTime {
  const sec = Math.floor(ms / 1000);
  return new NanoTime(sec, (ms - sec * 1000) * 1_000_000 + subMsNanos);
}

/** A bar's timestamp: whole seconds. */
export function secondsTime(ms: number): NanoTime {
  return new NanoTime(Math.floor(ms / 1000), 0, true);
}

export function batchJson(frames: readonly EncodedFrame[]): string {
  let out = "[";
  for (let i = 0; i < frames.length; i++) out += (i === 0 ? "" : ",") + (frames[i] as EncodedFrame).json();
  return `${out}]`;
}

export function batchMsgpack(frames: readonly EncodedFrame[]): Buffer {
  const n = frames.length;
  const header =
    n < 16
      ? Buffer.from([0x90 | n])
      : n < 65_536
        ? Buffer.from([0xdc, n >> 8, n & 0xff])
        : Buffer.from([0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  const parts: Buffer[] = [header];
  for (const f of frames) parts.push(f.msgpack());
  return Buffer.concat(parts);
}

/** Encodes a one-off control message (success, error, subscription). */
export function encodeControl(frames: readonly WireFrame[], msgpack: boolean): string | Buffer {
  return msgpack ? Buffer.from(packr.pack(frames)) : JSON.stringify(frames);
}

/** Decodes a client message: JSON text, or msgpack bytes (falling back to JSON bytes). */
export function decodeClient(data: Buffer, isBinary: boolean): unknown {
  if (!isBinary) return JSON.parse(data.toString("utf8"));
  const first = data[0];
  if (first === 0x7b || first === 0x5b) {
    try {
      return JSON.parse(data.toString("utf8"));
    } catch {
      // not JSON after all: try msgpack
    }
  }
  return unpackr.unpack(data);
}
