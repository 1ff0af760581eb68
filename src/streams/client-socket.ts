/**
 * One downstream WebSocket with a bounded send buffer. A client whose buffered
 * bytes would pass the bound is dropped with a reason (close 1008 after the
 * protocol's own error frame when it fits) and its socket destroyed shortly
 * after, so a reader that stopped never delays the others or grows memory.
 */
import type { WebSocket } from "ws";

export type Endpoint = "data" | "trading" | "native";

export interface ClientSocket {
  readonly id: number;
  readonly endpoint: Endpoint;
  /**
   * False when the message was not queued (socket gone or client dropped as slow).
   * A Buffer goes as a binary frame unless `text` is true (pre-encoded JSON shared by many clients).
   */
  send(data: string | Buffer, text?: boolean): boolean;
  /** Closes with a WebSocket close code and reason; destroys the socket if the close does not complete. */
  close(code: number, reason: string): void;
  readonly open: boolean;
}

export interface ClientSocketOptions {
  readonly endpoint: Endpoint;
  readonly maxBufferedBytes: number;
  /** Frame sent (best effort) before a slow client is closed. */
  readonly slowFrame: () => string | Buffer;
  readonly onSlow: (client: ClientSocket) => void;
  readonly onSent?: () => void;
  /** How long a close may take before the socket is destroyed (ms). */
  readonly closeTimeoutMs?: number;
}

let nextId = 1;

const OPEN = 1;

export function createClientSocket(ws: WebSocket, options: ClientSocketOptions): ClientSocket {
  let closing = false;
  const closeTimeoutMs = options.closeTimeoutMs ?? 1000;
  const client: ClientSocket = {
    id: nextId++,
    endpoint: options.endpoint,
    get open() {
      return !closing && ws.readyState === OPEN;
    },
    send(data, text) {
      if (closing || ws.readyState !== OPEN) return false;
      const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      // One message larger than the bound still goes to a client that has read everything.
      const buffered = ws.bufferedAmount;
      if (buffered > 0 && buffered + size > options.maxBufferedBytes) {
        options.onSlow(client);
        client.close(1008, "slow client");
        return false;
      }
      if (text === true) ws.send(data, { binary: false });
      else ws.send(data);
      options.onSent?.();
      return true;
    },
    close(code, reason) {
      if (closing) return;
      closing = true;
      if (ws.readyState === OPEN && reason === "slow client") {
        const frame = options.slowFrame();
        ws.send(frame);
      }
      if (ws.readyState === OPEN) ws.close(code, reason);
      const timer = setTimeout(() => ws.terminate(), closeTimeoutMs);
      timer.unref();
      ws.once("close", () => clearTimeout(timer));
    },
  };
  return client;
}
