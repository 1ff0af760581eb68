/**
 * Authentication for routes: a Bearer JWT (verified once per token, cached by the
 * verifier), or — for Alpaca clients that only know a key pair — the JWT sent as
 * `APCA-API-SECRET-KEY` with any `APCA-API-KEY-ID`, or a registered OAuth2 client's
 * `client_id`/`client_secret` sent as that pair. Then scope and account.
 */
import type { FastifyRequest } from "fastify";
import type { Fleet } from "../accounts/types.js";
import { authorize } from "../auth/authorize.js";
import type { ClientKeyPairs } from "../auth/client-credentials.js";
import type { Principal, Scope } from "../auth/types.js";
import type { Verifier } from "../auth/verifier.js";
import { PaddockError } from "../errors.js";
import type { Authenticator, HeaderAuthenticator } from "./route-deps.js";

export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new PaddockError("PADDOCK_AUTH_MISSING", {
      detail: "send Authorization: Bearer <token> (or the token as APCA-API-SECRET-KEY)",
    });
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m)
    throw new PaddockError("PADDOCK_AUTH_INVALID", { detail: "Authorization must be 'Bearer <token>'" });
  return m[1]!;
}

/** A compact JWS: three base64url parts (the secret of a key pair that is a gateway token). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === "string" ? v : undefined;
};

export function createAuthenticator(
  verifier: Verifier,
  fleet: Fleet,
  keyPairs?: ClientKeyPairs,
): Authenticator & HeaderAuthenticator {
  const check = (principal: Principal, need: { scope: Scope; accountId?: string }): Principal => {
    const tags = need.accountId === undefined ? undefined : fleet.get(need.accountId)?.tags;
    authorize(principal, tags ? { ...need, accountTags: tags } : need);
    if (need.accountId !== undefined && !fleet.get(need.accountId)) {
      throw new PaddockError("PADDOCK_ACCOUNT_UNKNOWN", { detail: need.accountId });
    }
    return principal;
  };
  const fromKeyPair = async (keyId: string, secret: string): Promise<Principal> => {
    if (JWT_SHAPE.test(secret)) return verifier.verify(secret);
    const principal = await keyPairs?.verify(keyId, secret);
    if (!principal) {
      throw new PaddockError("PADDOCK_AUTH_INVALID", {
        detail: "the key pair is neither a gateway token nor a registered client's credentials",
      });
    }
    return principal;
  };
  const fromHeaders = async (headers: Headers): Promise<Principal> => {
    const secret = header(headers, "apca-api-secret-key");
    return headers.authorization === undefined && secret !== undefined
      ? fromKeyPair(header(headers, "apca-api-key-id") ?? "", secret)
      : verifier.verify(bearerToken(header(headers, "authorization")));
  };
  return {
    async authenticate(request: FastifyRequest, need) {
      const principal = await fromHeaders(request.headers);
      (request as FastifyRequest & { principal?: Principal }).principal = principal;
      return check(principal, need);
    },
    async authenticateHeaders(headers, need) {
      return check(await fromHeaders(headers), need);
    },
    async verifyToken(token, need) {
      return check(await verifier.verify(token), need);
    },
    async verifyKeyPair(keyId, secret, need) {
      return check(await fromKeyPair(keyId, secret), need);
    },
  };
}
