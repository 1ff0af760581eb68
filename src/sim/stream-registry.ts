/** Open WebSocket connections by key and feed: shared by the trading and data streams, stats and faults. */
import type { WebSocket } from "ws";
import type { StreamRegistry } from "./contract.js";

export interface SimStreamRegistry extends StreamRegistry {
  /** `{KEY: {feed: open connections}}` for `/_sim/stats`. */
  snapshot(): Record<string, Record<string, number>>;
  /** Every open socket (for shutdown). */
  sockets(): WebSocket[];
}

export function createStreamRegistry(): SimStreamRegistry {
  const byKey = new Map<string, Map<string, Set<WebSocket>>>();
  return {
    open(keyId, feed, socket) {
      let feeds = byKey.get(keyId);
      if (!feeds) {
        feeds = new Map();
        byKey.set(keyId, feeds);
      }
      let set = feeds.get(feed);
      if (!set) {
        set = new Set();
        feeds.set(feed, set);
      }
      const theFeeds = feeds;
      const theSet = set;
      theSet.add(socket);
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        theSet.delete(socket);
        if (theSet.size === 0) theFeeds.delete(feed);
        if (theFeeds.size === 0) byKey.delete(keyId);
      };
    },
    count(keyId, feed) {
      return byKey.get(keyId)?.get(feed)?.size ?? 0;
    },
    dropAll() {
      for (const s of this.sockets()) s.terminate();
    },
    snapshot() {
      const out: Record<string, Record<string, number>> = {};
      for (const [key, feeds] of byKey) {
        const row: Record<string, number> = {};
        for (const [feed, set] of feeds) if (set.size > 0) row[feed] = set.size;
        out[key] = row;
      }
      return out;
    },
    sockets() {
      const out: WebSocket[] = [];
      for (const feeds of byKey.values()) for (const set of feeds.values()) out.push(...set);
      return out;
    },
  };
}
