/**
 * The shapes the auth layer exchanges with the rest of the gateway: who is
 * calling (the principal), what they may do (scopes, accounts), and the plain
 * options the gateway passes in (already loaded and decrypted by config/).
 */

export const SCOPES = ["read", "trade", "data", "admin"] as const;

/** `read` GET trading, `trade` order and position changes, `data` market data, `admin` gateway admin. */
export type Scope = (typeof SCOPES)[number];

export type JwtAlgorithm = "RS256" | "ES256" | "EdDSA" | "HS256";
export type SigningAlgorithm = Exclude<JwtAlgorithm, "HS256">;

/** A verified caller. Frozen; shared by every request that carries the same token. */
export interface Principal {
  readonly sub: string;
  readonly scopes: ReadonlySet<Scope>;
  /** `"*"` for every account, otherwise the account ids the token lists (possibly none). */
  readonly accounts: "*" | ReadonlySet<string>;
  /** Expiry, epoch seconds. */
  readonly exp: number;
  /** Issued at, epoch seconds. */
  readonly iat: number;
  /** The OAuth2 client the token was issued to (`client_id` claim), when any. */
  readonly clientId?: string;
  /** The token's id (`jti` claim), when any: the handle for revoking one token. */
  readonly jti?: string;
}

export interface SigningOptions {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly issuer?: string;
  readonly audience?: string;
}

export interface PublicKeyFile {
  readonly path: string;
  /** Key id the key answers to; without one it answers tokens whose kid matches no other key. */
  readonly kid?: string;
  /** Algorithm it verifies; inferred from the key type when absent (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA). */
  readonly alg?: string;
}

export interface AuthOptions {
  readonly algorithms: ReadonlyArray<JwtAlgorithm>;
  readonly issuer?: string;
  readonly audience?: string;
  /** Tolerance for exp, nbf and iat (default 30). */
  readonly clockSkewSeconds: number;
  /** Longest accepted `exp - iat` (default 86400). */
  readonly maxLifetimeSeconds: number;
  /** Largest accepted token, checked before any parsing (default 8192). */
  readonly maxTokenBytes: number;
  readonly publicKeyFiles: ReadonlyArray<PublicKeyFile>;
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  /** How long a fetched JWKS is used before it is fetched again. */
  readonly jwksRefreshSeconds: number;
  /** Plaintext HS256 secret (already decrypted); used only when "HS256" is allow-listed. */
  readonly hs256Secret?: string;
  /** The gateway's own signing key; its public half verifies the tokens the gateway issues. */
  readonly signing?: SigningOptions;
  /** Bound of the verified-token cache (e.g. 10000). */
  readonly cacheMaxEntries: number;
}

/** Defaults for the numeric options, as DESIGN.md states them. */
export const AUTH_DEFAULTS = {
  algorithms: ["RS256"],
  clockSkewSeconds: 30,
  maxLifetimeSeconds: 86_400,
  maxTokenBytes: 8192,
  jwksRefreshSeconds: 600,
  cacheMaxEntries: 10_000,
} as const satisfies Partial<AuthOptions>;

export const isScope = (value: unknown): value is Scope =>
  typeof value === "string" && (SCOPES as ReadonlyArray<string>).includes(value);
