/**
 * Alpaca-compatible trading pass-through: `/v1/accounts/{accountId}/v2/*` → the
 * account's Alpaca trading base `/v2/*`, method, query and body unchanged, with the
 * account's keys. Order submissions and replacements are validated, risk-checked,
 * sent through the order ledger (never twice) and audited; so is every other trading action.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Account, HttpMethod, Priority, UpstreamResponse } from "../../accounts/types.js";
import type { AuditAction, AuditEntryInput } from "../../audit/record.js";
import { scrub } from "../../audit/scrub.js";
import type { Principal } from "../../auth/types.js";
import { PaddockError } from "../../errors.js";
import type { OrderLedger } from "../../trading/order-ledger.js";
import { submitOrder } from "../../trading/order-submit.js";
import { parseJsonObject, validateOrder, validateReplace } from "../../trading/order-validation.js";
import { checkRisk, type RiskFacts } from "../../trading/risk.js";
import { sendError } from "../error-handler.js";
import type { RouteDeps } from "../route-deps.js";

export interface TradingDeps extends RouteDeps {
  readonly ledger: OrderLedger;
  readonly audit: { append(entry: AuditEntryInput): Promise<void> };
  /** Global kill switch: refuses new orders on every account. */
  readonly isHalted: () => boolean;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "date",
  "server",
]);

interface Classified {
  readonly action: AuditAction | undefined;
  readonly priority: Priority;
  readonly idempotent: boolean;
}

/** What a trading request is: its audit action, scheduling class and whether it may be repeated. */
export function classify(method: HttpMethod, path: string): Classified {
  const p = path.replace(/\/+$/, "");
  if (method === "GET") return { action: undefined, priority: "read", idempotent: true };
  if (p === "/v2/orders" && method === "POST")
    return { action: "order.submit", priority: "order", idempotent: false };
  if (p === "/v2/orders" && method === "DELETE")
    return { action: "order.cancel_all", priority: "order", idempotent: true };
  if (/^\/v2\/orders\/[^/]+$/.test(p)) {
    if (method === "PATCH") return { action: "order.replace", priority: "order", idempotent: false };
    if (method === "DELETE") return { action: "order.cancel", priority: "order", idempotent: true };
  }
  if (p === "/v2/positions" && method === "DELETE")
    return { action: "position.close_all", priority: "order", idempotent: false };
  if (/^\/v2\/positions\/[^/]+$/.test(p) && method === "DELETE") {
    return { action: "position.close", priority: "order", idempotent: false };
  }
  if (/^\/v2\/positions\/[^/]+\/(exercise|do-not-exercise)$/.test(p)) {
    return { action: "position.exercise", priority: "order", idempotent: false };
  }
  return { action: undefined, priority: "read", idempotent: false };
}

const json = (res: UpstreamResponse): unknown => {
  try {
    return JSON.parse(res.body.toString());
  } catch {
    return undefined;
  }
};

function riskFacts(account: Account): RiskFacts {
  const getJson = async (path: string, kind: "trading" | "data"): Promise<unknown> => {
    const res = await account.request({ method: "GET", path, kind, priority: "order", idempotent: true });
    if (res.status === 404) return undefined;
    if (res.status >= 400) {
      throw new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", {
        detail: `risk check: ${path} answered ${res.status}`,
      });
    }
    return json(res);
  };
  return {
    async price(symbol) {
      const body = (await getJson(`/v2/stocks/${encodeURIComponent(symbol)}/trades/latest`, "data")) as
        | { trade?: { p?: number } }
        | undefined;
      return body?.trade?.p;
    },
    async positionQty(symbol) {
      const body = (await getJson(`/v2/positions/${encodeURIComponent(symbol)}`, "trading")) as
        | { qty?: string; side?: string }
        | undefined;
      if (!body?.qty) return 0;
      const q = Number(body.qty);
      return body.side === "short" ? -Math.abs(q) : q;
    },
    async account() {
      const body = (await getJson("/v2/account", "trading")) as { equity?: string; daytrade_count?: number };
      return { equity: Number(body?.equity ?? 0), daytradeCount: Number(body?.daytrade_count ?? 0) };
    },
  };
}

export function tradingRoutes(deps: TradingDeps): FastifyPluginAsync {
  return async (app) => {
    // Bodies are forwarded byte for byte; only order bodies are parsed.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

    const reply = (
      res: UpstreamResponse,
      account: Account,
      r: FastifyReply,
      extra: Record<string, string> = {},
    ) => {
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined && !HOP_BY_HOP.has(k)) r.header(k, v);
      }
      const b = account.status().budget;
      if (b.limit > 0) {
        r.header("x-ratelimit-limit", String(b.limit));
        r.header("x-ratelimit-remaining", String(b.remaining));
        r.header("x-ratelimit-reset", String(Math.ceil(b.resetAt / 1000)));
      }
      for (const [k, v] of Object.entries(extra)) r.header(k, v);
      r.code(res.status);
      return r.send(res.body.length > 0 ? res.body : undefined);
    };

    const handler = async (request: FastifyRequest<{ Params: { accountId: string } }>, r: FastifyReply) => {
      const started = deps.now();
      const { accountId } = request.params;
      const method = request.method as HttpMethod;
      const prefix = `/v1/accounts/${accountId}`;
      const upstreamPath = request.url.startsWith(prefix) ? request.url.slice(prefix.length) : request.url;
      const pathOnly = upstreamPath.split("?")[0]!;
      const kind = classify(method, pathOnly);
      let principal: Principal | undefined;
      const audit = (entry: AuditEntryInput & { action: AuditAction }) =>
        deps.audit
          .append({
            requestId: request.id,
            ...(principal ? { subject: principal.sub } : {}),
            account: accountId,
            latencyMs: deps.now() - started,
            ...entry,
          })
          .catch((err: unknown) => request.log.error({ err }, "audit append failed"));

      let body: Buffer | undefined =
        request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
      let clientOrderId: string | undefined;
      let parsedForAudit: Record<string, unknown> | undefined;
      try {
        principal = await deps.auth.authenticate(request, {
          scope: method === "GET" ? "read" : "trade",
          accountId,
        });
        const account = deps.fleet.get(accountId)!;

        if (kind.action === "order.submit") {
          const order = validateOrder(parseJsonObject(body));
          parsedForAudit = order.body;
          clientOrderId = order.clientOrderId;
          if (deps.isHalted() || account.status().halted) {
            throw new PaddockError("PADDOCK_HALTED", { detail: `new orders are refused on ${accountId}` });
          }
          await checkRisk(order, account.limits, riskFacts(account));
          body = Buffer.from(JSON.stringify(order.body));
          const lookupPath = `/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(order.clientOrderId)}`;
          const res = await submitOrder({
            accountId,
            clientOrderId: order.clientOrderId,
            fingerprint: order.fingerprint,
            ledger: deps.ledger,
            send: () =>
              account.request({
                method,
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
            maxRetries: deps.config.upstream.maxRetries,
            backoff: {
              baseMs: deps.config.upstream.retryBaseDelayMs,
              maxMs: deps.config.upstream.retryMaxDelayMs,
            },
            logger: request.log,
          });
          const placed = json(res) as { id?: string } | undefined;
          await audit({
            action: "order.submit",
            outcome: res.status < 300 ? "accepted" : "rejected",
            source: "upstream",
            request: scrub(order.body),
            upstreamStatus: res.status,
            clientOrderId: order.clientOrderId,
            ...(placed?.id ? { orderId: placed.id } : {}),
          });
          return reply(res, account, r, { "x-paddock-client-order-id": order.clientOrderId });
        }

        if (kind.action === "order.replace") {
          const replace = validateReplace(parseJsonObject(body));
          parsedForAudit = replace;
          if (deps.isHalted() || account.status().halted) {
            throw new PaddockError("PADDOCK_HALTED", { detail: `replacements are refused on ${accountId}` });
          }
          body = Buffer.from(JSON.stringify(replace));
        }

        const res = await account.request({
          method,
          path: upstreamPath,
          kind: "trading",
          priority: kind.priority,
          idempotent: kind.idempotent,
          ...(body ? { body, headers: { "content-type": "application/json" } } : {}),
        });
        if (kind.action) {
          const answer = json(res) as { id?: string; client_order_id?: string } | undefined;
          const orderId = /^\/v2\/orders\/([^/]+)$/.exec(pathOnly)?.[1];
          await audit({
            action: kind.action,
            outcome: res.status < 300 || res.status === 207 ? "accepted" : "rejected",
            source: "upstream",
            upstreamStatus: res.status,
            request: {
              method,
              path: upstreamPath,
              ...(parsedForAudit ? { body: scrub(parsedForAudit) } : {}),
            },
            ...(orderId ? { orderId } : {}),
            ...(answer?.client_order_id ? { clientOrderId: answer.client_order_id } : {}),
          });
        }
        return reply(res, account, r);
      } catch (err) {
        if (kind.action) {
          const e = PaddockError.from(err);
          await audit({
            action: kind.action,
            outcome:
              e.code === "PADDOCK_ORDER_AMBIGUOUS" ? "ambiguous" : e.status >= 500 ? "error" : "rejected",
            source: "gateway",
            request: {
              method,
              path: upstreamPath,
              ...(parsedForAudit ? { body: scrub(parsedForAudit) } : {}),
            },
            error: { code: e.alpacaCode, message: e.message },
            ...(clientOrderId ? { clientOrderId } : {}),
          });
        }
        return sendError(request, r, err);
      }
    };

    app.all("/v1/accounts/:accountId/v2/*", handler);
  };
}
