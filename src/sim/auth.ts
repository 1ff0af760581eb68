/**
 * Who is calling: `APCA-API-KEY-ID` + `APCA-API-SECRET-KEY`, or `Authorization: Bearer <token>`
 * (the token is the key id). Any non-empty pair is accepted (a paper account opens on first use)
 * unless a key list restricts them. Secrets are compared in constant time and never logged.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface SimKey {
  readonly keyId: string;
  readonly secretKey: string;
}

export interface SimAuthenticator {
  /** The key id of a REST request, or undefined when it is not authorized. */
  fromHeaders(headers: IncomingHttpHeaders): string | undefined;
  /** The key id of a key/secret pair (streams), or undefined. */
  pair(key: string, secret: string): string | undefined;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAuthenticator(keys?: ReadonlyArray<SimKey>): SimAuthenticator {
  const allowed = keys && keys.length > 0 ? new Map(keys.map((k) => [k.keyId, k.secretKey])) : undefined;
  const pair = (key: string, secret: string): string | undefined => {
    if (key === "" || secret === "") return undefined;
    if (!allowed) return key;
    const expected = allowed.get(key);
    return expected !== undefined && sameSecret(expected, secret) ? key : undefined;
  };
  return {
    pair,
    fromHeaders(h) {
      const key = header(h, "apca-api-key-id");
      const secret = header(h, "apca-api-secret-key");
      if (key !== undefined || secret !== undefined) return pair(key ?? "", secret ?? "");
      const authz = header(h, "authorization");
      if (authz === undefined || !/^bearer /i.test(authz)) return undefined;
      const token = authz.slice(7).trim();
      if (token === "") return undefined;
      if (allowed && !allowed.has(token)) return undefined;
      return token;
    },
  };
}
