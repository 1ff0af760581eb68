/**
 * Fleet-wide answers over shards: the replica that receives `GET /v1/accounts` or
 * `GET /v1/portfolio` answers for its own shard and asks one replica of every other shard the
 * same question (the same path and query, the caller's credentials, the hop header), then
 * merges the pages in account id order. A shard that does not answer is named in
 * `missing_shards` and the answer says `partial: true`: accounts are never dropped silently.
 */
import { PaddockError } from "../errors.js";
import type { ShardPeers } from "../shards/peers.js";
import { compareIds, idCursor } from "./account-query.js";

export interface MissingShard {
  readonly shard: string;
  readonly error: string;
}

export interface ShardAnswers<T> {
  readonly answers: Array<{ readonly shard: string; readonly body: T }>;
  readonly missing: MissingShard[];
}

/** One shard's page of a fleet-wide route, as the route answers it. */
export interface ShardPage<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  readonly total: number;
}

/**
 * GETs `path` (path and query) from one replica of every other shard at once. A shard whose
 * replicas do not answer, or answer anything but 200 with a body `parse` accepts, is missing.
 */
export async function askOtherShards<T>(
  peers: ShardPeers,
  path: string,
  headers: Readonly<Record<string, string>>,
  parse: (body: unknown) => T | undefined,
): Promise<ShardAnswers<T>> {
  const answers: Array<{ shard: string; body: T }> = [];
  const missing: MissingShard[] = [];
  await Promise.all(
    peers.others().map(async (shard) => {
      try {
        const res = await peers.request(shard, { method: "GET", path, headers });
        let json: unknown;
        try {
          json = JSON.parse(res.body.toString("utf8"));
        } catch {
          json = undefined;
        }
        const body = res.status === 200 ? parse(json) : undefined;
        if (body !== undefined) {
          answers.push({ shard, body });
          return;
        }
        const message =
          typeof (json as { message?: unknown } | undefined)?.message === "string"
            ? (json as { message: string }).message
            : `answered ${res.status}`;
        missing.push({ shard, error: `${res.status}: ${message}`.slice(0, 300) });
      } catch (err) {
        missing.push({ shard, error: PaddockError.from(err).message.slice(0, 300) });
      }
    }),
  );
  const order = peers.others();
  answers.sort((a, b) => order.indexOf(a.shard) - order.indexOf(b.shard));
  missing.sort((a, b) => order.indexOf(a.shard) - order.indexOf(b.shard));
  return { answers, missing };
}

/**
 * Merges pages of several shards (each in id order, each after the same cursor) into one page
 * of at most `limit` in id order. There is a next page when the merge cut some accounts off or
 * any shard had more than its page.
 */
export function mergePages<T extends { readonly id: string }>(
  pages: readonly ShardPage<T>[],
  limit: number | undefined,
): ShardPage<T> {
  const seen = new Set<string>();
  const all: T[] = [];
  for (const p of pages) {
    for (const item of p.items) {
      if (seen.has(item.id)) continue; // an account served twice (a configuration rolling out) shows once
      seen.add(item.id);
      all.push(item);
    }
  }
  all.sort((a, b) => compareIds(a.id, b.id));
  const items = limit === undefined ? all : all.slice(0, limit);
  const more = items.length < all.length || pages.some((p) => p.nextCursor !== null);
  const last = items.at(-1);
  return {
    items,
    nextCursor: more && last ? idCursor(last.id) : null,
    total: pages.reduce((n, p) => n + p.total, 0),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A shard's page from its JSON answer: `items` under `key`, `next_cursor`, and the total under `totalKey`. */
export function pageFromJson<T extends { readonly id: string }>(
  key: string,
  totalKey: string,
): (body: unknown) => ShardPage<T> | undefined {
  return (body) => {
    if (!isObject(body)) return undefined;
    const items = body[key];
    const total = body[totalKey];
    const next = body.next_cursor;
    if (!Array.isArray(items) || typeof total !== "number") return undefined;
    if (!items.every((i) => isObject(i) && typeof i.id === "string")) return undefined;
    return { items: items as T[], nextCursor: typeof next === "string" ? next : null, total };
  };
}
