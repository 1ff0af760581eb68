/** A recording WebSocket client for the streams tests (JSON or msgpack). */
import type { IncomingHttpHeaders } from "node:http";
import { decode } from "@msgpack/msgpack";
import { WebSocket } from "ws";

export interface TestClient {
  readonly ws: WebSocket;
  /** Every decoded message, in order (data-stream messages are arrays). */
  readonly messages: unknown[];
  send(payload: object): void;
  /** Resolves with the first message (after `from`) matching, or rejects after `timeoutMs`. */
  waitFor(pred: (m: unknown) => boolean, timeoutMs?: number, from?: number): Promise<unknown>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The headers of the server's upgrade answer (e.g. `x-paddock-worker`). */
  readonly upgrade: IncomingHttpHeaders;
  close(): void;
}

export async function connectClient(
  url: string,
  opts: { token?: string; msgpack?: boolean; headers?: Record<string, string> } = {},
): Promise<TestClient> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.msgpack) headers["content-type"] = "application/msgpack";
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const messages: unknown[] = [];
  let upgrade: IncomingHttpHeaders = {};
  ws.once("upgrade", (res) => {
    upgrade = res.headers;
  });
  const waiters = new Set<() => void>();
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    messages.push(isBinary && opts.msgpack ? decode(data) : JSON.parse(data.toString()));
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return {
    ws,
    messages,
    closed,
    get upgrade() {
      return upgrade;
    },
    send: (p) => ws.send(opts.msgpack ? Buffer.from(JSON.stringify(p)) : JSON.stringify(p)),
    close: () => ws.close(),
    waitFor(pred, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = from; i < messages.length; i++) {
            if (pred(messages[i])) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(messages[i]);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(messages).slice(-600)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** True when a data-stream message (an array) holds a frame matching `pred`. */
export const hasFrame =
  (pred: (f: Record<string, unknown>) => boolean) =>
  (m: unknown): boolean =>
    Array.isArray(m) &&
    m.some((f) => typeof f === "object" && f !== null && pred(f as Record<string, unknown>));

export const until = async (cond: () => boolean, timeoutMs = 5000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};
