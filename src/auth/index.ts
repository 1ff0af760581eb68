export { type AuthNeed, allowedAccounts, authorize, mayUseAccount } from "./authorize.js";
export { parseAccounts, parseScopes, principalFromClaims } from "./claims.js";
export {
  type ClientCredentialsGrant,
  createClientCredentialsGrant,
  DEFAULT_CLIENT_TTL_SECONDS,
  type GrantResult,
  type OAuthClient,
  type OAuthErrorCode,
} from "./client-credentials.js";
export {
  DEFAULT_SCRYPT,
  hashClientSecret,
  type ParsedSecretHash,
  parseSecretHash,
  type ScryptParams,
  verifyClientSecret,
} from "./client-secret.js";
export { compactTokenProblem } from "./compact-token.js";
export { algorithmForKey } from "./key-files.js";
export { createKeySet, type KeyCandidate, type KeySet, type KeySetDeps } from "./key-set.js";
export { generateSigningKeyPair } from "./signing-keys.js";
export { createTokenCache, type TokenCache, tokenHash } from "./token-cache.js";
export {
  createTokenIssuer,
  type IssueRequest,
  MAX_TOKEN_TTL_SECONDS,
  type TokenIssuer,
  type TokenIssuerDeps,
} from "./token-issuer.js";
export {
  AUTH_DEFAULTS,
  type AuthOptions,
  isScope,
  type JwtAlgorithm,
  type Principal,
  type PublicKeyFile,
  SCOPES,
  type Scope,
  type SigningAlgorithm,
  type SigningOptions,
} from "./types.js";
export { createVerifier, type Verifier, type VerifierDeps, type VerifierStats } from "./verifier.js";
