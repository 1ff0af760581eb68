/**
 * Every error leaves the gateway in Alpaca's envelope `{code, message}` plus `request_id`,
 * with `X-Paddock-Source: gateway` so a client can tell it from an error Alpaca sent.
 * Internal causes are logged, never returned.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, PaddockError } from "../errors.js";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PADDOCK_REQUEST_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "PADDOCK_REQUEST_MALFORMED",
  FST_ERR_CTP_EMPTY_JSON_BODY: "PADDOCK_REQUEST_MALFORMED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "PADDOCK_REQUEST_MALFORMED",
  FST_ERR_CTP_INVALID_JSON_BODY: "PADDOCK_REQUEST_MALFORMED",
  FST_ERR_VALIDATION: "PADDOCK_REQUEST_INVALID",
};

export function toPaddockError(err: unknown): PaddockError {
  if (err instanceof PaddockError) return err;
  const fe = err as Partial<FastifyError>;
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new PaddockError(mapped, { detail: fe.message ?? "", cause: err });
  if (fe.statusCode === 431) return new PaddockError("PADDOCK_AUTH_TOO_LARGE", { cause: err });
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new PaddockError("PADDOCK_REQUEST_MALFORMED", { detail: fe.message ?? "", cause: err });
  }
  return PaddockError.from(err);
}

const sentCodes = new WeakMap<FastifyReply, ErrorCode>();
/** The Paddock error code a reply was sent with (for metrics and the access log). */
export const errorCodeOf = (reply: FastifyReply): ErrorCode | undefined => sentCodes.get(reply);

/** Logs an error answer: internal errors with their cause at error level, the rest at debug. */
export function logError(
  log: { error(o: object, m: string): void; debug(o: object, m: string): void },
  e: PaddockError,
  requestId: string,
): void {
  if (e.status >= 500 && e.code === "PADDOCK_INTERNAL") {
    log.error({ err: e.cause ?? e, reqId: requestId }, "internal error");
  } else {
    log.debug({ code: e.code, status: e.status, cause: e.cause }, e.message);
  }
}

/** The headers of an error answer besides its body's: where it came from, and when to retry. */
export function errorHeaders(e: PaddockError): Record<string, string> {
  return e.retryAfterSeconds === undefined
    ? { "x-paddock-source": "gateway" }
    : {
        "x-paddock-source": "gateway",
        "retry-after": String(Math.max(1, Math.ceil(e.retryAfterSeconds))),
      };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toPaddockError(err);
  sentCodes.set(reply, e.code);
  logError(request.log, e, request.id);
  reply.code(e.status).headers(errorHeaders(e));
  if (request.raw.headers.upgrade !== undefined) {
    // a refused WebSocket upgrade: the socket was handed over for the upgrade and is no longer
    // the server's to keep alive or to close on shutdown, so it is closed once the answer is out
    reply.header("connection", "close");
    reply.raw.once("finish", () => request.raw.socket.destroySoon());
  }
  return reply.send(e.toBody(request.id));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new PaddockError("PADDOCK_NOT_FOUND", { detail: `${request.method} ${request.url.split("?")[0]}` }),
    ),
  );
}
