/**
 * The per-account waiting line: one FIFO per priority class, served strictly in class
 * order (order mutations, then reads, then bulk fan-out), first come first served
 * within a class. Hand-written: three FIFO lanes beat a heap here (three classes, FIFO
 * within each, no sequence numbers needed).
 */
/** Scheduling class of an upstream request: order mutations first, then reads, then bulk fan-out. */
export type Priority = "order" | "read" | "bulk";

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

/** A FIFO with O(1) push and shift (a head index over an array, compacted as it drains). */
class Lane<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  first(): T | undefined {
    return this.items[this.head];
  }
  lastItem(): T | undefined {
    return this.length > 0 ? this.items[this.items.length - 1] : undefined;
  }
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  toArray(): T[] {
    return this.items.slice(this.head);
  }
  clear(): T[] {
    const all = this.toArray();
    this.items = [];
    this.head = 0;
    return all;
  }
}

export function createWaitQueue<T extends Queued>(): WaitQueue<T> {
  const lanes: Lane<T>[] = [new Lane(), new Lane(), new Lane()];
  let size = 0;
  const lane = (p: Priority): Lane<T> => lanes[PRIORITY_RANK[p]]!;
  return {
    get size() {
      return size;
    },
    push(item) {
      lane(item.priority).push(item);
      size++;
    },
    peek() {
      for (const l of lanes) if (l.length > 0) return l.first();
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
      if (!lane(item.priority).remove(item)) return false;
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
        const item = lanes[i]!.lastItem();
        if (item !== undefined) return item;
      }
      return undefined;
    },
    toArray() {
      return lanes.flatMap((l) => l.toArray());
    },
    drain() {
      size = 0;
      return lanes.flatMap((l) => l.clear());
    },
  };
}
