/**
 * Block orders: one order split across many accounts. Each child is an ordinary order
 * submission through the order service (validation, halts, risk, the order ledger,
 * safe submission, audit) with its own client_order_id `<block_id>-<account>`, so the
 * same block again — even after a restart — never places a child twice: a child
 * already answered is answered from the stored block, one left pending is sent again
 * and the ledger (or Alpaca's client_order_id uniqueness) replays the original.
 *
 * With shards, targets may be accounts of other shards: their children go to the owning shard's
 * pass-through route with the caller's credentials (`RemoteAccounts`), where that shard's order
 * service does the same (ledger, risk, audit). A child whose shard does not answer stays pending
 * (status 0, its error naming the shard): the same block again sends it again, and the shared
 * ledger replays it if it had in fact been placed.
 *
 * This module owns no HTTP: the route parses, authorises each target account and replies.
 */
import { createHash } from "node:crypto";
import type { Fleet } from "../accounts/types.js";
import { canonicalJson } from "../audit/canonical-json.js";
import { PaddockError } from "../errors.js";
import type { OrderService, TradingCall, TradingRouteKind } from "../trading/order-service.js";
import { allocate, fromUnits, toUnits, weightOf } from "./allocation.js";
import type { BlockStateStore } from "./block-store.js";
import { mapLimit } from "./map-limit.js";
import { type RemoteAccounts, resolveTargets, type Target, targetOf } from "./targets.js";

export const BLOCK_NAMESPACE = "blocks";
const BLOCK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const CHILD_CONCURRENCY = 8;
const FORBIDDEN_ORDER_FIELDS = ["qty", "notional", "client_order_id"] as const;
/** Alpaca order states after which nothing more happens to the order. */
const FINAL_STATES = new Set(["filled", "canceled", "expired", "rejected", "replaced", "done_for_day"]);

const SUBMIT: TradingRouteKind = { action: "order.submit", priority: "order", idempotent: false };
const CANCEL: TradingRouteKind = { action: "order.cancel", priority: "order", idempotent: true };
const READ: TradingRouteKind = { action: undefined, priority: "read", idempotent: true };

export interface BlockChild {
  readonly account: string;
  readonly client_order_id: string;
  readonly qty: string;
  /** HTTP status of the child's submission; 0 while not yet answered, 204 when its share was 0. */
  status: number;
  order: Record<string, unknown> | null;
  error: { code: number; message: string } | null;
}

export interface BlockRecord {
  readonly block_id: string;
  readonly fingerprint: string;
  readonly created_at: string;
  readonly subject: string;
  readonly children: BlockChild[];
}

export interface BlockAnswer {
  readonly block_id: string;
  readonly children: readonly BlockChild[];
  /** With shards: true while a child waits on a shard that did not answer (named in missing_shards). */
  readonly partial?: boolean;
  readonly missing_shards?: readonly string[];
}

/** Who is asking, and how to check each account (the route throws 403 naming the account). */
export interface BlockCaller {
  readonly subject: string;
  readonly requestId: string;
  readonly log: TradingCall["log"];
  /** Throws when the caller may not act on this account. */
  readonly allow: (account: { readonly id: string; readonly tags: readonly string[] }) => void;
  /** The caller's credentials, for children sent to another shard (with shards only). */
  readonly forward?: Readonly<Record<string, string>>;
}

export interface BlockOrderDeps {
  readonly fleet: Fleet;
  readonly orders: OrderService;
  readonly store: BlockStateStore;
  readonly now: () => number;
  /** The accounts of the other shards (read at use: a reload may change them); absent without shards. */
  readonly remote?: () => RemoteAccounts | undefined;
}

export interface BlockOrderService {
  place(body: unknown, caller: BlockCaller): Promise<BlockAnswer>;
  /** The children with their orders' live states. */
  get(blockId: string, caller: BlockCaller): Promise<BlockAnswer>;
  /** Cancels the open children, then answers like `get`. */
  cancel(blockId: string, caller: BlockCaller): Promise<BlockAnswer>;
  /** Planned quantities without placing anything (the console's allocation preview). */
  preview(body: unknown, caller: BlockCaller): Promise<Array<{ account: string; qty: string }>>;
}

interface BlockRequest {
  readonly blockId: string;
  readonly targets: Target[];
  readonly method: "equal" | "equity" | "buying_power" | "explicit";
  readonly qty?: string;
  readonly quantities?: Readonly<Record<string, unknown>>;
  readonly order: Record<string, unknown>;
  readonly fractional: boolean;
  readonly fingerprint: string;
}

const invalid = (field: string, detail: string): PaddockError =>
  new PaddockError("PADDOCK_REQUEST_INVALID", { field, detail });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
};

export function createBlockOrderService(deps: BlockOrderDeps): BlockOrderService {
  const parse = (body: unknown, opts: { needId: boolean }): BlockRequest => {
    if (!isObject(body))
      throw new PaddockError("PADDOCK_REQUEST_MALFORMED", { detail: "body: must be a JSON object" });
    const blockId = body.block_id;
    if (opts.needId && (typeof blockId !== "string" || !BLOCK_ID.test(blockId))) {
      throw invalid(
        "block_id",
        "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
      );
    }
    const allocation = body.allocation;
    if (!isObject(allocation)) throw invalid("allocation", "must be an object with a method");
    const method = allocation.method;
    if (method !== "equal" && method !== "equity" && method !== "buying_power" && method !== "explicit") {
      throw invalid("allocation.method", "must be equal, equity, buying_power or explicit");
    }
    let quantities: Record<string, unknown> | undefined;
    let qty: string | undefined;
    if (method === "explicit") {
      if (!isObject(allocation.quantities) || Object.keys(allocation.quantities).length === 0) {
        throw invalid("allocation.quantities", "must map account ids to quantities");
      }
      quantities = allocation.quantities;
    } else {
      const q = allocation.qty;
      if (typeof q !== "string" && typeof q !== "number")
        throw invalid("allocation.qty", "must be a decimal quantity");
      qty = String(q);
    }
    const fractional = body.fractional ?? false;
    if (typeof fractional !== "boolean") throw invalid("fractional", "must be true or false");
    const order = body.order;
    if (!isObject(order)) throw invalid("order", "must be an Alpaca order body without qty");
    for (const f of FORBIDDEN_ORDER_FIELDS) {
      if (order[f] !== undefined) throw invalid(`order.${f}`, "is set per child by the block; leave it out");
    }
    if (typeof order.symbol !== "string" || order.symbol.length === 0)
      throw invalid("order.symbol", "required");
    const spec = body.accounts ?? (quantities ? Object.keys(quantities) : undefined);
    const targets = resolveTargets(deps.fleet, spec, "accounts", deps.remote?.());
    if (quantities) {
      const ids = new Set(targets.map((t) => t.id));
      for (const k of Object.keys(quantities)) {
        if (!ids.has(k))
          throw invalid(`allocation.quantities.${k.slice(0, 64)}`, "is not one of the target accounts");
      }
    }
    const fingerprint = createHash("sha256")
      .update(canonicalJson({ targets: targets.map((t) => t.id), allocation, order, fractional }))
      .digest("hex");
    return {
      blockId: typeof blockId === "string" ? blockId : "",
      targets,
      method,
      ...(qty !== undefined ? { qty } : {}),
      ...(quantities ? { quantities } : {}),
      order,
      fractional,
      fingerprint,
    };
  };

  const target = (id: string): Target | undefined => targetOf(deps.fleet, deps.remote?.(), id);

  /** One call for a target: through this replica's order service, or its shard's pass-through route. */
  const send = async (
    t: Target,
    call: { method: "GET" | "POST" | "DELETE"; path: string; body?: Buffer; kind: TradingRouteKind },
    caller: BlockCaller,
  ): Promise<{ status: number; body: Buffer }> => {
    const remote = t.local ? undefined : deps.remote?.();
    if (t.local || !remote) {
      if (!t.local) throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: t.id });
      const out = await deps.orders.handle({
        account: t.local,
        method: call.method,
        path: call.path,
        body: call.body,
        kind: call.kind,
        requestId: caller.requestId,
        subject: caller.subject,
        log: caller.log,
      });
      return out.res;
    }
    return remote.request(
      t.id,
      { method: call.method, path: call.path, ...(call.body ? { body: call.body } : {}) },
      caller.forward ?? {},
    );
  };

  const readJson = async (t: Target, path: string, caller: BlockCaller): Promise<unknown> => {
    const res = await send(t, { method: "GET", path, kind: READ }, caller);
    if (res.status !== 200) {
      throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
        detail: `${t.id}: ${path} answered ${res.status}`,
      });
    }
    return parseJson(res.body);
  };

  /** Units per account, by the request's allocation rule. */
  const plan = async (req: BlockRequest, caller: BlockCaller): Promise<Map<string, bigint>> => {
    const ids = req.targets.map((t) => t.id);
    if (req.fractional) {
      const symbol = encodeURIComponent(String(req.order.symbol));
      const asset = (await readJson(req.targets[0]!, `/v2/assets/${symbol}`, caller)) as {
        fractionable?: boolean;
      };
      if (asset?.fractionable !== true) {
        throw invalid("fractional", `${String(req.order.symbol).slice(0, 16)} is not fractionable at Alpaca`);
      }
    }
    const whole = !req.fractional;
    if (req.method === "explicit") {
      const q = req.quantities!;
      return new Map(
        ids.map((id) => [id, toUnits(String(q[id] ?? "0"), `allocation.quantities.${id}`, whole)]),
      );
    }
    const total = toUnits(req.qty!, "allocation.qty", whole);
    if (total === 0n) throw invalid("allocation.qty", "must be greater than 0");
    if (req.method === "equal") return allocate(total, ids, whole);
    const field = req.method === "equity" ? "equity" : "buying_power";
    const weights = await mapLimit(req.targets, CHILD_CONCURRENCY, async (a) => {
      const acct = (await readJson(a, "/v2/account", caller)) as Record<string, unknown> | undefined;
      return [a.id, weightOf(acct?.[field])] as const;
    });
    return allocate(total, ids, whole, new Map(weights));
  };

  const placeChild = async (child: BlockChild, body: Record<string, unknown>, caller: BlockCaller) => {
    const t = target(child.account);
    if (!t) {
      child.status = 404;
      child.error = { code: 40410000, message: `unknown account: ${child.account}` };
      return;
    }
    try {
      const res = await send(
        t,
        {
          method: "POST",
          path: "/v2/orders",
          body: Buffer.from(
            JSON.stringify({ ...body, qty: child.qty, client_order_id: child.client_order_id }),
          ),
          kind: SUBMIT,
        },
        caller,
      );
      const answer = parseJson(res.body);
      child.status = res.status;
      if (res.status < 300 && isObject(answer)) {
        child.order = answer;
        child.error = null;
      } else {
        const a = isObject(answer) ? answer : {};
        child.error = {
          code: typeof a.code === "number" ? a.code : res.status * 100_000,
          message: typeof a.message === "string" ? a.message : `Alpaca answered ${res.status}`,
        };
      }
    } catch (err) {
      const e = PaddockError.from(err);
      // a shard that did not answer leaves the child pending: the same block again sends it again
      child.status = e.code === "PADDOCK_SHARD_UNAVAILABLE" ? 0 : e.status;
      child.error = { code: e.alpacaCode, message: e.message };
    }
  };

  /** A stored block, once the caller is allowed on every child account still in the fleet. */
  const load = async (blockId: string, caller: BlockCaller): Promise<BlockRecord> => {
    if (!BLOCK_ID.test(blockId)) throw invalid("block_id", "not a block id");
    const raw = await deps.store.get(BLOCK_NAMESPACE, blockId);
    if (raw === undefined) throw new PaddockError("PADDOCK_NOT_FOUND", { detail: `no block ${blockId}` });
    const record = JSON.parse(raw) as BlockRecord;
    for (const c of record.children) {
      const t = target(c.account);
      if (t) caller.allow(t);
    }
    return record;
  };

  const answer = (r: BlockRecord): BlockAnswer => {
    const missing = new Set<string>();
    for (const c of r.children) {
      const shard = c.status === 0 && c.error ? deps.remote?.()?.get(c.account)?.shard : undefined;
      if (shard) missing.add(shard);
    }
    return missing.size > 0
      ? { block_id: r.block_id, children: r.children, partial: true, missing_shards: [...missing] }
      : { block_id: r.block_id, children: r.children };
  };

  const refresh = async (record: BlockRecord, caller: BlockCaller): Promise<void> => {
    await mapLimit(record.children, CHILD_CONCURRENCY, async (child) => {
      const id = child.order?.id;
      const t = target(child.account);
      if (typeof id !== "string" || !t) return;
      try {
        const live = await readJson(t, `/v2/orders/${encodeURIComponent(id)}`, caller);
        if (isObject(live)) child.order = live;
      } catch {
        // the stored state stays; the next look tries again
      }
    });
  };

  return {
    async preview(body, caller) {
      const req = parse(body, { needId: false });
      for (const t of req.targets) caller.allow(t);
      const units = await plan(req, caller);
      return req.targets.map((t) => ({ account: t.id, qty: fromUnits(units.get(t.id) ?? 0n) }));
    },

    async place(body, caller) {
      const req = parse(body, { needId: true });
      for (const t of req.targets) caller.allow(t);
      let record: BlockRecord;
      const stored = await deps.store.get(BLOCK_NAMESPACE, req.blockId);
      if (stored !== undefined) {
        record = JSON.parse(stored) as BlockRecord;
      } else {
        const units = await plan(req, caller);
        const fresh: BlockRecord = {
          block_id: req.blockId,
          fingerprint: req.fingerprint,
          created_at: new Date(deps.now()).toISOString(),
          subject: caller.subject,
          children: req.targets.map((t) => {
            const u = units.get(t.id) ?? 0n;
            return {
              account: t.id,
              client_order_id: `${req.blockId}-${t.id}`,
              qty: fromUnits(u),
              status: u === 0n ? 204 : 0,
              order: null,
              error: null,
            };
          }),
        };
        const put = await deps.store.putIfAbsent(BLOCK_NAMESPACE, req.blockId, JSON.stringify(fresh));
        record = put.created ? fresh : (JSON.parse(put.value) as BlockRecord);
      }
      if (record.fingerprint !== req.fingerprint) {
        throw new PaddockError("PADDOCK_CONFLICT", {
          field: "block_id",
          detail: `${req.blockId} was already used for a different block`,
        });
      }
      const pending = record.children.filter((c) => c.status === 0);
      if (pending.length > 0) {
        await mapLimit(pending, CHILD_CONCURRENCY, (c) => placeChild(c, req.order, caller));
        await deps.store.put(BLOCK_NAMESPACE, record.block_id, JSON.stringify(record));
      }
      return answer(record);
    },

    async get(blockId, caller) {
      const record = await load(blockId, caller);
      await refresh(record, caller);
      await deps.store.put(BLOCK_NAMESPACE, record.block_id, JSON.stringify(record));
      return answer(record);
    },

    async cancel(blockId, caller) {
      const record = await load(blockId, caller);
      await refresh(record, caller);
      await mapLimit(record.children, CHILD_CONCURRENCY, async (child) => {
        const id = child.order?.id;
        const state = child.order?.status;
        const t = target(child.account);
        if (typeof id !== "string" || !t || (typeof state === "string" && FINAL_STATES.has(state))) return;
        try {
          await send(
            t,
            { method: "DELETE", path: `/v2/orders/${encodeURIComponent(id)}`, kind: CANCEL },
            caller,
          );
        } catch {
          // the child's live state below shows what happened
        }
      });
      await refresh(record, caller);
      await deps.store.put(BLOCK_NAMESPACE, record.block_id, JSON.stringify(record));
      return answer(record);
    },
  };
}
