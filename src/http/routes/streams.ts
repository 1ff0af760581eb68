/**
 * WebSocket stream endpoints (Alpaca-compatible and native):
 * - `GET /v1/data/stream/v2/:feed` — Alpaca's market-data protocol (JSON, or msgpack
 *   when the upgrade's Content-Type is application/msgpack), scope `data`;
 * - `GET /v1/accounts/:accountId/stream` — Alpaca's trading-stream protocol, scope `read`;
 * - `GET /v1/stream/trade_updates` — every allowed account's updates, tagged and sequenced.
 * A JWT on the upgrade's Authorization header (or an `APCA-API-KEY-ID` /
 * `APCA-API-SECRET-KEY` pair) is checked before the upgrade (a bad one is refused
 * with the gateway's JSON error); without one, the auth message carries the key
 * pair: the JWT as the secret, or an OAuth2 client's id and secret. An unknown
 * account answers exactly like a bad token until the caller has authenticated.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Principal, Scope } from "../../auth/types.js";
import { PaddockError } from "../../errors.js";
import type { StreamService } from "../../streams/stream-service.js";
import type { RouteDeps } from "../route-deps.js";

export interface StreamRouteDeps extends Pick<RouteDeps, "auth"> {
  /** Built by app.ts (one per gateway): upstream sessions, the fan-out hub, client admission. */
  readonly service: StreamService;
}

const FEEDS = new Set(["iex", "sip", "delayed_sip", "test"]);

type WithPrincipal = FastifyRequest & { streamPrincipal?: Principal };

export function streamRoutes(deps: StreamRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const { service } = deps;

    /**
     * Authenticates the upgrade when it carries credentials; otherwise the auth message must.
     * The account is looked up only after the caller is authenticated, so an unknown one cannot
     * be told from a known one before that.
     */
    const upgradeAuth = (scope: Scope, accountOf: (r: FastifyRequest) => string | undefined) => {
      return async (request: FastifyRequest): Promise<void> => {
        const accountId = accountOf(request);
        const need = { scope, ...(accountId === undefined ? {} : { accountId }) };
        const h = request.headers;
        const secret = h["apca-api-secret-key"];
        let principal: Principal | undefined;
        if (h.authorization !== undefined) principal = await deps.auth.authenticate(request, need);
        else if (typeof secret === "string") {
          const keyId = h["apca-api-key-id"];
          principal = await deps.auth.verifyKeyPair(typeof keyId === "string" ? keyId : "", secret, need);
        }
        (request as WithPrincipal).streamPrincipal = principal;
      };
    };

    app.get<{ Params: { feed: string } }>(
      "/v1/data/stream/v2/:feed",
      {
        websocket: true,
        preValidation: async (request) => {
          const feed = (request.params as { feed: string }).feed;
          if (!FEEDS.has(feed))
            throw new PaddockError("PADDOCK_NOT_FOUND", { detail: `unknown feed: ${feed}` });
          await upgradeAuth("data", () => undefined)(request);
        },
      },
      (socket, request) => {
        const contentType = request.headers["content-type"] ?? "";
        service.acceptData(socket, {
          feed: request.params.feed,
          codec: contentType.includes("application/msgpack") ? "msgpack" : "json",
          principal: (request as WithPrincipal).streamPrincipal,
          verify: (keyId, secret) => deps.auth.verifyKeyPair(keyId, secret, { scope: "data" }),
        });
      },
    );

    app.get<{ Params: { accountId: string } }>(
      "/v1/accounts/:accountId/stream",
      {
        websocket: true,
        preValidation: upgradeAuth("read", (r) => (r.params as { accountId: string }).accountId),
      },
      (socket, request) => {
        const accountId = request.params.accountId;
        service.acceptTrading(socket, {
          accountId,
          principal: (request as WithPrincipal).streamPrincipal,
          verify: (keyId, secret) => deps.auth.verifyKeyPair(keyId, secret, { scope: "read", accountId }),
        });
      },
    );

    app.get(
      "/v1/stream/trade_updates",
      { websocket: true, preValidation: upgradeAuth("read", () => undefined) },
      (socket, request) => {
        service.acceptTrading(socket, {
          accountId: undefined,
          principal: (request as WithPrincipal).streamPrincipal,
          verify: (keyId, secret) => deps.auth.verifyKeyPair(keyId, secret, { scope: "read" }),
        });
      },
    );
  };
}
