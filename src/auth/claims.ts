/**
 * Turns a signature-checked claims set into a Principal, applying the checks
 * jose does not make: sub is a non-empty string, iat not in the future, the
 * lifetime `exp - iat` bounded, and the shapes of `scope` and `accounts`.
 *
 * `scope`: a space-separated string (RFC 8693 / RFC 9068), or an array of
 * strings (some identity providers emit `scp` arrays). Unknown scope names are
 * IGNORED, so that a token from an identity provider carrying its own scopes
 * (`openid`, `profile`) still works; they grant nothing here. A `scope` of any
 * other type is refused.
 * `accounts`: `"*"` or an array of non-empty strings; missing means no account.
 */
import type { JWTPayload } from "jose";
import { PaddockError } from "../errors.js";
import { isScope, type Principal, type Scope } from "./types.js";

export interface ClaimLimits {
  readonly clockSkewSeconds: number;
  readonly maxLifetimeSeconds: number;
}

const invalid = (detail: string): PaddockError => new PaddockError("PADDOCK_AUTH_INVALID", { detail });

export function parseScopes(value: unknown): Set<Scope> {
  if (value === undefined) return new Set();
  let names: unknown[];
  if (typeof value === "string") names = value.split(" ");
  else if (Array.isArray(value)) names = value;
  else throw invalid('claim "scope" must be a space-separated string');
  const scopes = new Set<Scope>();
  for (const name of names) {
    if (typeof name !== "string") throw invalid('claim "scope" must contain only strings');
    if (isScope(name)) scopes.add(name);
  }
  return scopes;
}

export function parseAccounts(value: unknown): "*" | Set<string> {
  if (value === undefined) return new Set();
  if (value === "*") return "*";
  if (!Array.isArray(value)) throw invalid('claim "accounts" must be "*" or an array of account ids');
  const accounts = new Set<string>();
  for (const id of value) {
    if (typeof id !== "string" || id.length === 0) {
      throw invalid('claim "accounts" must contain only non-empty strings');
    }
    accounts.add(id);
  }
  return accounts;
}

/** `nowSeconds` is the verifier's clock; exp and nbf were already checked by jose. */
export function principalFromClaims(claims: JWTPayload, limits: ClaimLimits, nowSeconds: number): Principal {
  const { sub, exp, iat } = claims;
  if (typeof sub !== "string" || sub.length === 0) throw invalid('claim "sub" must be a non-empty string');
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw invalid('claim "exp" must be a number');
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw invalid('claim "iat" must be a number');
  if (iat > nowSeconds + limits.clockSkewSeconds) throw invalid('claim "iat" is in the future');
  if (exp <= iat) throw invalid('claim "exp" is not after "iat"');
  if (exp - iat > limits.maxLifetimeSeconds) {
    throw invalid(`token lifetime (exp - iat) exceeds ${limits.maxLifetimeSeconds} s`);
  }
  const clientId = claims.client_id;
  if (clientId !== undefined && typeof clientId !== "string")
    throw invalid('claim "client_id" must be a string');
  const jti = claims.jti;
  if (jti !== undefined && typeof jti !== "string") throw invalid('claim "jti" must be a string');
  const principal: Principal = {
    sub,
    scopes: parseScopes(claims.scope),
    accounts: parseAccounts(claims.accounts),
    exp,
    iat,
    ...(clientId === undefined ? {} : { clientId }),
    ...(jti === undefined ? {} : { jti }),
  };
  return Object.freeze(principal);
}
