/**
 * Who may hold a connection. Authenticated clients take one of the instance's
 * `maxClients` slots; a connection that has not authenticated yet waits in its
 * own bounded pool (`maxPendingClients`) and takes a slot only once it has
 * authenticated. When the pool is full the oldest waiting connection is closed
 * to admit the newcomer, so a flood of idle sockets can neither take the client
 * slots nor lock real clients out of the pool for longer than one round trip.
 */
import type { WebSocket } from "ws";
import type { Logger } from "../observability/logger.js";
import { type ClientSocket, createClientSocket, type Endpoint } from "./client-socket.js";
import type { StreamMetrics } from "./stream-metrics.js";

export interface AdmissionLimits {
  readonly maxClients: number;
  readonly maxPendingClients: number;
  readonly sendBufferBytes: number;
}

/** The protocol's frames for the three ways a connection is turned away. */
export interface AdmissionFrames {
  readonly connectionLimit: () => string | Buffer;
  readonly evicted: () => string | Buffer;
  readonly slow: () => string | Buffer;
}

export interface Admitted {
  readonly socket: ClientSocket;
  /** Moves an authenticated connection to a client slot; false (and nothing changed) when none is free. */
  promote(): boolean;
  /** The connection closed: frees its slot or its place in the pool. */
  release(): void;
}

export interface ClientAdmission {
  /** Undefined when an authenticated connection finds no free slot (it has been told and closed). */
  admit(
    ws: WebSocket,
    endpoint: Endpoint,
    authenticated: boolean,
    frames: AdmissionFrames,
  ): Admitted | undefined;
  counts(): { clients: number; pending: number };
  closeAll(code: number, reason: string): void;
}

export function createClientAdmission(
  limits: () => AdmissionLimits,
  metrics: StreamMetrics,
  logger: Logger,
): ClientAdmission {
  const log = logger.child({ component: "streams" });
  const clients = new Set<ClientSocket>();
  /** Insertion order is age: the first entry is the oldest. */
  const pending = new Map<ClientSocket, AdmissionFrames>();

  const refuse = (ws: WebSocket, endpoint: Endpoint, frames: AdmissionFrames): void => {
    ws.send(frames.connectionLimit());
    ws.close(1008, "connection limit exceeded");
    log.warn({ endpoint, max: limits().maxClients }, "stream client refused: connection limit");
  };

  const takeSlot = (socket: ClientSocket): boolean => {
    if (clients.size >= limits().maxClients) return false;
    clients.add(socket);
    metrics.clients.inc({ endpoint: socket.endpoint });
    return true;
  };

  const evictOldest = (): void => {
    const oldest = pending.entries().next();
    if (oldest.done) return;
    const [socket, frames] = oldest.value;
    pending.delete(socket);
    metrics.pendingClients.dec();
    metrics.pendingEvicted.inc();
    socket.send(frames.evicted());
    socket.close(1008, "too many unauthenticated connections");
  };

  return {
    admit(ws, endpoint, authenticated, frames) {
      if (authenticated && clients.size >= limits().maxClients) {
        refuse(ws, endpoint, frames);
        return undefined;
      }
      const socket = createClientSocket(ws, {
        endpoint,
        maxBufferedBytes: limits().sendBufferBytes,
        slowFrame: frames.slow,
        onSlow: (c) => {
          metrics.slowClientsDropped.inc({ endpoint });
          log.warn({ endpoint, client: c.id }, "slow stream client dropped");
        },
      });
      if (authenticated) takeSlot(socket);
      else {
        while (pending.size >= limits().maxPendingClients) evictOldest();
        pending.set(socket, frames);
        metrics.pendingClients.inc();
      }
      return {
        socket,
        promote() {
          if (clients.has(socket)) return true;
          if (!pending.has(socket)) return false; // evicted or closed meanwhile
          if (!takeSlot(socket)) return false;
          pending.delete(socket);
          metrics.pendingClients.dec();
          return true;
        },
        release() {
          if (pending.delete(socket)) metrics.pendingClients.dec();
          else if (clients.delete(socket)) metrics.clients.dec({ endpoint });
        },
      };
    },
    counts: () => ({ clients: clients.size, pending: pending.size }),
    closeAll(code, reason) {
      for (const s of [...clients, ...pending.keys()]) s.close(code, reason);
    },
  };
}
