/**
 * Spaces upstream connection attempts: at most `perSecond` start per second,
 * first come first served, so opening the trading streams of 1,000 accounts (at
 * start-up, or all at once after a network cut) never storms the upstream's
 * WebSocket endpoint or its REST budget for the order snapshots that follow.
 */

export interface ConnectPacer {
  /** Runs `start` in its turn; the returned function withdraws it if it has not run yet. */
  schedule(start: () => void): () => void;
  /** Attempts waiting for their turn. */
  waiting(): number;
  close(): void;
}

export function createConnectPacer(perSecond: number, now: () => number = Date.now): ConnectPacer {
  const spacingMs = 1000 / perSecond;
  const queue = new Set<() => void>();
  let nextAt = 0;
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    timer = undefined;
    for (const start of queue) {
      const t = now();
      if (t < nextAt) {
        timer = setTimeout(pump, Math.ceil(nextAt - t));
        timer.unref();
        return;
      }
      nextAt = Math.max(nextAt, t) + spacingMs;
      queue.delete(start);
      start();
    }
  };

  return {
    schedule(start) {
      // a fresh function per call, so the same callback may wait twice
      const entry = () => start();
      queue.add(entry);
      if (!timer) pump();
      return () => void queue.delete(entry);
    },
    waiting: () => queue.size,
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      queue.clear();
    },
  };
}
