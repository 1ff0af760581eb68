/**
 * The market-data service: validate → cache level 1 → in-flight load (single-flight)
 * → cache level 2 → upstream, with multi-symbol latest values and snapshots split into
 * per-symbol entries so overlapping symbol sets share them. Only the market-data
 * endpoints in endpoints.ts ever reach the cache; only 200 answers are stored.
 */
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { Fleet, UpstreamResponse } from "../accounts/types.js";
import { PaddockError } from "../errors.js";
import type { CheckResult } from "../observability/health.js";
import { envelopeKey, symbolKey, variantKey } from "./cache-key.js";
import { chooseFeed, type FeedChoice, pickAccount } from "./data-accounts.js";
import { classifyEndpoint, type Endpoint } from "./endpoints.js";
import { createHotSymbols } from "./hot-symbols.js";
import { createL1Cache, type L1Cache } from "./l1-cache.js";
import { createL2Cache, type L2Cache } from "./l2-cache.js";
import { createMarketDataMetrics, type MarketDataMetrics } from "./market-data-metrics.js";
import { type ValidatedQuery, validateQuery } from "./query.js";
import { createSingleFlight } from "./single-flight.js";
import { ABSENT, assembleAnswer, splitAnswer, withSymbols } from "./split-response.js";
import { ttlFor } from "./ttl-policy.js";

export interface MarketDataConfig {
  readonly marketData: { readonly maxSymbols: number; readonly maxHistoryDays: number };
  readonly cache: {
    readonly l1MaxBytes: number;
    readonly l2MaxBytes: number;
    readonly latestTtlMs: number;
    readonly openBarTtlMs: number;
    readonly closedBarTtlMs: number;
    readonly redisKeyPrefix: string;
  };
}

export interface MarketDataDeps {
  readonly config: MarketDataConfig;
  readonly fleet: Pick<Fleet, "dataAccounts">;
  /** The shared Redis (cache level 2); undefined runs level 1 only. */
  readonly redis?: Redis | undefined;
  readonly registry: Registry;
  readonly now: () => number;
  /** Timeout of each Redis operation (default 250 ms). */
  readonly redisTimeoutMs?: number;
}

export interface MarketDataRequest {
  /** Path as on Alpaca's data host, e.g. `/v2/stocks/snapshots`. */
  readonly path: string;
  /** Raw query string without `?`. */
  readonly query: string;
}

/** `hit`: served from level 1; `miss`: this request loaded it (level 2 or upstream); `coalesced`: joined a load. */
export type CacheOutcome = "hit" | "miss" | "coalesced" | "bypass";

export interface MarketDataAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
  readonly cache: CacheOutcome;
}

export interface MarketDataService {
  handle(req: MarketDataRequest): Promise<MarketDataAnswer>;
  /** Component health for /readyz: level 2 reachable (down = serving from level 1 only). */
  check(): Promise<CheckResult>;
  stats(): { l1Entries: number; l1Bytes: number; inflight: number };
  readonly metrics: MarketDataMetrics;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** A fetch going upstream anyway also renews hot entries with less than this share of their TTL left. */
export const REFRESH_AHEAD_SHARE = 0.5;
/** Symbols count as hot while requested within this many TTLs (at least 5 s). */
const HOT_WINDOW_TTLS = 5;

/** A non-2xx upstream answer, passed to the client unchanged and never cached. */
class UpstreamAnswer {
  constructor(readonly response: UpstreamResponse) {}
}

/** Upstream answered 200 with something that cannot be split; waiters fall back to a whole request. */
class Unsplittable {}

const contentTypeOf = (res: UpstreamResponse): string => {
  const ct = res.headers["content-type"];
  return (Array.isArray(ct) ? ct[0] : ct) ?? JSON_TYPE;
};

export function createMarketDataService(deps: MarketDataDeps): MarketDataService {
  const { config, now } = deps;
  const metrics = createMarketDataMetrics(deps.registry);
  const l1: L1Cache = createL1Cache({ maxBytes: config.cache.l1MaxBytes, now });
  const l2: L2Cache | undefined = deps.redis
    ? createL2Cache({
        redis: deps.redis,
        keyPrefix: config.cache.redisKeyPrefix,
        maxBytes: config.cache.l2MaxBytes,
        now,
        ...(deps.redisTimeoutMs === undefined ? {} : { timeoutMs: deps.redisTimeoutMs }),
        onError: (op) => metrics.l2Errors.inc({ op }),
        onRejected: (n) => metrics.l2Rejected.inc(n),
      })
    : undefined;
  const flight = createSingleFlight<Buffer>();
  const hot = createHotSymbols();
  let rotation = 0;

  const l1Hits = metrics.hits.labels({ level: "l1" });
  const l1Misses = metrics.misses.labels({ level: "l1" });
  const l1Get = (key: string): Buffer | undefined => {
    const v = l1.get(key);
    (v ? l1Hits : l1Misses).inc();
    return v;
  };

  const store = async (entries: Array<{ key: string; value: Buffer }>, ttlMs: number): Promise<void> => {
    for (const e of entries) l1.set(e.key, e.value, ttlMs);
    metrics.bytes.set({ level: "l1" }, l1.bytes());
    if (l2) await l2.setMany(entries, ttlMs);
  };

  /** Level 2 for the given keys; resolves hits (copying them to level 1) and returns the misses. */
  const fromL2 = async (
    keys: readonly string[],
    resolve: (key: string, value: Buffer) => void,
  ): Promise<string[]> => {
    if (!l2) return [...keys];
    const found = await l2.getMany(keys);
    const missing: string[] = [];
    keys.forEach((key, i) => {
      const e = found[i];
      if (e) {
        metrics.hits.inc({ level: "l2" });
        l1.set(key, e.value, e.expiresAt - now());
        resolve(key, e.value);
      } else {
        metrics.misses.inc({ level: "l2" });
        missing.push(key);
      }
    });
    return missing;
  };

  async function upstream(
    endpoint: Endpoint,
    choice: FeedChoice,
    pathAndQuery: string,
  ): Promise<UpstreamResponse> {
    const account = pickAccount(choice.accounts, rotation++);
    try {
      const res = await account.request({
        method: "GET",
        path: pathAndQuery,
        headers: { accept: "application/json" },
        kind: "data",
        priority: "read",
        idempotent: true,
      });
      metrics.upstreamCalls.inc({ endpoint: endpoint.name, status: String(res.status) });
      return res;
    } catch (err) {
      metrics.upstreamCalls.inc({ endpoint: endpoint.name, status: PaddockError.from(err).code });
      throw err;
    }
  }

  const answerOf = (res: UpstreamResponse, cache: CacheOutcome): MarketDataAnswer => ({
    status: res.status,
    body: res.body,
    contentType: contentTypeOf(res),
    cache,
  });

  /** Awaits loads; a non-2xx upstream answer becomes the result, any other failure is thrown. */
  async function settleAll(promises: ReadonlyMap<string, Promise<Buffer>>): Promise<Map<string, Buffer>> {
    const keys = [...promises.keys()];
    const results = await Promise.allSettled(promises.values());
    const out = new Map<string, Buffer>();
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") throw r.reason;
      out.set(keys[i]!, r.value);
    }
    return out;
  }

  async function handleWhole(
    endpoint: Endpoint,
    req: MarketDataRequest,
    query: ValidatedQuery,
    choice: FeedChoice,
    cacheable: boolean,
  ): Promise<MarketDataAnswer> {
    const pathAndQuery = req.query === "" ? req.path : `${req.path}?${req.query}`;
    if (!cacheable) return answerOf(await upstream(endpoint, choice, pathAndQuery), "bypass");
    const key = variantKey(req.path, query, choice, { withoutSymbols: false });
    const hit = l1Get(key);
    if (hit) return { status: 200, body: hit, contentType: JSON_TYPE, cache: "hit" };
    let cache: CacheOutcome = "coalesced";
    let pending = flight.get(key);
    if (pending) metrics.coalesced.inc();
    else {
      cache = "miss";
      [pending] = flight.run([key], async ({ resolve, reject }) => {
        if ((await fromL2([key], resolve)).length === 0) return;
        const res = await upstream(endpoint, choice, pathAndQuery);
        if (res.status !== 200) return reject(key, new UpstreamAnswer(res));
        await store([{ key, value: res.body }], ttlFor(endpoint, query, now(), config.cache));
        resolve(key, res.body);
      });
    }
    try {
      return { status: 200, body: await pending!, contentType: JSON_TYPE, cache };
    } catch (err) {
      if (err instanceof UpstreamAnswer) return answerOf(err.response, cache);
      throw err;
    }
  }

  async function handleSplit(
    endpoint: Endpoint,
    mapField: string | null,
    req: MarketDataRequest,
    query: ValidatedQuery,
    choice: FeedChoice,
  ): Promise<MarketDataAnswer> {
    const symbols = query.symbols;
    const variant = variantKey(req.path, query, choice, { withoutSymbols: true });
    const envKey = mapField === null ? undefined : envelopeKey(variant);
    const loadSymbol = new Map(symbols.map((s) => [symbolKey(variant, s), s]));
    const needed = envKey ? [envKey, ...loadSymbol.keys()] : [...loadSymbol.keys()];
    const ttl = config.cache.latestTtlMs;
    const t = now();
    // The assembled answer for this exact symbol list, kept while all its entries are valid.
    const memoKey = `${variant}|${symbols.join(",")}`;
    const memo = l1.get(memoKey);
    if (memo) {
      hot.touch(variant, symbols, t);
      l1Hits.inc(needed.length);
      return { status: 200, body: memo, contentType: JSON_TYPE, cache: "hit" };
    }

    const values = new Map<string, Buffer>();
    const waits = new Map<string, Promise<Buffer>>();
    const toLoad: string[] = [];
    for (const key of needed) {
      const v = l1Get(key);
      if (v) values.set(key, v);
      else {
        const p = flight.get(key);
        if (p) {
          metrics.coalesced.inc();
          waits.set(key, p);
        } else toLoad.push(key);
      }
    }
    if (toLoad.length > 0) {
      // Refresh ahead: widen the call with hot symbols that are missing or about to expire.
      const loading = new Set(toLoad);
      let room = config.marketData.maxSymbols - toLoad.filter((k) => k !== envKey).length;
      const extra: string[] = [];
      for (const s of hot.recent(variant, t - Math.max(HOT_WINDOW_TTLS * ttl, 5000))) {
        if (room <= 0) break;
        const k = symbolKey(variant, s);
        if (loading.has(k) || waits.has(k) || flight.get(k)) continue;
        if (l1.remainingTtl(k) > ttl * REFRESH_AHEAD_SHARE) continue;
        extra.push(k);
        loadSymbol.set(k, s);
        room--;
      }
      if (extra.length > 0) metrics.refreshedAhead.inc(extra.length);
      const all = [...toLoad, ...extra];
      const promises = flight.run(all, async ({ resolve, reject }) => {
        const missing = await fromL2(all, resolve);
        if (missing.length === 0) return;
        const own = missing.filter((k) => k !== envKey && loading.has(k));
        const riders = missing.filter((k) => k !== envKey && !loading.has(k));
        // Only the envelope is missing: refresh it with one symbol.
        const symbolsOf = (keys: string[]) =>
          keys.length > 0 ? keys.map((k) => loadSymbol.get(k)!) : [symbols[0]!];
        let fetch = symbolsOf([...own, ...riders]);
        let res = await upstream(endpoint, choice, `${req.path}?${withSymbols(req.query, fetch)}`);
        if (res.status >= 400 && res.status < 500 && res.status !== 429 && riders.length > 0) {
          // A symbol riding along may be what upstream refused: ask again for this request's own.
          for (const k of riders) reject(k, new UpstreamAnswer(res));
          fetch = symbolsOf(own);
          res = await upstream(endpoint, choice, `${req.path}?${withSymbols(req.query, fetch)}`);
        }
        if (res.status !== 200) {
          for (const k of missing) reject(k, new UpstreamAnswer(res));
          return;
        }
        const split = splitAnswer(res.body, mapField);
        if (!split) {
          for (const k of missing) reject(k, new Unsplittable());
          return;
        }
        const entries = fetch.map((s) => ({
          key: symbolKey(variant, s),
          value: split.values.get(s) ?? ABSENT,
        }));
        if (envKey) entries.push({ key: envKey, value: split.envelope });
        await store(entries, ttl);
        for (const e of entries) resolve(e.key, e.value);
      });
      for (const [i, k] of toLoad.entries()) waits.set(k, promises[i]!);
    }
    const cache: CacheOutcome = toLoad.length > 0 ? "miss" : waits.size > 0 ? "coalesced" : "hit";
    try {
      for (const [k, v] of await settleAll(waits)) values.set(k, v);
    } catch (err) {
      // A refusal of another request's batch may be about its symbols, not ours: ask for ours alone.
      const joined = waits.size > toLoad.length;
      if (
        err instanceof UpstreamAnswer &&
        joined &&
        err.response.status < 500 &&
        err.response.status !== 429
      ) {
        return handleWhole(endpoint, req, query, choice, false);
      }
      if (err instanceof UpstreamAnswer) return answerOf(err.response, cache);
      if (err instanceof Unsplittable) return handleWhole(endpoint, req, query, choice, false);
      throw err;
    }
    const body = assembleAnswer(
      symbols,
      (s) => values.get(symbolKey(variant, s)) ?? ABSENT,
      mapField,
      envKey ? values.get(envKey) : undefined,
    );
    // Only symbols that were answered become hot (refresh ahead never carries a refused one).
    hot.touch(variant, symbols, t);
    let validFor = Number.POSITIVE_INFINITY;
    for (const k of needed) validFor = Math.min(validFor, l1.remainingTtl(k));
    if (validFor > 0 && validFor !== Number.POSITIVE_INFINITY) l1.set(memoKey, body, validFor);
    return { status: 200, body, contentType: JSON_TYPE, cache };
  }

  return {
    metrics,
    async handle(req) {
      const endpoint = classifyEndpoint(req.path);
      if (!endpoint) {
        throw new PaddockError("PADDOCK_NOT_FOUND", {
          detail: `no market-data endpoint ${req.path.slice(0, 100)}`,
        });
      }
      const query = validateQuery(endpoint, req.query, config.marketData, now());
      const choice = chooseFeed(deps.fleet, endpoint.family, query.feed);
      const paged = query.pairs.some(([n]) => n === "page_token" || n === "limit" || n === "updated_since");
      if (endpoint.split && !paged) return handleSplit(endpoint, endpoint.split.mapField, req, query, choice);
      return handleWhole(endpoint, req, query, choice, true);
    },
    async check() {
      if (!l2) return { status: "up", detail: "level 1 only (no Redis configured)" };
      if (!(await l2.ping()))
        return { status: "down", detail: "Redis unreachable: serving from level 1 only" };
      const used = await l2.usedBytes();
      if (used !== undefined) metrics.bytes.set({ level: "l2" }, used);
      return { status: "up", detail: `level 2 holds ${used ?? "?"} of ${config.cache.l2MaxBytes} bytes` };
    },
    stats: () => ({ l1Entries: l1.entries(), l1Bytes: l1.bytes(), inflight: flight.size }),
  };
}
