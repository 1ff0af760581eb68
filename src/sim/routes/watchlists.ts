/** `/v2/watchlists…` (by id and `:by_name`). */
import { randomUUID } from "node:crypto";
import type { SimAsset } from "../assets/universe.js";
import type { SimRequest, SimRouter } from "../contract.js";
import type { SimAccount, SimWatchlist } from "../exchange/types.js";
import { badRequest, notFound, unprocessable } from "../sim-error.js";
import { noContent, ok, type SimContext } from "./context.js";
import { watchlistWire } from "./wire.js";

type Json = Record<string, unknown>;

const bodyOf = (req: SimRequest): Json => {
  const b = req.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw badRequest("request body must be a JSON object");
  return b as Json;
};

export function registerWatchlistRoutes(router: SimRouter, ctx: SimContext): void {
  const { exchange, universe, clock } = ctx;

  const assetsOf = (w: SimWatchlist): SimAsset[] =>
    w.symbols.map((s) => universe.find(s)).filter((a): a is SimAsset => a !== undefined);
  const full = (a: SimAccount, w: SimWatchlist) => ok(watchlistWire(w, a.id, assetsOf(w)));

  const symbolsOf = (b: Json): string[] => {
    const s = b.symbols;
    if (s === undefined || s === null) return [];
    if (!Array.isArray(s) || s.some((x) => typeof x !== "string"))
      throw unprocessable("symbols: must be an array of strings");
    const out: string[] = [];
    for (const sym of s as string[]) {
      const asset = universe.find(sym);
      if (!asset) throw unprocessable(`symbols: asset "${sym}" not found`);
      if (!out.includes(asset.symbol)) out.push(asset.symbol);
    }
    return out;
  };
  const nameOf = (b: Json, a: SimAccount, except?: SimWatchlist): string => {
    const n = b.name;
    if (typeof n !== "string" || n.trim() === "") throw unprocessable("name: is required");
    if (n.length > 64) throw unprocessable("name: must be at most 64 characters");
    for (const w of a.watchlists.values())
      if (w !== except && w.name === n) throw unprocessable(`name: a watchlist named "${n}" already exists`);
    return n;
  };
  const byId = (a: SimAccount, id: string): SimWatchlist => {
    const w = a.watchlists.get(id);
    if (!w) throw notFound("watchlist not found");
    return w;
  };
  const byName = (a: SimAccount, req: SimRequest): SimWatchlist => {
    const name = req.query.get("name");
    if (!name) throw unprocessable("name: is required");
    for (const w of a.watchlists.values()) if (w.name === name) return w;
    throw notFound("watchlist not found");
  };

  router.add("GET", "/v2/watchlists", (req) => {
    const a = exchange.account(req.keyId);
    return ok([...a.watchlists.values()].map((w) => watchlistWire(w, a.id)));
  });
  router.add("POST", "/v2/watchlists", (req) => {
    const a = exchange.account(req.keyId);
    const b = bodyOf(req);
    const now = clock.now();
    const w: SimWatchlist = {
      id: randomUUID(),
      name: nameOf(b, a),
      createdAt: now,
      updatedAt: now,
      symbols: symbolsOf(b),
    };
    a.watchlists.set(w.id, w);
    return full(a, w);
  });

  const update = (a: SimAccount, w: SimWatchlist, req: SimRequest) => {
    const b = bodyOf(req);
    if (b.name !== undefined) w.name = nameOf(b, a, w);
    if (b.symbols !== undefined) w.symbols = symbolsOf(b);
    w.updatedAt = clock.now();
    return full(a, w);
  };
  const add = (a: SimAccount, w: SimWatchlist, req: SimRequest) => {
    const b = bodyOf(req);
    if (typeof b.symbol !== "string") throw unprocessable("symbol: is required");
    const asset = universe.find(b.symbol);
    if (!asset) throw unprocessable(`symbol: asset "${b.symbol}" not found`);
    if (!w.symbols.includes(asset.symbol)) w.symbols.push(asset.symbol);
    w.updatedAt = clock.now();
    return full(a, w);
  };

  for (const [suffix, find] of [
    ["/:watchlist_id", (a: SimAccount, req: SimRequest) => byId(a, req.params.watchlist_id ?? "")],
    [":by_name", byName],
  ] as const) {
    const path = `/v2/watchlists${suffix}`;
    router.add("GET", path, (req) => {
      const a = exchange.account(req.keyId);
      return full(a, find(a, req));
    });
    router.add("PUT", path, (req) => {
      const a = exchange.account(req.keyId);
      return update(a, find(a, req), req);
    });
    router.add("POST", path, (req) => {
      const a = exchange.account(req.keyId);
      return add(a, find(a, req), req);
    });
    router.add("DELETE", path, (req) => {
      const a = exchange.account(req.keyId);
      a.watchlists.delete(find(a, req).id);
      return noContent;
    });
  }

  router.add("DELETE", "/v2/watchlists/:watchlist_id/:symbol", (req) => {
    const a = exchange.account(req.keyId);
    const w = byId(a, req.params.watchlist_id ?? "");
    const sym = (req.params.symbol ?? "").toUpperCase();
    if (!w.symbols.includes(sym)) throw notFound(`symbol "${sym}" is not in the watchlist`);
    w.symbols = w.symbols.filter((s) => s !== sym);
    w.updatedAt = clock.now();
    return full(a, w);
  });
}
