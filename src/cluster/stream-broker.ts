/**
 * The primary's part in stream ownership when no Redis is configured: exactly one worker
 * owns each upstream connection (`data:<feed>`, `trading:<account>`), as one instance does
 * with Redis leases (streams/redis-coordinator.ts). Workers report their local demand; the
 * broker makes one worker with demand the owner (the one owning least), hands it the union
 * of every worker's demand, relays what its upstream sends to the other workers that want
 * it (data frames filtered by each worker's symbols), and gives the connection to another
 * worker with demand when the owner dies or leaves. An owner keeps a connection nobody wants
 * for the unsubscribe grace, then is told to close it.
 *
 * Trade updates keep one numbering per account across owners (the broker remembers the last
 * number), and the broker keeps each account's newest order states, so a new owner backfills
 * the updates of a takeover gap once instead of absorbing them into a fresh snapshot.
 */
import type { Clock, TimerHandle } from "../resilience/clock.js";
import { type DataFrame, FRAME_CHANNEL } from "../streams/data-protocol.js";
import type { WireOrder } from "../streams/trade-backfill.js";
import type { DataDemand, ToPrimary, ToWorker } from "./ipc.js";

export interface StreamBrokerDeps {
  readonly send: (worker: number, message: ToWorker) => void;
  /** How long a connection nobody wants stays open (`streams.unsubscribeGraceMs`). */
  readonly graceMs: number;
  readonly clock: Pick<Clock, "setTimeout" | "clearTimeout">;
  readonly logger?: { info(o: object, m?: string): void; debug(o: object, m?: string): void };
  /** Order states kept per account for the next owner (default 500: Alpaca's backfill page). */
  readonly keptOrderStates?: number;
}

export interface StreamBroker {
  /** A stream message from a worker (other types are ignored). */
  handle(worker: number, message: ToPrimary): void;
  /** The worker is gone (exited, or said goodbye): its demand goes, what it owned moves. */
  workerGone(worker: number): void;
  /** Resource → owning worker. */
  owners(): ReadonlyMap<string, number>;
  close(): void;
}

interface OrderStateKept {
  readonly order: WireOrder;
  readonly score: number;
}

interface Resource {
  readonly r: string;
  owner: number | undefined;
  /** Worker → its demand (data: symbols per channel; trading: true). */
  readonly demand: Map<number, DataDemand | true>;
  /** Worker → channel → symbols (data feeds: to filter what each worker receives). */
  readonly sets: Map<number, Map<string, Set<string>>>;
  /** The last trade update number relayed (trading). */
  seq: number;
  readonly states: Map<string, OrderStateKept>;
  graceTimer: TimerHandle | undefined;
}

/** The part of an order a backfill compares (trade-backfill.ts). */
function orderState(order: WireOrder): { id: string; kept: OrderStateKept } | undefined {
  if (typeof order.id !== "string" || order.id.length === 0) return undefined;
  const at = typeof order.updated_at === "string" ? Date.parse(order.updated_at) : Number.NaN;
  return {
    id: order.id,
    kept: {
      order: {
        id: order.id,
        status: order.status,
        filled_qty: order.filled_qty,
        updated_at: order.updated_at,
      },
      score: Number.isNaN(at) ? 0 : at,
    },
  };
}

const isData = (r: string): boolean => r.startsWith("data:");

export function createStreamBroker(deps: StreamBrokerDeps): StreamBroker {
  const kept = deps.keptOrderStates ?? 500;
  const resources = new Map<string, Resource>();
  const owned = new Map<number, number>();

  const get = (r: string): Resource => {
    let res = resources.get(r);
    if (!res) {
      res = {
        r,
        owner: undefined,
        demand: new Map(),
        sets: new Map(),
        seq: 0,
        states: new Map(),
        graceTimer: undefined,
      };
      resources.set(r, res);
    }
    return res;
  };

  const merged = (res: Resource): DataDemand => {
    const out = new Map<string, Set<string>>();
    for (const sets of res.sets.values()) {
      for (const [c, symbols] of sets) {
        let into = out.get(c);
        if (!into) {
          into = new Set();
          out.set(c, into);
        }
        for (const s of symbols) into.add(s);
      }
    }
    return Object.fromEntries([...out].map(([c, s]) => [c, [...s]]));
  };

  /** What the owner of a feed serves, and whether anyone else wants its frames. */
  const want = (res: Resource): ToWorker => ({
    t: "want",
    r: res.r,
    v: merged(res),
    o: [...res.demand.keys()].some((w) => w !== res.owner),
  });

  const setOwner = (res: Resource, owner: number | undefined): void => {
    if (res.owner !== undefined) owned.set(res.owner, (owned.get(res.owner) ?? 1) - 1);
    res.owner = owner;
    if (owner !== undefined) owned.set(owner, (owned.get(owner) ?? 0) + 1);
  };

  /** The worker with demand that owns least (ties: the lowest id). */
  const pick = (res: Resource): number | undefined => {
    let best: number | undefined;
    for (const w of res.demand.keys()) {
      if (
        best === undefined ||
        (owned.get(w) ?? 0) < (owned.get(best) ?? 0) ||
        ((owned.get(w) ?? 0) === (owned.get(best) ?? 0) && w < best)
      ) {
        best = w;
      }
    }
    return best;
  };

  const assign = (res: Resource, worker: number, why: string): void => {
    setOwner(res, worker);
    deps.logger?.debug({ resource: res.r, worker, why }, "upstream stream assigned");
    deps.send(worker, { t: "own", r: res.r, q: res.seq });
    if (isData(res.r)) deps.send(worker, want(res));
  };

  const cancelGrace = (res: Resource): void => {
    if (res.graceTimer === undefined) return;
    deps.clock.clearTimeout(res.graceTimer);
    res.graceTimer = undefined;
  };

  const forget = (res: Resource): void => {
    // a feed nobody owns or wants leaves nothing behind; an account keeps its numbering and states
    if (res.owner === undefined && res.demand.size === 0 && isData(res.r)) resources.delete(res.r);
  };

  const demandChanged = (res: Resource): void => {
    if (res.demand.size === 0) {
      if (res.owner !== undefined && res.graceTimer === undefined) {
        res.graceTimer = deps.clock.setTimeout(() => {
          res.graceTimer = undefined;
          if (res.demand.size > 0 || res.owner === undefined) return;
          deps.send(res.owner, { t: "disown", r: res.r });
          setOwner(res, undefined);
          forget(res);
        }, deps.graceMs);
      }
    } else {
      cancelGrace(res);
      if (res.owner === undefined) {
        const w = pick(res);
        if (w !== undefined) assign(res, w, "demand");
        return;
      }
    }
    if (res.owner !== undefined && isData(res.r)) deps.send(res.owner, want(res));
    if (res.owner === undefined) forget(res);
  };

  /** Sends `make(worker)` to every worker with demand for `res` but `from`. */
  const relay = (res: Resource, from: number, make: (w: number) => ToWorker | undefined): void => {
    for (const w of res.demand.keys()) {
      if (w === from) continue;
      const m = make(w);
      if (m) deps.send(w, m);
    }
  };

  const wanted = (sets: Map<string, Set<string>> | undefined, f: DataFrame): boolean => {
    const channel = FRAME_CHANNEL[f.T];
    if (channel === undefined) return true; // not a per-symbol frame: everyone gets it
    const symbols = sets?.get(channel);
    return symbols !== undefined && (symbols.has("*") || (f.S !== undefined && symbols.has(f.S)));
  };

  const keepState = (res: Resource, order: WireOrder, overwrite: boolean): void => {
    const st = orderState(order);
    if (!st || (!overwrite && res.states.has(st.id))) return;
    res.states.set(st.id, st.kept);
    if (res.states.size > kept + Math.ceil(kept / 10)) {
      const newest = [...res.states].sort((a, b) => b[1].score - a[1].score).slice(0, kept);
      res.states.clear();
      for (const [id, s] of newest) res.states.set(id, s);
    }
  };

  function workerGone(worker: number): void {
    for (const res of [...resources.values()]) {
      const had = res.demand.delete(worker);
      res.sets.delete(worker);
      if (res.owner === worker) {
        setOwner(res, undefined);
        cancelGrace(res);
        const next = pick(res);
        if (next !== undefined) {
          deps.logger?.info(
            { resource: res.r, from: worker, to: next },
            "upstream stream moved to another worker",
          );
          assign(res, next, "owner gone");
        } else forget(res);
      } else if (had) demandChanged(res);
    }
    owned.delete(worker);
  }

  return {
    handle(worker, m) {
      switch (m.t) {
        case "demand": {
          const res = get(m.r);
          if (m.v === null) {
            res.demand.delete(worker);
            res.sets.delete(worker);
          } else {
            res.demand.set(worker, m.v);
            if (m.v !== true) {
              res.sets.set(worker, new Map(Object.entries(m.v).map(([c, list]) => [c, new Set(list ?? [])])));
            }
          }
          demandChanged(res);
          return;
        }
        case "frames": {
          const res = resources.get(m.r);
          if (!res || res.owner !== worker) return; // a stale owner's last frames
          relay(res, worker, (w) => {
            const sets = res.sets.get(w);
            const f = m.f.filter((frame) => wanted(sets, frame));
            return f.length > 0 ? { t: "frames", r: m.r, f } : undefined;
          });
          return;
        }
        case "status": {
          const res = resources.get(m.r);
          if (!res || res.owner !== worker) return;
          relay(res, worker, () => ({ t: "status", r: m.r, s: m.s, m: m.m }));
          return;
        }
        case "trade": {
          const res = resources.get(`trading:${m.a}`);
          if (!res || res.owner !== worker) return;
          res.seq = Math.max(res.seq, m.q);
          keepState(res, m.d.order, true);
          relay(res, worker, () => ({ t: "trade", a: m.a, q: m.q, d: m.d }));
          return;
        }
        case "snapshot": {
          const res = get(`trading:${m.a}`);
          for (const o of m.o.slice(0, kept)) keepState(res, o, false);
          return;
        }
        case "resume": {
          const res = resources.get(`trading:${m.a}`);
          deps.send(worker, {
            t: "resumed",
            id: m.id,
            o: res ? [...res.states.values()].map((s) => s.order) : [],
          });
          return;
        }
        case "released": {
          const res = resources.get(m.r);
          if (res?.owner === worker) {
            setOwner(res, undefined);
            forget(res);
          }
          return;
        }
        case "bye":
          workerGone(worker);
          return;
        default:
          return;
      }
    },
    workerGone,
    owners() {
      const out = new Map<string, number>();
      for (const res of resources.values()) if (res.owner !== undefined) out.set(res.r, res.owner);
      return out;
    },
    close() {
      for (const res of resources.values()) cancelGrace(res);
      resources.clear();
    },
  };
}
