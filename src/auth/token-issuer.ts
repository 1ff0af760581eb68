/**
 * The gateway's own tokens (`paddock token issue`, `POST /v1/auth/token`),
 * signed with its private key and published, public half only, as a JWKS
 * (`/.well-known/jwks.json`).
 */
import { randomUUID } from "node:crypto";
import { exportJWK, type JWK, SignJWT } from "jose";
import { PaddockError } from "../errors.js";
import { importPrivatePem, importPublicPem, readKeyFile } from "./key-files.js";
import { isScope, type Scope, type SigningOptions } from "./types.js";

export const MAX_TOKEN_TTL_SECONDS = 86_400;

export interface IssueRequest {
  readonly sub: string;
  readonly scopes: Iterable<Scope>;
  readonly accounts: "*" | ReadonlyArray<string>;
  readonly ttlSeconds: number;
  readonly clientId?: string;
}

export interface TokenIssuer {
  issue(req: IssueRequest): Promise<string>;
  /** The public keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] };
  readonly kid: string;
  readonly algorithm: SigningOptions["algorithm"];
}

export interface TokenIssuerDeps {
  /** Clock in epoch milliseconds (default Date.now). */
  readonly now?: () => number;
  /** Source of `jti` values (default crypto.randomUUID). */
  readonly randomId?: () => string;
}

const usage = (detail: string): PaddockError => new PaddockError("PADDOCK_USAGE", { detail });

export async function createTokenIssuer(
  signing: SigningOptions,
  deps: TokenIssuerDeps = {},
): Promise<TokenIssuer> {
  const now = deps.now ?? Date.now;
  const randomId = deps.randomId ?? randomUUID;
  const alg = signing.algorithm;
  const priv = await importPrivatePem(
    await readKeyFile(signing.privateKeyFile, "auth.signing.privateKeyFile"),
    "auth.signing.privateKeyFile",
    alg,
  );
  const pub = await importPublicPem(
    await readKeyFile(signing.publicKeyFile, "auth.signing.publicKeyFile"),
    "auth.signing.publicKeyFile",
    alg,
  );
  if (pub.spki !== priv.publicSpki) {
    throw new PaddockError("PADDOCK_CONFIG_INVALID", {
      detail: "auth.signing.publicKeyFile: does not match auth.signing.privateKeyFile",
    });
  }
  const { kty, n, e, crv, x, y } = await exportJWK(pub.key);
  const publicJwk: JWK = Object.freeze({
    kty,
    ...(n === undefined ? {} : { n, e }),
    ...(crv === undefined ? {} : { crv }),
    ...(x === undefined ? {} : { x }),
    ...(y === undefined ? {} : { y }),
    kid: signing.kid,
    alg,
    use: "sig",
  });

  return {
    kid: signing.kid,
    algorithm: alg,
    async issue(req) {
      if (typeof req.sub !== "string" || req.sub.length === 0) throw usage("sub: must be a non-empty string");
      if (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds <= 0) {
        throw usage("ttl: must be a positive whole number of seconds");
      }
      if (req.ttlSeconds > MAX_TOKEN_TTL_SECONDS)
        throw usage(`ttl: at most ${MAX_TOKEN_TTL_SECONDS} s (24 h)`);
      const scopes = [...new Set(req.scopes)];
      for (const s of scopes) if (!isScope(s)) throw usage("scopes: each must be read, trade, data or admin");
      let accounts: "*" | string[];
      if (req.accounts === "*") accounts = "*";
      else {
        accounts = [...new Set(req.accounts)];
        if (accounts.some((a) => typeof a !== "string" || a.length === 0 || a === "*")) {
          throw usage('accounts: "*" alone, or non-empty account ids');
        }
      }
      const iat = Math.floor(now() / 1000);
      let jwt = new SignJWT({
        scope: scopes.join(" "),
        accounts,
        ...(req.clientId === undefined ? {} : { client_id: req.clientId }),
      })
        .setProtectedHeader({ alg, kid: signing.kid, typ: "JWT" })
        .setSubject(req.sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + req.ttlSeconds)
        .setJti(randomId());
      if (signing.issuer !== undefined) jwt = jwt.setIssuer(signing.issuer);
      if (signing.audience !== undefined) jwt = jwt.setAudience(signing.audience);
      return jwt.sign(priv.key);
    },
    jwks() {
      return { keys: [{ ...publicJwk }] };
    },
  };
}
