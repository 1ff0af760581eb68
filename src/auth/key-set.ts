/**
 * Every key the verifier trusts, and the order in which they are tried for a
 * token header. Invariants that stop algorithm confusion:
 * - each asymmetric key is imported for exactly ONE algorithm and is offered
 *   only to tokens whose header names that algorithm;
 * - the HS256 secret is offered only to HS256 tokens, and an HS256 token is
 *   never offered a public key (so a public key PEM used as an HMAC secret
 *   cannot verify);
 * - keys embedded in the token (`jwk`, `jku`, `x5u`, `x5c`) are never used.
 *
 * Order for an asymmetric token: PEM keys (the gateway's own signing key
 * first) whose kid matches (any kid when the token has none) → the JWKS file
 * → the JWKS URL (jose caches it for `jwksRefreshSeconds` and refetches once on
 * an unknown kid, at most once per cooldown) → PEM keys configured without a
 * kid (so a token whose kid matches nothing can still be checked against them).
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";
import { PaddockError } from "../errors.js";
import { importPublicPem, readKeyFile } from "./key-files.js";
import type { AuthOptions, JwtAlgorithm, SigningAlgorithm } from "./types.js";

export interface KeyCandidate {
  readonly key: CryptoKey | Uint8Array;
  /** Where the key came from, for diagnostics (never secret). */
  readonly source: string;
}

export interface KeySet {
  /** Keys to try, in order, for a token with this (allow-listed) algorithm and kid. */
  candidates(alg: JwtAlgorithm, kid: string | undefined): AsyncGenerator<KeyCandidate, void, undefined>;
  /** HTTP requests made to the JWKS URL so far. */
  readonly jwksFetches: number;
}

export interface KeySetDeps {
  readonly fetch?: typeof fetch;
  /** Least time between two JWKS URL fetches caused by unknown kids (default 30 s, jose's). */
  readonly jwksCooldownMs?: number;
}

interface PemKey {
  readonly kid: string | undefined;
  readonly alg: SigningAlgorithm;
  readonly key: CryptoKey;
  readonly source: string;
}

type JwksGetter = (header: JWSHeaderParameters) => Promise<CryptoKey>;

const configInvalid = (detail: string, cause?: unknown): PaddockError =>
  new PaddockError("PADDOCK_CONFIG_INVALID", { detail, cause });

const MIN_HS256_SECRET_BYTES = 32;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export async function createKeySet(opts: AuthOptions, deps: KeySetDeps = {}): Promise<KeySet> {
  const allowed = new Set<string>(opts.algorithms);
  const pemKeys: PemKey[] = [];
  const addPem = async (path: string, field: string, kid: string | undefined, alg: string | undefined) => {
    const loaded = await importPublicPem(await readKeyFile(path, field), field, alg);
    if (!allowed.has(loaded.alg)) {
      throw configInvalid(`${field}: its algorithm ${loaded.alg} is not in auth.algorithms`);
    }
    pemKeys.push({ kid, alg: loaded.alg, key: loaded.key, source: field });
  };
  if (opts.signing !== undefined) {
    const s = opts.signing;
    await addPem(s.publicKeyFile, "auth.signing.publicKeyFile", s.kid, s.algorithm);
  }
  for (const [i, f] of opts.publicKeyFiles.entries()) {
    await addPem(f.path, `auth.publicKeyFiles[${i}].path`, f.kid, f.alg);
  }

  const hsSecret = allowed.has("HS256") ? hs256Key(opts.hs256Secret) : undefined;
  const fileSet = opts.jwksFile === undefined ? undefined : await loadJwksFile(opts.jwksFile);

  let jwksFetches = 0;
  let remoteSet: JwksGetter | undefined;
  if (opts.jwksUrl !== undefined) {
    const url = jwksUrl(opts.jwksUrl);
    const fetchImpl = deps.fetch ?? fetch;
    const counting: FetchImplementation = (input, init) => {
      jwksFetches++;
      return fetchImpl(input, init);
    };
    remoteSet = createRemoteJWKSet(url, {
      cacheMaxAge: opts.jwksRefreshSeconds * 1000,
      cooldownDuration: deps.jwksCooldownMs ?? 30_000,
      timeoutDuration: 5000,
      [customFetch]: counting,
    });
  }

  if (pemKeys.length === 0 && fileSet === undefined && remoteSet === undefined && hsSecret === undefined) {
    throw configInvalid(
      "auth: no verification key (signing, publicKeyFiles, jwksFile, jwksUrl, or hs256Secret with HS256)",
    );
  }

  async function* fromSet(getter: JwksGetter, alg: string, kid: string | undefined, source: string) {
    let key: CryptoKey;
    try {
      key = await getter(kid === undefined ? { alg } : { alg, kid });
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) return;
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        for await (const key of err) yield { key, source };
        return;
      }
      throw err;
    }
    yield { key, source };
  }

  async function* candidates(alg: JwtAlgorithm, kid: string | undefined) {
    if (alg === "HS256") {
      if (hsSecret !== undefined) yield { key: hsSecret, source: "auth.hs256Secret" };
      return;
    }
    for (const k of pemKeys) {
      if (k.alg === alg && (kid === undefined || k.kid === kid)) yield { key: k.key, source: k.source };
    }
    if (fileSet !== undefined) yield* fromSet(fileSet, alg, kid, "auth.jwksFile");
    let remoteError: unknown;
    if (remoteSet !== undefined) {
      try {
        yield* fromSet(remoteSet, alg, kid, "auth.jwksUrl");
      } catch (err) {
        remoteError = err;
      }
    }
    if (kid !== undefined) {
      for (const k of pemKeys) {
        if (k.alg === alg && k.kid === undefined) yield { key: k.key, source: k.source };
      }
    }
    if (remoteError !== undefined) {
      throw new PaddockError("PADDOCK_UNAVAILABLE", {
        detail: "the identity provider's JWKS cannot be fetched",
        cause: remoteError,
      });
    }
  }

  return {
    candidates,
    get jwksFetches() {
      return jwksFetches;
    },
  };
}

function hs256Key(secret: string | undefined): Uint8Array {
  if (secret === undefined || secret.length === 0) {
    throw configInvalid("auth.hs256Secret: required when HS256 is in auth.algorithms");
  }
  if (secret.includes("-----BEGIN")) {
    throw configInvalid("auth.hs256Secret: looks like a PEM key; an HS256 secret must be a random string");
  }
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    throw configInvalid(`auth.hs256Secret: shorter than ${MIN_HS256_SECRET_BYTES} bytes`);
  }
  return bytes;
}

async function loadJwksFile(path: string): Promise<JwksGetter> {
  const field = "auth.jwksFile";
  const text = await readKeyFile(path, field);
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch (cause) {
    throw configInvalid(`${field}: not JSON`, cause);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw configInvalid(`${field}: no "keys" array`);
  for (const [i, k] of keys.entries()) {
    const jwk = k as Record<string, unknown> | null;
    if (jwk === null || typeof jwk !== "object") throw configInvalid(`${field}: keys[${i}] is not an object`);
    if (jwk.kty === "oct") throw configInvalid(`${field}: keys[${i}] is a symmetric key; only public keys`);
    if ("d" in jwk) throw configInvalid(`${field}: keys[${i}] is a private key; only public keys`);
  }
  try {
    return createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (cause) {
    throw configInvalid(`${field}: not a JSON Web Key Set`, cause);
  }
}

function jwksUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw configInvalid("auth.jwksUrl: not a URL", cause);
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw configInvalid("auth.jwksUrl: must be https (plain http only on loopback)");
  }
  return url;
}
