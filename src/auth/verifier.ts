/**
 * Bearer token verification: size → cache → structure → allow-listed alg →
 * signature (jose) → claims → Principal. A verified token is cached by its
 * SHA-256 until its exp, so a client pays for one signature check per token,
 * not per request.
 *
 * Every failure is a PaddockError whose detail says what is wrong and never
 * contains the token.
 */
import { decodeProtectedHeader, errors, jwtVerify } from "jose";
import { PaddockError } from "../errors.js";
import { principalFromClaims } from "./claims.js";
import { compactTokenProblem } from "./compact-token.js";
import { createKeySet } from "./key-set.js";
import { createTokenCache, tokenHash } from "./token-cache.js";
import type { AuthOptions, JwtAlgorithm, Principal } from "./types.js";

export interface VerifierStats {
  /** Verifications answered without a signature check (cached, or joined to one in flight). */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Signature verifications attempted (one per key tried). */
  readonly signatureChecks: number;
  readonly cacheSize: number;
  /** HTTP requests made to the JWKS URL. */
  readonly jwksFetches: number;
}

export interface Verifier {
  verify(token: string): Promise<Principal>;
  stats(): VerifierStats;
  /** Drops the cache; later verify calls fail with PADDOCK_UNAVAILABLE. */
  close(): void;
}

export interface VerifierDeps {
  /** Clock in epoch milliseconds (default Date.now). */
  readonly now?: () => number;
  /** fetch used for the JWKS URL. */
  readonly fetch?: typeof fetch;
  /**
   * Least time between two JWKS URL refetches caused by unknown kids (default 30 000 ms).
   * jose's JWKS cache and cooldown run on the real clock (Date.now), not on `now`.
   */
  readonly jwksCooldownMs?: number;
  /**
   * Asked on every verification, cached tokens included (see auth/revocations.ts); true
   * answers 401. Must be synchronous and cheap.
   */
  readonly isRevoked?: (principal: Principal) => boolean;
}

const REQUIRED_CLAIMS = ["sub", "exp", "iat"];

const invalid = (detail: string, cause?: unknown): PaddockError =>
  new PaddockError("PADDOCK_AUTH_INVALID", { detail, cause });

export async function createVerifier(opts: AuthOptions, deps: VerifierDeps = {}): Promise<Verifier> {
  for (const [i, alg] of opts.algorithms.entries()) {
    if (!["RS256", "ES256", "EdDSA", "HS256"].includes(alg)) {
      throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `auth.algorithms[${i}]: not supported` });
    }
  }
  if (opts.algorithms.length === 0) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: "auth.algorithms: empty" });
  }
  const now = deps.now ?? Date.now;
  const keys = await createKeySet(opts, deps);
  const cache = createTokenCache(opts.cacheMaxEntries, now);
  const allowed = new Set<string>(opts.algorithms);
  const allowedList = opts.algorithms.join(", ");
  const limits = { clockSkewSeconds: opts.clockSkewSeconds, maxLifetimeSeconds: opts.maxLifetimeSeconds };
  let cacheHits = 0;
  let cacheMisses = 0;
  let signatureChecks = 0;
  let closed = false;
  // Concurrent requests with the same new token share one signature check.
  const inflight = new Map<string, Promise<Principal>>();

  const checkSignature = async (token: string, alg: JwtAlgorithm, kid: string | undefined) => {
    let tried = 0;
    for await (const candidate of keys.candidates(alg, kid)) {
      tried++;
      signatureChecks++;
      try {
        return await jwtVerify(token, candidate.key, {
          algorithms: [alg],
          requiredClaims: REQUIRED_CLAIMS,
          clockTolerance: opts.clockSkewSeconds,
          currentDate: new Date(now()),
          ...(opts.issuer === undefined ? {} : { issuer: opts.issuer }),
          ...(opts.audience === undefined ? {} : { audience: opts.audience }),
        });
      } catch (err) {
        if (err instanceof errors.JWSSignatureVerificationFailed) continue;
        // A key that cannot be used for this algorithm (wrong curve, short RSA modulus): try the next.
        if (err instanceof TypeError || err instanceof errors.JOSENotSupported) continue;
        throw mapJoseError(err);
      }
    }
    throw invalid(
      tried === 0
        ? `no trusted ${alg} key${kid === undefined ? "" : " matches the token's kid"}`
        : "signature verification failed",
    );
  };

  /** Everything after the cache: structure, alg, signature, claims. */
  const verifyUncached = async (token: string, hash: string): Promise<Principal> => {
    if (token.split(".", 4).length !== 3) throw invalid("not a compact JWS (three dot-separated parts)");
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (cause) {
      throw invalid("header is not a JSON object", cause);
    }
    const { alg, kid } = header;
    if (typeof alg !== "string" || alg.length === 0) throw invalid('header "alg" is missing');
    if (alg.toLowerCase() === "none") throw invalid('alg "none" is refused');
    if (!allowed.has(alg)) throw invalid(`alg is not one of ${allowedList}`);
    if (kid !== undefined && typeof kid !== "string") throw invalid('header "kid" must be a string');
    const problem = compactTokenProblem(token);
    if (problem !== undefined) throw invalid(problem);
    const { payload } = await checkSignature(token, alg as JwtAlgorithm, kid);
    const principal = principalFromClaims(payload, limits, Math.floor(now() / 1000));
    cache.set(hash, principal);
    return principal;
  };

  const admit = (principal: Principal): Principal => {
    if (deps.isRevoked?.(principal)) throw invalid("token revoked");
    return principal;
  };

  return {
    async verify(token) {
      if (closed) throw new PaddockError("PADDOCK_UNAVAILABLE", { detail: "token verifier closed" });
      if (typeof token !== "string" || token.length === 0) throw new PaddockError("PADDOCK_AUTH_MISSING");
      if (token.length > opts.maxTokenBytes || Buffer.byteLength(token, "utf8") > opts.maxTokenBytes) {
        throw new PaddockError("PADDOCK_AUTH_TOO_LARGE", {
          detail: `larger than ${opts.maxTokenBytes} bytes`,
        });
      }
      const hash = tokenHash(token);
      const cached = cache.get(hash);
      if (cached !== undefined) {
        cacheHits++;
        return admit(cached);
      }
      const pending = inflight.get(hash);
      if (pending !== undefined) {
        cacheHits++;
        return pending.then(admit);
      }
      cacheMisses++;
      const check = verifyUncached(token, hash).finally(() => inflight.delete(hash));
      inflight.set(hash, check);
      return check.then(admit);
    },
    stats() {
      return {
        cacheHits,
        cacheMisses,
        signatureChecks,
        cacheSize: cache.size,
        jwksFetches: keys.jwksFetches,
      };
    },
    close() {
      closed = true;
      inflight.clear();
      cache.clear();
    },
  };
}

function mapJoseError(err: unknown): PaddockError {
  if (err instanceof PaddockError) return err;
  if (err instanceof errors.JWTExpired) {
    return new PaddockError("PADDOCK_AUTH_EXPIRED", { detail: 'claim "exp" has passed', cause: err });
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim;
    if (err.reason === "missing") return invalid(`claim "${claim}" is missing`, err);
    if (claim === "nbf") return invalid('claim "nbf" is in the future (not yet valid)', err);
    if (claim === "iss" || claim === "aud") return invalid(`claim "${claim}" does not match`, err);
    if (err.reason === "invalid") return invalid(`claim "${claim}" must be a number`, err);
    return invalid(`claim "${claim}" check failed`, err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid("alg not allowed", err);
  if (err instanceof errors.JOSEError) return invalid(`malformed token (${err.code})`, err);
  return invalid("malformed token", err);
}
