/**
 * The one place that decides how an order submission is sent, so that no retry — ours
 * or a client's — ever places an order twice.
 *
 * - The (account, client_order_id) is claimed in the order ledger before anything
 *   leaves. A repeat of a settled submission gets the original answer back; a repeat
 *   with a different body is refused (422).
 * - A definite answer (2xx, or a 4xx other than 408/429) is recorded and returned,
 *   never retried.
 * - A 429 from Alpaca is a definite "not placed": it goes back to the client at once,
 *   with `Retry-After`, and is never resent by the gateway (the client decides when).
 * - An ambiguous outcome (network error, timeout, 408, 5xx) is followed by
 *   a backoff and a lookup by client_order_id: found → that order is the answer;
 *   404 → only then is the order sent again (at most `maxRetries` resends); lookups
 *   that keep failing → PADDOCK_ORDER_AMBIGUOUS with the client_order_id to look up.
 *   There is never a second send without a 404 lookup in between.
 */
import type { UpstreamResponse } from "../accounts/types.js";
import { isPaddockError, PaddockError } from "../errors.js";
import { backoffDelay, retryAfterMs } from "../resilience/backoff.js";
import { defaultSleep, MAX_RETRIES } from "../resilience/retry.js";
import type { LedgerEntry, OrderLedger } from "./order-ledger.js";

export interface SubmitLogger {
  warn(o: object, m?: string): void;
  info(o: object, m?: string): void;
}

export interface SubmitOrderDeps {
  readonly accountId: string;
  readonly clientOrderId: string;
  /** Hash of the normalized order body. */
  readonly fingerprint: string;
  readonly ledger: OrderLedger;
  /** POST /v2/orders through budget and breaker (not retried by itself). */
  readonly send: () => Promise<UpstreamResponse>;
  /** GET /v2/orders:by_client_order_id through budget and breaker. */
  readonly lookup: () => Promise<UpstreamResponse>;
  readonly maxRetries: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly logger?: SubmitLogger;
}

type SendOutcome =
  | { readonly kind: "accepted"; readonly res: UpstreamResponse }
  | { readonly kind: "rejected"; readonly res: UpstreamResponse }
  /** 429 from Alpaca: definitely not accepted; may be sent again after the wait. */
  | { readonly kind: "throttled"; readonly res: UpstreamResponse }
  /** The gateway refused before anything left (budget, breaker). */
  | { readonly kind: "refused"; readonly error: PaddockError }
  | { readonly kind: "unknown"; readonly res?: UpstreamResponse; readonly error?: unknown };

type LookupOutcome =
  | { readonly kind: "found"; readonly res: UpstreamResponse }
  | { readonly kind: "absent" }
  | { readonly kind: "failed"; readonly error?: unknown; readonly status?: number };

const JSON_HEADERS = { "content-type": "application/json" } as const;

const text = (body: Buffer | undefined): string => body?.toString("utf8") ?? "";

const orderIdOf = (body: Buffer): string | undefined => {
  try {
    const v = JSON.parse(body.toString("utf8")) as { id?: unknown };
    return typeof v.id === "string" ? v.id : undefined;
  } catch {
    return undefined;
  }
};

const replay = (e: LedgerEntry): UpstreamResponse => ({
  status: e.status ?? 200,
  headers: { ...JSON_HEADERS, "x-paddock-replayed": "true" },
  body: Buffer.from(e.body ?? "", "utf8"),
});

/** Alpaca's 429 with a `Retry-After` in seconds (from its own, or its X-RateLimit-Reset; at least 1). */
export function withRetryAfter(res: UpstreamResponse, nowMs: number): UpstreamResponse {
  if (res.headers["retry-after"] !== undefined) return res;
  const ms = retryAfterMs(res.headers, nowMs) ?? 1000;
  return { ...res, headers: { ...res.headers, "retry-after": String(Math.max(1, Math.ceil(ms / 1000))) } };
}

async function classifySend(send: () => Promise<UpstreamResponse>): Promise<SendOutcome> {
  try {
    const res = await send();
    if (res.status >= 200 && res.status < 300) return { kind: "accepted", res };
    if (res.status === 429) return { kind: "throttled", res };
    if (res.status >= 400 && res.status < 500 && res.status !== 408) return { kind: "rejected", res };
    return { kind: "unknown", res };
  } catch (error) {
    // thrown by our own budget or breaker before the request left: nothing was sent
    if (isPaddockError(error, "PADDOCK_RATE_LIMITED") || isPaddockError(error, "PADDOCK_BREAKER_OPEN")) {
      return { kind: "refused", error };
    }
    return { kind: "unknown", error };
  }
}

async function lookupOnce(lookup: () => Promise<UpstreamResponse>): Promise<LookupOutcome> {
  try {
    const res = await lookup();
    if (res.status === 200) return { kind: "found", res };
    if (res.status === 404) return { kind: "absent" };
    return { kind: "failed", status: res.status };
  } catch (error) {
    return { kind: "failed", error };
  }
}

export async function submitOrder(d: SubmitOrderDeps): Promise<UpstreamResponse> {
  const { accountId, clientOrderId: id, ledger, logger } = d;
  const sleep = d.sleep ?? defaultSleep;
  const now = d.now ?? Date.now;
  const maxRetries = Math.max(0, Math.min(MAX_RETRIES, Math.floor(d.maxRetries)));
  const backoff = { ...d.backoff, ...(d.random ? { random: d.random } : {}) };
  const log = { account: accountId, client_order_id: id };
  let delays = 0;
  const pause = (hintMs?: number): Promise<void> =>
    sleep(Math.max(backoffDelay(delays++, backoff), Math.min(hintMs ?? 0, d.backoff.maxMs * 4)));

  const record = async (patch: Partial<LedgerEntry>): Promise<void> => {
    try {
      await ledger.update(accountId, id, patch);
    } catch (err) {
      // the upstream answer matters more than its record: log and carry on
      logger?.warn(
        { ...log, err: (err as Error)?.message, state: patch.state },
        "order ledger update failed",
      );
    }
  };

  const ambiguous = (cause?: unknown): PaddockError =>
    new PaddockError("PADDOCK_ORDER_AMBIGUOUS", {
      detail: `client_order_id ${id}`,
      extra: { client_order_id: id },
      ...(cause === undefined ? {} : { cause }),
    });

  /** Asks Alpaca for the client_order_id, retrying failed lookups; found orders become the answer. */
  const resolve = async (): Promise<UpstreamResponse | "absent" | "failed"> => {
    let last: LookupOutcome | undefined;
    for (let i = 0; i <= maxRetries; i++) {
      if (i > 0) await pause();
      last = await lookupOnce(d.lookup);
      if (last.kind === "found") {
        const body = last.res.body;
        const orderId = orderIdOf(body);
        await record({ state: "resolved", status: 200, body: text(body), ...(orderId ? { orderId } : {}) });
        logger?.info({ ...log, orderId }, "ambiguous order submission resolved by lookup: found");
        // Alpaca answers a submit with 200 and the order: the lookup's order is that answer
        return { status: 200, headers: { ...JSON_HEADERS, "x-paddock-resolved-by": "lookup" }, body };
      }
      if (last.kind === "absent") return "absent";
    }
    logger?.warn(
      { ...log, lookupStatus: last?.kind === "failed" ? last.status : undefined },
      "order lookups failed",
    );
    return "failed";
  };

  // 1. claim the client_order_id before anything leaves
  let claim: Awaited<ReturnType<OrderLedger["begin"]>>;
  try {
    claim = await ledger.begin(accountId, id, d.fingerprint);
  } catch (err) {
    throw new PaddockError("PADDOCK_UNAVAILABLE", {
      detail: "order ledger unavailable; the order was not sent",
      cause: err,
    });
  }

  // 2. a repeat of a known client_order_id
  let uncertain = false;
  if (!claim.created) {
    const e = claim.entry;
    if (e.fingerprint !== "" && e.fingerprint !== d.fingerprint) {
      // Alpaca's own answer to a reused client_order_id: 422, 40010001, "client_order_id must be unique"
      throw new PaddockError("PADDOCK_CLIENT_ORDER_ID_DUPLICATE", { extra: { client_order_id: id } });
    }
    if ((e.state === "acknowledged" || e.state === "resolved") && e.body !== undefined) {
      logger?.info({ ...log, state: e.state }, "repeated order submission: original answer returned");
      return replay(e);
    }
    // sent, ambiguous, rejected (or settled without a body): find out before sending anything
    const r = await resolve();
    if (r === "failed") throw ambiguous();
    if (r !== "absent") return r;
    uncertain = true; // another submission may still be on its way: a 4xx must be checked
  }

  // 3. send; after anything short of a definite answer, look up before sending again
  let lastError: unknown;
  let lastRes: UpstreamResponse | undefined;
  for (let sends = 0; ; ) {
    const outcome = await classifySend(d.send);
    sends++;
    switch (outcome.kind) {
      case "accepted": {
        const orderId = orderIdOf(outcome.res.body);
        await record({
          state: "acknowledged",
          status: outcome.res.status,
          body: text(outcome.res.body),
          ...(orderId ? { orderId } : {}),
        });
        return outcome.res;
      }
      case "rejected": {
        if (uncertain) {
          // e.g. 422 "client_order_id must be unique": an earlier send of ours did land
          const r = await resolve();
          if (typeof r === "object") return r;
        }
        await record({ state: "rejected", status: outcome.res.status, body: text(outcome.res.body) });
        return outcome.res;
      }
      case "refused":
        // nothing left this time; if an earlier send is unaccounted for, the outcome is unknown
        if (uncertain) throw ambiguous(outcome.error);
        throw outcome.error;
      case "throttled":
        lastRes = outcome.res;
        lastError = undefined;
        if (!uncertain) {
          // nothing was placed: answer now rather than hold the client through waits and lookups
          await record({ state: "rejected", status: 429, body: text(outcome.res.body) });
          return withRetryAfter(outcome.res, now());
        }
        break;
      case "unknown":
        uncertain = true;
        lastRes = outcome.res;
        lastError = outcome.error;
        await record({ state: "ambiguous", ...(outcome.res ? { status: outcome.res.status } : {}) });
        logger?.warn(
          { ...log, status: outcome.res?.status, err: (outcome.error as Error | undefined)?.message },
          "order submission outcome unknown: looking it up before any resend",
        );
        break;
    }
    // throttled or unknown: wait, then ask Alpaca before any resend
    await pause(lastRes && lastRes.status === 429 ? retryAfterMs(lastRes.headers, now()) : undefined);
    const r = await resolve();
    if (typeof r === "object") return r;
    if (r === "failed") {
      if (uncertain) throw ambiguous(lastError);
      // only throttled so far: nothing was accepted, the 429 is a definite answer
      return lastRes!;
    }
    // absent: nothing was placed; resend if retries remain
    if (sends > maxRetries) {
      if (lastRes) return lastRes;
      throw isPaddockError(lastError)
        ? lastError
        : new PaddockError("PADDOCK_UPSTREAM_UNAVAILABLE", { detail: "order not placed", cause: lastError });
    }
  }
}
