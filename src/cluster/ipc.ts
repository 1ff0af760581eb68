/**
 * The channel between the primary and each worker of `paddock serve --workers N`: the
 * messages both sides exchange, and a port that batches them. Whatever a side sends during
 * one turn of its event loop (a burst of budget takes, observations, stream frames) leaves
 * as one IPC message at the end of the turn (`setImmediate`), so the cost of the channel
 * grows with turns, not with requests. Messages travel in an envelope (`{paddock: [...]}`)
 * so they are never mistaken for Node's own cluster messages or another library's.
 */
import type { UpstreamRateHeaders } from "../resilience/upstream-limits.js";
import type { DataFrame } from "../streams/data-protocol.js";
import type { TradeUpdateData, WireOrder } from "../streams/trade-backfill.js";

/** A data feed's demand: symbols per channel (`*` for all). */
export type DataDemand = Readonly<Partial<Record<string, readonly string[]>>>;

/** Worker → primary. */
export type ToPrimary =
  // budgets (slot-accountant.ts)
  | { readonly t: "take"; readonly id: number; readonly k: string; readonly w: number; readonly l: number }
  | { readonly t: "release"; readonly k: string; readonly n: number }
  | { readonly t: "observe"; readonly k: string; readonly h: UpstreamRateHeaders }
  | { readonly t: "throttled"; readonly k: string; readonly ms: number | null }
  // streams (stream-broker.ts); `r` is `data:<feed>` or `trading:<account>`
  | { readonly t: "demand"; readonly r: string; readonly v: DataDemand | true | null }
  | { readonly t: "frames"; readonly r: string; readonly f: readonly DataFrame[] }
  | { readonly t: "status"; readonly r: string; readonly s: "up" | "down"; readonly m: string }
  | { readonly t: "trade"; readonly a: string; readonly q: number; readonly d: TradeUpdateData }
  | { readonly t: "snapshot"; readonly a: string; readonly o: readonly WireOrder[] }
  | { readonly t: "resume"; readonly id: number; readonly a: string }
  | { readonly t: "released"; readonly r: string }
  | { readonly t: "bye" }
  // metrics: aggregate for me / here are mine
  | { readonly t: "metrics"; readonly id: number }
  | { readonly t: "collected"; readonly id: number; readonly json?: unknown[]; readonly err?: string }
  // reload: this worker reloaded its configuration (the others follow)
  | { readonly t: "reloaded" };

/** Primary → worker. */
export type ToWorker =
  | { readonly t: "grant"; readonly id: number; readonly g: number; readonly ms: number }
  | { readonly t: "own"; readonly r: string; readonly q: number }
  /** The union the owner serves; `o`: other workers want some of it (else its frames stay local). */
  | { readonly t: "want"; readonly r: string; readonly v: DataDemand; readonly o: boolean }
  | { readonly t: "disown"; readonly r: string }
  | { readonly t: "frames"; readonly r: string; readonly f: readonly DataFrame[] }
  | { readonly t: "status"; readonly r: string; readonly s: "up" | "down"; readonly m: string }
  | { readonly t: "trade"; readonly a: string; readonly q: number; readonly d: TradeUpdateData }
  | { readonly t: "resumed"; readonly id: number; readonly o: readonly WireOrder[] }
  | { readonly t: "collect"; readonly id: number }
  | { readonly t: "metrics"; readonly id: number; readonly text?: string; readonly err?: string }
  /** `lead`: reload and tell the others (SIGHUP on the primary); else follow one that did. */
  | { readonly t: "reload"; readonly lead: boolean };

interface Envelope<M> {
  readonly paddock: readonly M[];
}

const isEnvelope = <M>(raw: unknown): raw is Envelope<M> =>
  typeof raw === "object" && raw !== null && Array.isArray((raw as { paddock?: unknown }).paddock);

/** One side of the channel. */
export interface Port<Out, In> {
  /** Queues a message; everything queued in this turn leaves together. */
  send(message: Out): void;
  /** Adds a handler for every incoming message (handlers ignore the types that are not theirs). */
  on(handler: (message: In) => void): () => void;
  /** Called once when the other side is gone. */
  onClose(fn: () => void): void;
  readonly open: boolean;
}

/** What a port needs of the process (or worker) below it. */
export interface RawEndpoint {
  /** Sends one envelope; false when the channel is closed. */
  send(envelope: unknown): boolean;
  subscribe(onMessage: (raw: unknown) => void, onClose: () => void): void;
}

export function createPort<Out, In>(raw: RawEndpoint): Port<Out, In> {
  const handlers = new Set<(m: In) => void>();
  const closers: Array<() => void> = [];
  let queue: Out[] = [];
  let scheduled = false;
  let open = true;
  const flush = (): void => {
    scheduled = false;
    if (queue.length === 0 || !open) return;
    const batch = queue;
    queue = [];
    raw.send({ paddock: batch } satisfies Envelope<Out>);
  };
  raw.subscribe(
    (message) => {
      if (!isEnvelope<In>(message)) return;
      for (const m of message.paddock) for (const h of handlers) h(m);
    },
    () => {
      if (!open) return;
      open = false;
      queue = [];
      for (const fn of closers.splice(0)) fn();
    },
  );
  return {
    send(message) {
      if (!open) return;
      queue.push(message);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    on(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    onClose(fn) {
      if (open) closers.push(fn);
      else fn();
    },
    get open() {
      return open;
    },
  };
}

/** The worker's end, over its IPC channel to the primary (`process.send`). */
export function processEndpoint(proc: NodeJS.Process = process): RawEndpoint {
  return {
    send(envelope) {
      if (!proc.connected || !proc.send) return false;
      return proc.send(envelope as never); // an envelope of plain JSON values
    },
    subscribe(onMessage, onClose) {
      proc.on("message", onMessage);
      proc.once("disconnect", onClose);
    },
  };
}

/** What the primary uses of a cluster worker (node:cluster's `Worker`). */
export interface WorkerHandle {
  send(message: unknown): boolean;
  isConnected(): boolean;
  on(event: "message", fn: (message: unknown) => void): unknown;
  once(event: "disconnect" | "exit", fn: () => void): unknown;
}

/** The primary's end of one worker's channel. */
export function workerEndpoint(worker: WorkerHandle): RawEndpoint {
  return {
    send(envelope) {
      if (!worker.isConnected()) return false;
      return worker.send(envelope);
    },
    subscribe(onMessage, onClose) {
      worker.on("message", onMessage);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        onClose();
      };
      worker.once("disconnect", close);
      worker.once("exit", close);
    },
  };
}

/**
 * Two connected ends in one process (tests; the same batching, no IPC). `close()` ends both,
 * the way a worker's death ends its channel.
 */
export function createLoopback(): { primary: RawEndpoint; worker: RawEndpoint; close(): void } {
  const sides = [0, 1].map(() => ({
    onMessage: (_: unknown) => {},
    onClose: () => {},
    open: true,
  }));
  const end = (self: 0 | 1): RawEndpoint => ({
    send(envelope) {
      const other = sides[1 - self]!;
      if (!sides[self]!.open) return false;
      // a copy, as IPC makes one: neither side can change what the other holds
      const copy = structuredClone(envelope);
      setImmediate(() => {
        if (other.open) other.onMessage(copy);
      });
      return true;
    },
    subscribe(onMessage, onClose) {
      sides[self]!.onMessage = onMessage;
      sides[self]!.onClose = onClose;
    },
  });
  return {
    primary: end(0),
    worker: end(1),
    close() {
      for (const s of sides) {
        if (!s.open) continue;
        s.open = false;
        s.onClose();
      }
    },
  };
}
