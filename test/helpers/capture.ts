/** Captures what a CLI command or a logger writes, for assertions. */
import { Writable } from "node:stream";
import type { Output } from "../../src/cli/io.js";

export interface Captured extends Output {
  readonly stdout: string[];
  readonly stderr: string[];
}

export function captureOutput(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** A writable stream collecting everything written to it (a pino destination). */
export function memoryStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}
