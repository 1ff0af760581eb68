/**
 * The per-account waiting line: one FIFO per priority class, served strictly in class
 * order (order mutations, then reads, then bulk fan-out), first come first served
 * within a class. Hand-written: three small arrays beat a heap at these depths (a few
 * hundred) and keep FIFO order without sequence numbers.
 */
import type { Priority } from "../accounts/types.js";

export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { order: 0, read: 1, bulk: 2 };
const CLASSES: readonly Priority[] = ["order", "read", "bulk"];

export interface Queued {
  readonly priority: Priority;
}

export interface WaitQueue<T extends Queued> {
  readonly size: number;
  push(item: T): void;
  /** The next item to serve, without removing it. */
  peek(): T | undefined;
  shift(): T | undefined;
  remove(item: T): boolean;
  /** How many queued items would be served before a new item of this priority. */
  ahead(priority: Priority): number;
  /** The item that would be served last (newest of the lowest class), for eviction. */
  last(): T | undefined;
  /** Every item in service order (a copy). */
  toArray(): T[];
  drain(): T[];
}

export function createWaitQueue<T extends Queued>(): WaitQueue<T> {
  const lanes: T[][] = [[], [], []];
  let size = 0;
  const lane = (p: Priority): T[] => lanes[PRIORITY_RANK[p]]!;
  return {
    get size() {
      return size;
    },
    push(item) {
      lane(item.priority).push(item);
      size++;
    },
    peek() {
      for (const l of lanes) if (l.length > 0) return l[0];
      return undefined;
    },
    shift() {
      for (const l of lanes) {
        if (l.length > 0) {
          size--;
          return l.shift();
        }
      }
      return undefined;
    },
    remove(item) {
      const l = lane(item.priority);
      const i = l.indexOf(item);
      if (i < 0) return false;
      l.splice(i, 1);
      size--;
      return true;
    },
    ahead(priority) {
      let n = 0;
      for (const p of CLASSES) {
        n += lane(p).length;
        if (p === priority) break;
      }
      return n;
    },
    last() {
      for (let i = lanes.length - 1; i >= 0; i--) {
        const l = lanes[i]!;
        if (l.length > 0) return l[l.length - 1];
      }
      return undefined;
    },
    toArray() {
      return lanes.flat();
    },
    drain() {
      const all = lanes.flatMap((l) => l.splice(0));
      size = 0;
      return all;
    },
  };
}
