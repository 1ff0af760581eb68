/**
 * Per-data-subject keys for the personal fields of the audit trail (GDPR erasure
 * by destroying a key: "crypto-shredding"). Each subject gets random AES-256 keys,
 * stored wrapped with the master key (the `enc:v1` envelope of config/secrets.ts)
 * in a generic async key-value store, which the gateway backs with its state store
 * and the CLI with a file (file-kv.ts).
 *
 * Layout of the KV (no subject appears in it in plain text):
 * - `index-key`            the wrapped HMAC key that turns a subject into its index entry
 * - `subject:<hmac>`       JSON list of the subject's key ids
 * - `key:<kid>`            the wrapped key
 * - `erased:<kid>`         time of erasure (so an export can tell "erased" from "never known")
 * Key ids are random, so after erasure nothing links a record to its subject.
 */
import { createHmac, randomBytes } from "node:crypto";
import { decryptSecret, encryptSecret, type KeyRing } from "../config/secrets.js";

/** The store the lead backs with the embedded state store (SQLite/Redis). */
export interface AsyncKv {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Atomic read-modify-write across processes (several instances, or `serve --workers`, share the
   * store): `change` gets the stored value and returns the new one (undefined: leave it); resolves
   * with the value stored afterwards. Without it, concurrent writers may overwrite each other.
   */
  update?(
    key: string,
    change: (current: string | undefined) => string | undefined,
  ): Promise<string | undefined>;
}

export interface SubjectKey {
  readonly kid: string;
  readonly key: Buffer;
}

export interface SubjectKeyStore {
  /** The subject's current key, if it has one. */
  get(subject: string): Promise<SubjectKey | undefined>;
  getOrCreate(subject: string): Promise<SubjectKey>;
  /** A key by id: the key, `"erased"`, or undefined when this store never held it. */
  byId(kid: string): Promise<Buffer | "erased" | undefined>;
  /** Destroys every key of the subject; resolves to how many were destroyed (0: unknown subject). */
  erase(subject: string): Promise<number>;
}

export interface SubjectKeyStoreDeps {
  readonly now?: () => number;
}

const KID = /^[0-9a-f]{32}$/;

export function createSubjectKeyStore(
  kv: AsyncKv,
  ring: KeyRing,
  deps: SubjectKeyStoreDeps = {},
): SubjectKeyStore {
  const now = deps.now ?? Date.now;
  let indexKey: Promise<Buffer> | undefined;
  /** One creation at a time per subject in this process. */
  const creating = new Map<string, Promise<SubjectKey>>();

  const wrap = (key: Buffer, owner: string) => encryptSecret(key.toString("base64"), owner, ring.current);
  const unwrap = (envelope: string, owner: string) =>
    Buffer.from(decryptSecret(envelope, owner, ring, owner), "base64");

  function loadIndexKey(): Promise<Buffer> {
    indexKey ??= (async () => {
      const stored = await kv.get("index-key");
      if (stored) return unwrap(stored, "audit-subject-index");
      const fresh = randomBytes(32);
      if (kv.update) {
        // the first writer's key wins everywhere: a second one would index subjects apart
        const winner = await kv.update(
          "index-key",
          (current) => current ?? wrap(fresh, "audit-subject-index"),
        );
        return winner ? unwrap(winner, "audit-subject-index") : fresh;
      }
      await kv.put("index-key", wrap(fresh, "audit-subject-index"));
      // Another writer may have raced us: whatever is stored now wins.
      const winner = await kv.get("index-key");
      return winner ? unwrap(winner, "audit-subject-index") : fresh;
    })();
    indexKey.catch(() => {
      indexKey = undefined;
    });
    return indexKey;
  }

  async function indexOf(subject: string): Promise<string> {
    return `subject:${createHmac("sha256", await loadIndexKey())
      .update(subject, "utf8")
      .digest("hex")}`;
  }

  function listOf(text: string | undefined): string[] {
    if (!text) return [];
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed)
      ? parsed.filter((k): k is string => typeof k === "string" && KID.test(k))
      : [];
  }

  async function kidsOf(index: string): Promise<string[]> {
    return listOf(await kv.get(index));
  }

  async function get(subject: string): Promise<SubjectKey | undefined> {
    const kids = await kidsOf(await indexOf(subject));
    for (const kid of kids.reverse()) {
      const wrapped = await kv.get(`key:${kid}`);
      if (wrapped) return { kid, key: unwrap(wrapped, `audit-subject-key:${kid}`) };
    }
    return undefined;
  }

  async function create(subject: string): Promise<SubjectKey> {
    const existing = await get(subject);
    if (existing) return existing;
    const index = await indexOf(subject);
    const kid = randomBytes(16).toString("hex");
    const key = randomBytes(32);
    await kv.put(`key:${kid}`, wrap(key, `audit-subject-key:${kid}`));
    if (kv.update) {
      // appended atomically: a key another process adds meanwhile stays listed (and erasable)
      await kv.update(index, (current) => JSON.stringify([...listOf(current), kid]));
    } else await kv.put(index, JSON.stringify([...(await kidsOf(index)), kid]));
    return { kid, key };
  }

  return {
    get,
    getOrCreate(subject) {
      let pending = creating.get(subject);
      if (!pending) {
        pending = create(subject).finally(() => creating.delete(subject));
        creating.set(subject, pending);
      }
      return pending;
    },
    async byId(kid) {
      if (!KID.test(kid)) return undefined;
      const wrapped = await kv.get(`key:${kid}`);
      if (wrapped) return unwrap(wrapped, `audit-subject-key:${kid}`);
      return (await kv.get(`erased:${kid}`)) === undefined ? undefined : "erased";
    },
    async erase(subject) {
      await creating.get(subject)?.catch(() => {});
      const index = await indexOf(subject);
      const kids = await kidsOf(index);
      const at = new Date(now()).toISOString();
      for (const kid of kids) {
        await kv.put(`erased:${kid}`, at);
        await kv.delete(`key:${kid}`);
      }
      await kv.delete(index);
      return kids.length;
    },
  };
}
