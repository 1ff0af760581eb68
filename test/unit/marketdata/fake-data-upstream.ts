/**
 * A tiny Alpaca-shaped market-data server on 127.0.0.1 for the market-data tests, and
 * a Fleet stand-in whose accounts send to it with undici. Data is deterministic: a
 * function of symbol, time and an `epoch` the test bumps to make latest values change.
 * Symbols starting with "ZZ" have no data (omitted from answers, like Alpaca does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import type {
  Account,
  AccountStatus,
  Fleet,
  UpstreamRequest,
  UpstreamResponse,
} from "../../../src/accounts/types.js";

export interface SeenRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly keyId: string;
}

export interface FakeDataUpstream {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Bump to change every latest value. */
  epoch: number;
  /** Delay each answer (lets concurrent requests overlap). */
  latencyMs: number;
  /** Answer paths starting with `prefix` with this status. */
  fail: { prefix: string; status: number } | undefined;
  /** Answer 400 to any request naming this symbol. */
  refuseSymbol: string | undefined;
  /** Symbols requested upstream, per call, for a path. */
  symbolsRequested(path: string): string[][];
  close(): Promise<void>;
}

const hash = (s: string): number => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
};

const price = (symbol: string, t: number, epoch: number): number =>
  Math.round((50 + 200 * hash(symbol) + 5 * Math.sin(t / 3_600_000 + hash(`${symbol}${epoch}`))) * 100) / 100;

const iso = (ms: number): string => new Date(ms).toISOString().replace("Z", "000000Z");
const NOW = Date.parse("2024-03-04T15:00:00Z");

const trade = (s: string, epoch: number) => ({
  t: iso(NOW + epoch * 1000),
  x: "V",
  p: price(s, NOW, epoch),
  s: 100 + Math.floor(hash(s) * 100),
  c: ["@"],
  i: 1000 + epoch,
  z: "C",
});
const quote = (s: string, epoch: number) => ({
  t: iso(NOW + epoch * 1000),
  ax: "V",
  ap: price(s, NOW, epoch) + 0.01,
  as: 1,
  bx: "V",
  bp: price(s, NOW, epoch) - 0.01,
  bs: 2,
  c: ["R"],
  z: "C",
});
const bar = (s: string, t: number, epoch: number) => {
  const p = price(s, t, epoch);
  return { t: iso(t), o: p, h: p + 1, l: p - 1, c: p + 0.5, v: 1000, n: 10, vw: p + 0.25 };
};
const snapshot = (s: string, epoch: number) => ({
  latestTrade: trade(s, epoch),
  latestQuote: quote(s, epoch),
  minuteBar: bar(s, NOW - 60_000, epoch),
  dailyBar: bar(s, NOW - 9 * 3_600_000, epoch),
  prevDailyBar: bar(s, NOW - 33 * 3_600_000, epoch),
});

const STEP: Record<string, number> = { Min: 60_000, Hour: 3_600_000, Day: 86_400_000 };

/** Bars every timeframe step in [start, end], symbols in sorted order, paged by `limit` across symbols. */
function historyBars(symbols: string[], q: URLSearchParams, epoch: number) {
  const m = /^(\d+)(Min|Hour|Day)$/.exec(q.get("timeframe") ?? "1Day");
  const step = Number(m?.[1] ?? 1) * (STEP[m?.[2] ?? "Day"] ?? 86_400_000);
  const start = Date.parse(q.get("start") ?? "2024-01-01T00:00:00Z");
  const end = Date.parse(q.get("end") ?? new Date(NOW).toISOString());
  const limit = Number(q.get("limit") ?? 1000);
  const offset = Number(q.get("page_token") ? Buffer.from(q.get("page_token")!, "base64url").toString() : 0);
  const all: Array<[string, ReturnType<typeof bar>]> = [];
  for (const s of [...symbols].sort()) {
    if (s.startsWith("ZZ")) continue;
    for (let t = Math.ceil(start / step) * step; t <= end && all.length < offset + limit + 1; t += step) {
      all.push([s, bar(s, t, epoch)]);
    }
  }
  const page = all.slice(offset, offset + limit);
  const more = all.length > offset + limit;
  return { page, next: more ? Buffer.from(String(offset + limit)).toString("base64url") : null };
}

export async function startFakeDataUpstream(): Promise<FakeDataUpstream> {
  const requests: SeenRequest[] = [];
  const state: FakeDataUpstream = {
    url: "",
    requests,
    epoch: 0,
    latencyMs: 0,
    fail: undefined,
    refuseSymbol: undefined,
    symbolsRequested: (path) =>
      requests.filter((r) => r.path === path).map((r) => (r.query.get("symbols") ?? "").split(",")),
    close: async () => {},
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    const q = url.searchParams;
    // The tests' own direct comparison calls are not counted as upstream calls.
    if (req.headers["x-direct"] === undefined) {
      requests.push({ path, query: q, keyId: String(req.headers["apca-api-key-id"] ?? "") });
    }
    if (state.fail && path.startsWith(state.fail.prefix)) {
      return send(res, state.fail.status, { code: state.fail.status * 100000, message: "injected failure" });
    }
    const symbols = (q.get("symbols") ?? "").split(",").filter((s) => s !== "");
    if (state.refuseSymbol !== undefined && symbols.includes(state.refuseSymbol)) {
      return send(res, 400, { code: 40010001, message: `invalid symbols: "${state.refuseSymbol}"` });
    }
    const known = symbols.filter((s) => !s.startsWith("ZZ"));
    const e = state.epoch;
    const by = <T>(f: (s: string) => T) => Object.fromEntries(known.map((s) => [s, f(s)]));
    if (path === "/v2/stocks/snapshots")
      return send(
        res,
        200,
        by((s) => snapshot(s, e)),
      );
    if (path === "/v2/stocks/trades/latest") return send(res, 200, { trades: by((s) => trade(s, e)) });
    if (path === "/v2/stocks/quotes/latest") return send(res, 200, { quotes: by((s) => quote(s, e)) });
    if (path === "/v2/stocks/bars/latest") return send(res, 200, { bars: by((s) => bar(s, NOW, e)) });
    if (path === "/v1beta1/options/snapshots") {
      return send(res, 200, { snapshots: by((s) => ({ latestQuote: quote(s, e) })), next_page_token: null });
    }
    if (path === "/v2/stocks/bars") {
      const { page, next } = historyBars(symbols, q, e);
      const bars: Record<string, unknown[]> = {};
      for (const [s, b] of page) {
        const list = bars[s] ?? [];
        list.push(b);
        bars[s] = list;
      }
      return send(res, 200, { bars, next_page_token: next });
    }
    const single = /^\/v2\/stocks\/([^/]+)\/bars$/.exec(path);
    if (single) {
      const m = single; // [path, symbol]
      const { page, next } = historyBars([m[1]!], q, e);
      return send(res, 200, { bars: page.map(([, b]) => b), symbol: m[1], next_page_token: next });
    }
    const snap = /^\/v2\/stocks\/([^/]+)\/snapshot$/.exec(path);
    if (snap) return send(res, 200, { symbol: snap[1], ...snapshot(snap[1]!, e) });
    if (path.startsWith("/v2/account") || path.startsWith("/v2/orders") || path.startsWith("/v2/positions")) {
      return send(res, 200, { id: "acct", cash: "100000" });
    }
    return send(res, 404, { code: 40410000, message: "not found" });
  };
  const server = createServer((req, res) => {
    if (state.latencyMs > 0) setTimeout(() => route(req, res), state.latencyMs);
    else route(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return state;
}

export interface FakeAccount extends Account {
  budget: { limit: number; remaining: number };
  breaker: AccountStatus["breaker"];
  readonly calls: UpstreamRequest[];
}

/** An Account that sends data requests to `url` with undici, counting them. */
export function fakeAccount(
  id: string,
  url: string,
  opts: { feed?: "iex" | "sip"; remaining?: number } = {},
) {
  const pool = new Pool(url, { connections: 16, keepAliveTimeout: 1000 });
  const calls: UpstreamRequest[] = [];
  const account: FakeAccount & { close(): Promise<void> } = {
    id,
    mode: "paper",
    tags: [],
    feed: opts.feed ?? "iex",
    limits: { pdtCheck: false },
    tradingUrl: url,
    streamUrl: url,
    budget: { limit: 200, remaining: opts.remaining ?? 200 },
    breaker: "closed",
    calls,
    async request(req: UpstreamRequest): Promise<UpstreamResponse> {
      calls.push(req);
      const res = await pool.request({
        method: req.method,
        path: req.path,
        headers: { "apca-api-key-id": id, ...req.headers },
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body };
    },
    status: () => ({
      budget: { limit: account.budget.limit, remaining: account.budget.remaining, resetAt: 0, queued: 0 },
      breaker: account.breaker,
      halted: false,
    }),
    credentials: () => ({ keyId: id, secretKey: "secret" }),
    close: () => pool.close(),
  };
  return account;
}

export function fakeFleet(accounts: readonly Account[]): Fleet {
  return {
    get: (id) => accounts.find((a) => a.id === id),
    list: () => accounts,
    dataAccounts: () => accounts,
    onChange: () => () => {},
  };
}
