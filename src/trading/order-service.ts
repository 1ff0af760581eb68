/**
 * The order flow as a plain service: what happens to a trading request once the route
 * has parsed it and the caller is authorised. Order submissions are validated, held
 * by the kill switches, risk-checked, claimed in the order ledger and sent so that
 * no retry places them twice; replacements are validated and held by the kill
 * switches; every trading action — accepted, refused by the gateway or by Alpaca —
 * is recorded in the audit trail. Reads go straight through.
 *
 * The route owns HTTP (parsing, authorisation, the reply); this module owns no HTTP.
 */
import type { Account, HttpMethod, Priority, UpstreamResponse } from "../accounts/types.js";
import type { AuditAction, AuditEntryInput } from "../audit/record.js";
import { scrub } from "../audit/scrub.js";
import { PaddockError } from "../errors.js";
import type { OrderLedger } from "./order-ledger.js";
import { type SubmitLogger, submitOrder } from "./order-submit.js";
import { type JsonObject, parseJsonObject, validateOrder, validateReplace } from "./order-validation.js";
import { checkRisk, type RiskFacts } from "./risk.js";

/** What a matched trading route is: its audit action (if it changes anything), scheduling class and safety to repeat. */
export interface TradingRouteKind {
  readonly action: AuditAction | undefined;
  readonly priority: Priority;
  readonly idempotent: boolean;
}

export interface TradingCall {
  readonly account: Account;
  readonly method: HttpMethod;
  /** Path and query as Alpaca expects them, e.g. `/v2/orders/…?nested=true`. */
  readonly path: string;
  readonly body: Buffer | undefined;
  readonly kind: TradingRouteKind;
  readonly requestId: string;
  /** The caller's JWT `sub`. */
  readonly subject: string;
  /** Aborted when the client goes away: a queued read is then never sent. */
  readonly signal?: AbortSignal;
  readonly log: SubmitLogger & { error(o: object, m?: string): void };
}

export interface TradingOutcome {
  readonly res: UpstreamResponse;
  /** Headers the gateway adds to Alpaca's answer. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OrderServiceSettings {
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

export interface OrderServiceDeps {
  readonly ledger: OrderLedger;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
  /** Kill switches: true when new orders are refused on this account (global or its own halt). */
  readonly isHalted: (accountId: string) => boolean;
  /** Refuses orders when the audit trail cannot record them (`audit.required`); undefined = never. */
  readonly auditBlocked?: () => string | undefined;
  /** Latest trade price of a symbol, through the market-data cache. */
  readonly price: (symbol: string) => Promise<number | undefined>;
  /** Read on every call, so a reload reaches the order flow. */
  readonly settings: () => OrderServiceSettings;
  readonly now: () => number;
}

export interface OrderService {
  /** Handles one trading request: an order action (audited) or a read (passed through). */
  handle(call: TradingCall): Promise<TradingOutcome>;
}

const json = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
};

/** The scrubbed body of a request for the audit record, even when it fails validation. */
function bodyForAudit(body: Buffer | undefined): { body?: JsonObject; clientOrderId?: string } {
  if (!body || body.length === 0) return {};
  const parsed = json(body);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const obj = parsed as JsonObject;
  const id = obj.client_order_id;
  return {
    body: scrub(obj),
    ...(typeof id === "string" && id.length > 0 && id.length <= 128 ? { clientOrderId: id } : {}),
  };
}

function riskFacts(account: Account, price: OrderServiceDeps["price"]): RiskFacts {
  const getJson = async (path: string): Promise<unknown> => {
    const res = await account.request({
      method: "GET",
      path,
      kind: "trading",
      priority: "order",
      idempotent: true,
    });
    if (res.status === 404) return undefined;
    if (res.status >= 400) {
      throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
        detail: `risk check: ${path} answered ${res.status}`,
      });
    }
    return json(res.body);
  };
  return {
    price,
    async positionQty(symbol) {
      const body = (await getJson(`/v2/positions/${encodeURIComponent(symbol)}`)) as
        | { qty?: string; side?: string }
        | undefined;
      if (!body?.qty) return "0";
      // Alpaca's decimal string as sent: the risk check does exact decimal arithmetic on it
      const q = body.qty.replace(/^-/, "");
      return body.side === "short" ? `-${q}` : q;
    },
    async account() {
      const body = (await getJson("/v2/account")) as { equity?: string; daytrade_count?: number };
      return { equity: body?.equity ?? "0", daytradeCount: Number(body?.daytrade_count ?? 0) };
    },
  };
}

const ORDER_ID_PATH = /^\/v2\/orders\/([^/?]+)/;

export function createOrderService(deps: OrderServiceDeps): OrderService {
  const refuseIfHalted = (accountId: string, what: string): void => {
    if (deps.isHalted(accountId)) {
      throw new PaddockError("PADDOCK_HALTED", { detail: `${what} are refused on ${accountId}` });
    }
    const blocked = deps.auditBlocked?.();
    if (blocked !== undefined) {
      throw new PaddockError("PADDOCK_UNAVAILABLE", {
        detail: `the audit trail cannot be written (${blocked}); orders are refused`,
      });
    }
  };

  const send = (call: TradingCall, body: Buffer | undefined): Promise<UpstreamResponse> =>
    call.account.request({
      method: call.method,
      path: call.path,
      kind: "trading",
      priority: call.kind.priority,
      idempotent: call.kind.idempotent,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(body ? { body, headers: { "content-type": "application/json" } } : {}),
    });

  async function placeOrder(
    call: TradingCall,
  ): Promise<TradingOutcome & { audit: Partial<AuditEntryInput> }> {
    const { account } = call;
    const order = validateOrder(parseJsonObject(call.body));
    refuseIfHalted(account.id, "new orders");
    await checkRisk(order, account.limits, riskFacts(account, deps.price));
    const body = Buffer.from(JSON.stringify(order.body));
    const settings = deps.settings();
    const lookupPath = `/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(order.clientOrderId)}`;
    const res = await submitOrder({
      accountId: account.id,
      clientOrderId: order.clientOrderId,
      fingerprint: order.fingerprint,
      ledger: deps.ledger,
      send: () =>
        account.request({
          method: "POST",
          path: "/v2/orders",
          body,
          kind: "trading",
          priority: "order",
          idempotent: false,
        }),
      lookup: () =>
        account.request({
          method: "GET",
          path: lookupPath,
          kind: "trading",
          priority: "order",
          idempotent: false, // submitOrder owns the lookup retries
        }),
      maxRetries: settings.maxRetries,
      backoff: { baseMs: settings.retryBaseDelayMs, maxMs: settings.retryMaxDelayMs },
      logger: call.log,
    });
    const placed = json(res.body) as { id?: string } | undefined;
    return {
      res,
      headers: { "x-paddock-client-order-id": order.clientOrderId },
      audit: {
        request: scrub(order.body),
        clientOrderId: order.clientOrderId,
        ...(placed?.id ? { orderId: placed.id } : {}),
      },
    };
  }

  async function otherAction(
    call: TradingCall,
  ): Promise<TradingOutcome & { audit: Partial<AuditEntryInput> }> {
    let body = call.body && call.body.length > 0 ? call.body : undefined;
    let parsed: JsonObject | undefined;
    if (call.kind.action === "order.replace") {
      parsed = validateReplace(parseJsonObject(body));
      refuseIfHalted(call.account.id, "replacements");
      body = Buffer.from(JSON.stringify(parsed));
    }
    const res = await send(call, body);
    const answer = json(res.body) as { id?: string; client_order_id?: string } | undefined;
    const orderId = ORDER_ID_PATH.exec(call.path)?.[1];
    return {
      res,
      audit: {
        request: { method: call.method, path: call.path, ...(parsed ? { body: scrub(parsed) } : {}) },
        ...(orderId ? { orderId } : {}),
        ...(answer?.client_order_id ? { clientOrderId: answer.client_order_id } : {}),
      },
    };
  }

  return {
    async handle(call) {
      const action = call.kind.action;
      if (action === undefined) return { res: await send(call, call.body) };
      const started = deps.now();
      const record = (entry: Omit<AuditEntryInput, "action">): Promise<void> =>
        deps.audit
          .append({
            requestId: call.requestId,
            subject: call.subject,
            account: call.account.id,
            latencyMs: deps.now() - started,
            action,
            ...entry,
          })
          .catch((err: unknown) => call.log.error({ err }, "audit append failed"));
      try {
        const done = action === "order.submit" ? await placeOrder(call) : await otherAction(call);
        const status = done.res.status;
        await record({
          outcome: status < 300 ? "accepted" : "rejected",
          source: "upstream",
          upstreamStatus: status,
          ...done.audit,
        });
        return done.headers ? { res: done.res, headers: done.headers } : { res: done.res };
      } catch (err) {
        const e = PaddockError.from(err);
        const seen = bodyForAudit(call.body);
        await record({
          outcome:
            e.code === "PADDOCK_ORDER_AMBIGUOUS" ? "ambiguous" : e.status >= 500 ? "error" : "rejected",
          source: "gateway",
          request: { method: call.method, path: call.path, ...(seen.body ? { body: seen.body } : {}) },
          error: { code: e.alpacaCode, message: e.message },
          ...(seen.clientOrderId ? { clientOrderId: seen.clientOrderId } : {}),
        });
        throw e;
      }
    },
  };
}
