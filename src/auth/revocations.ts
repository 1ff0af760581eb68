/**
 * Token revocations, durable and shared: `{jti}` revokes one token, `{sub}` every token
 * of that subject issued at or before the revocation (its `iat`, whole seconds, so a
 * token issued in the same second is revoked too). Entries live in the state store's
 * `revocations` namespace and expire when every token they can match has expired (the
 * longest token lifetime plus the clock skew), so the list stays small.
 *
 * `isRevoked` is a synchronous lookup in an in-memory copy, kept fresh in the background
 * (`state.pollIntervalMs`), so the verifier runs it on every request, cached tokens
 * included: a revocation answers 401 at once here and within one interval elsewhere.
 */
import { PaddockError } from "../errors.js";
import { type NamespaceView, watchNamespace } from "../state/namespace-view.js";
import type { StateStore } from "../state/state-store.js";
import type { Principal } from "./types.js";

export const REVOCATIONS_NAMESPACE = "revocations";

export type RevocationTarget = { readonly jti: string } | { readonly sub: string };

export interface Revocation {
  readonly kind: "jti" | "sub";
  readonly value: string;
  /** Epoch ms. */
  readonly revokedAt: number;
  /** Epoch ms after which no token it matches can still be valid. */
  readonly expiresAt: number;
  /** Who revoked (the admin token's subject, or `cli`). */
  readonly by?: string;
}

export interface RevocationPolicy {
  /** auth.maxLifetimeSeconds: the longest a token lives. */
  readonly maxLifetimeSeconds: number;
  /** auth.clockSkewSeconds: how far past its exp a token is still accepted. */
  readonly clockSkewSeconds: number;
  readonly now?: () => number;
}

/** Longest accepted target (a jti or sub), so a revocation cannot be used to fill the store. */
export const MAX_TARGET_LENGTH = 256;

const keyOf = (t: RevocationTarget): string => ("jti" in t ? `jti:${t.jti}` : `sub:${t.sub}`);

/** Writes a revocation to the store (the gateway and `paddock token revoke` both come here). */
export async function recordRevocation(
  store: StateStore,
  target: RevocationTarget,
  policy: RevocationPolicy,
  by?: string,
): Promise<Revocation> {
  const value = "jti" in target ? target.jti : target.sub;
  if (value.length === 0 || value.length > MAX_TARGET_LENGTH) {
    throw new PaddockError("PADDOCK_REQUEST_INVALID", {
      detail: `${"jti" in target ? "jti" : "sub"}: must be 1 to ${MAX_TARGET_LENGTH} characters`,
    });
  }
  const revokedAt = (policy.now ?? Date.now)();
  const ttlMs = (policy.maxLifetimeSeconds + policy.clockSkewSeconds) * 1000 + 1000;
  const entry: Revocation = {
    kind: "jti" in target ? "jti" : "sub",
    value,
    revokedAt,
    expiresAt: revokedAt + ttlMs,
    ...(by ? { by } : {}),
  };
  await store.put(
    REVOCATIONS_NAMESPACE,
    keyOf(target),
    JSON.stringify({ revokedAt, expiresAt: entry.expiresAt, ...(by ? { by } : {}) }),
    { ttlMs },
  );
  return entry;
}

const parse = (key: string, raw: string): Revocation | undefined => {
  const m = /^(jti|sub):(.+)$/s.exec(key);
  if (!m) return undefined;
  try {
    const v = JSON.parse(raw) as { revokedAt?: unknown; expiresAt?: unknown; by?: unknown };
    if (typeof v.revokedAt !== "number" || typeof v.expiresAt !== "number") return undefined;
    return {
      kind: m[1] as "jti" | "sub",
      value: m[2]!,
      revokedAt: v.revokedAt,
      expiresAt: v.expiresAt,
      ...(typeof v.by === "string" ? { by: v.by } : {}),
    };
  } catch {
    return undefined;
  }
};

export interface Revocations {
  /** True when the token was revoked (by its jti, or its subject at or after its iat). Synchronous. */
  isRevoked(principal: Pick<Principal, "sub" | "iat" | "jti">): boolean;
  /** Records a revocation; in force on this instance before the promise resolves. */
  revoke(target: RevocationTarget, by?: string): Promise<Revocation>;
  /** The revocations in force, oldest first. */
  list(): Revocation[];
  close(): void;
}

export interface RevocationsDeps extends RevocationPolicy {
  readonly store: StateStore;
  readonly pollIntervalMs: number;
  readonly onError?: (err: unknown) => void;
}

export async function createRevocations(deps: RevocationsDeps): Promise<Revocations> {
  const now = deps.now ?? Date.now;
  const view: NamespaceView<Revocation> = await watchNamespace(deps.store, REVOCATIONS_NAMESPACE, {
    parse,
    intervalMs: deps.pollIntervalMs,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  return {
    isRevoked(p) {
      if (view.entries().size === 0) return false;
      if (p.jti !== undefined && view.get(`jti:${p.jti}`) !== undefined) return true;
      const bySub = view.get(`sub:${p.sub}`);
      return bySub !== undefined && p.iat <= Math.floor(bySub.revokedAt / 1000);
    },
    async revoke(target, by) {
      let entry: Revocation;
      try {
        entry = await recordRevocation(deps.store, target, deps, by);
      } catch (cause) {
        if (cause instanceof PaddockError) throw cause;
        throw new PaddockError("PADDOCK_UNAVAILABLE", {
          detail: "state store unavailable; the revocation was not recorded (retry)",
          cause,
        });
      }
      await view.refresh().catch((err: unknown) => deps.onError?.(err));
      return entry;
    },
    list() {
      const t = now();
      return [...view.entries().values()]
        .filter((r) => r.expiresAt > t)
        .sort((a, b) => a.revokedAt - b.revokedAt || a.value.localeCompare(b.value));
    },
    close: () => view.close(),
  };
}
