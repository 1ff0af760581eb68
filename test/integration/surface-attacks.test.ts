/**
 * Issue #11, "Done when": the trading surface attacked over real sockets with raw request
 * lines. Every non-canonical target, unknown route, encoded account id and halted account is
 * answered by the gateway, and the simulator's own counts prove nothing reached it.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimStats, startGateway, type TestGateway } from "../helpers/start-gateway.js";

let gw: TestGateway;
let token: string;
let host: string;
let port: number;

beforeAll(async () => {
  gw = await startGateway({
    accounts: 3,
    // the simulator's counts must show only what the attacks sent: no trade-update recorder snapshots
    configure: (raw) => {
      raw.streams = { recordTradeUpdates: false };
    },
  });
  token = await gw.token({ scopes: ["read", "trade", "data", "admin"] });
  const u = new URL(gw.url);
  host = u.hostname;
  port = Number(u.port);
});
afterAll(() => gw.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes one request exactly as given (request line untouched) and reads the answer. */
function raw(
  method: string,
  target: string,
  body = "",
  extra: Record<string, string> = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = {
    host: `${host}:${port}`,
    authorization: `Bearer ${token}`,
    connection: "close",
    ...(body === ""
      ? {}
      : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
    ...extra,
  };
  // an empty value in `extra` removes the header (a key/secret-only client sends no Authorization)
  for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket may be dropped before an async answer is written
    const socket = connect({ host, port }, () => socket.write(head + body));
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [headPart = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = headPart.split("\r\n");
      const hs: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(":");
        if (i > 0) hs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers: hs, body: rest.join("\r\n\r\n") });
    });
  });
}

const ORDER = JSON.stringify({ symbol: "AAPL", qty: "1", side: "buy", type: "market", time_in_force: "day" });

/** Requests the gateway itself makes in the background (health probes), not caused by a client. */
const BACKGROUND = new Set(["GET /v2/clock"]);

function reached(before: SimStats, after: SimStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after.requests.byPath)) {
    const d = n - (before.requests.byPath[k] ?? 0);
    if (d > 0 && !BACKGROUND.has(k)) out[k] = d;
  }
  return out;
}

const body = (a: RawAnswer): { code?: number; message?: string } => {
  try {
    return JSON.parse(a.body) as { code?: number; message?: string };
  } catch {
    return {};
  }
};

describe("the trading surface under attack (raw request lines)", () => {
  it("refuses the same encodings on market data, stream upgrades and key/secret-only clients", async () => {
    const before = await gw.simStats();
    const keyPair = { authorization: "", "apca-api-key-id": "paddock", "apca-api-secret-key": token };
    for (const [m, t, extra] of [
      ["GET", "/v1/data/v2/stocks/%2e%2e/v2/stocks/AAPL/bars?timeframe=1Day", {}],
      ["GET", "/v1/data/v2/stocks/AAPL/../MSFT/trades/latest", {}],
      ["GET", "/v1/data/v2/stocks//snapshots?symbols=AAPL", {}],
      ["GET", "/v1/data/v2/stocks/%41APL/trades/latest", {}],
      ["POST", "/v1/accounts/acct-001/v2/%6Frders", keyPair],
      ["POST", "/v1/accounts/acct-001/v2/../v2/orders", keyPair],
    ] as const) {
      const a = await raw(m, t, m === "POST" ? ORDER : "", extra);
      expect(a.status, t).toBe(400);
      expect(a.headers["x-paddock-source"], t).toBe("gateway");
    }
    // stream upgrades, written raw (a WebSocket client would normalise the path first): refused
    // with the gateway's 400 before any upgrade
    for (const t of ["/v1/accounts/acct%2D001/stream", "/v1/accounts/acct-001/./stream"]) {
      const status = await new Promise<number>((resolve, reject) => {
        const socket = connect({ host, port }, () =>
          socket.write(
            `GET ${t} HTTP/1.1\r\nhost: ${host}:${port}\r\nauthorization: Bearer ${token}\r\n` +
              "connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n" +
              "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
          ),
        );
        socket.once("data", (chunk) => {
          resolve(Number(chunk.toString("latin1").split(" ")[1]));
          socket.destroy();
        });
        socket.once("error", reject);
      });
      expect(status, t).toBe(400);
    }
    // the key/secret pair itself is good: the canonical form of the same order goes through
    const ok = await raw("POST", "/v1/accounts/acct-001/v2/orders", ORDER, keyPair);
    expect(ok.status).toBe(200);
    const after = await gw.simStats();
    const sent = reached(before, after);
    expect(sent).toEqual({ "POST /v2/orders": 1 });
  });

  it("refuses every non-canonical target with a gateway 400 and sends nothing upstream", async () => {
    const before = await gw.simStats();
    const targets = [
      "/v1/accounts/acct-001/v2/%6Frders",
      "/v1/accounts/acct-001/v2/%6frders",
      "/v1/accounts/acct-001/v2/./orders",
      "/v1/accounts/acct-001/v2/../v2/orders",
      "/v1/accounts/acct-001/v2/%2e/orders",
      "/v1/accounts/acct-001/v2/%2E%2E/v2/orders",
      "/v1/accounts/acct-001/v2/.%2e/v2/orders",
      "/v1/accounts/acct-001/v2//orders",
      "/v1/accounts/acct-001//v2/orders",
      "/v1/accounts/acct-001/v2/orders/",
      "/v1/accounts/acct-001/v2/%5corders",
      "/v1/accounts/acct-001/v2/%5Corders",
      "/v1/accounts/acct-001/v2/orders%00",
      "/v1/accounts/acct-001/v2/ord%65rs",
      "/v1/accounts/acct-001/v2/orders%252F",
      "/v1/accounts/acct%2D001/v2/orders",
      "/v1/accounts/acct%2d001/v2/orders",
      "/v1/accounts/%61cct-001/v2/orders",
      "/v1/accounts/acct-001%3A/v2/orders",
      "/v1/%61ccounts/acct-001/v2/orders",
      "/v1/accounts/acct.001/v2/orders",
      "/v1/accounts/acct-001/v2/orders?client_order_id=%zz",
      `http://${host}:${port}/v1/accounts/acct-001/v2/orders`,
      "http://evil.example/v1/accounts/acct-001/v2/orders",
    ];
    for (const t of targets) {
      const a = await raw("POST", t, ORDER);
      expect(a.status, t).toBe(400);
      expect(a.headers["x-paddock-source"], t).toBe("gateway");
      expect(body(a).code, t).toBe(40010001);
    }
    // and the same for a cancel, a replace and a position close
    for (const [m, t] of [
      ["DELETE", "/v1/accounts/acct-001/v2/%6Frders"],
      ["PATCH", "/v1/accounts/acct-001/v2/./orders/0b6a8d43-9c1c-4c5e-8e63-2f6c1a9d7b10"],
      ["DELETE", "/v1/accounts/acct-001/v2/positions//AAPL"],
    ] as const) {
      expect((await raw(m, t, m === "PATCH" ? '{"qty":"2"}' : "")).status, t).toBe(400);
    }
    expect(reached(before, await gw.simStats())).toEqual({});
  });

  it("a backslash in the request line never reaches the upstream either", async () => {
    const before = await gw.simStats();
    const a = await raw("POST", "/v1/accounts/acct-001/v2\\orders", ORDER);
    expect(a.status).toBe(400);
    expect(reached(before, await gw.simStats())).toEqual({});
  });

  it("routes only what is in Alpaca's table: anything else is a gateway 404", async () => {
    const before = await gw.simStats();
    for (const [m, t] of [
      ["POST", "/v1/accounts/acct-001/v2/Orders"],
      ["PUT", "/v1/accounts/acct-001/v2/orders"],
      ["POST", "/v1/accounts/acct-001/v2/orders/extra/segment"],
      ["GET", "/v1/accounts/acct-001/v2/admin"],
      ["GET", "/v1/accounts/acct-001/v2beta1/events/activities"],
      ["GET", "/v1/accounts/acct-001/v3/orders"],
      ["POST", "/v1/accounts/acct-001/v2/orders:by_client_order_id"],
      ["POST", "/v1/accounts/acct-001/v2/orders%2F"],
      ["POST", "/v1/accounts/acct-001/v2%2Forders"],
    ] as const) {
      const a = await raw(m, t, m === "POST" || m === "PUT" ? ORDER : "");
      expect(a.status, `${m} ${t}`).toBe(404);
      expect(a.headers["x-paddock-source"], t).toBe("gateway");
    }
    expect(reached(before, await gw.simStats())).toEqual({});
  });

  it("answers a malformed order id like Alpaca (422, 40010001) without asking it", async () => {
    const before = await gw.simStats();
    for (const m of ["GET", "DELETE", "PATCH"]) {
      const a = await raw(
        m,
        "/v1/accounts/acct-001/v2/orders/not-a-uuid",
        m === "PATCH" ? '{"qty":"2"}' : "",
      );
      expect(a.status, m).toBe(422);
      expect(body(a).code).toBe(40010001);
      expect(a.headers["x-paddock-source"]).toBe("gateway");
    }
    expect(reached(before, await gw.simStats())).toEqual({});
  });

  it("refuses orders on a halted account (and under the global halt) without sending them", async () => {
    expect((await raw("POST", "/v1/admin/accounts/acct-002/halt")).status).toBe(200);
    const before = await gw.simStats();
    const halted = await raw("POST", "/v1/accounts/acct-002/v2/orders", ORDER);
    expect(halted.status).toBe(403);
    expect(halted.headers["x-paddock-source"]).toBe("gateway");
    const replace = await raw(
      "PATCH",
      "/v1/accounts/acct-002/v2/orders/0b6a8d43-9c1c-4c5e-8e63-2f6c1a9d7b10",
      '{"qty":"2"}',
    );
    expect(replace.status).toBe(403);
    expect((await raw("POST", "/v1/admin/halt")).status).toBe(200);
    const global = await raw("POST", "/v1/accounts/acct-003/v2/orders", ORDER);
    expect(global.status).toBe(403);
    expect(reached(before, await gw.simStats())).toEqual({});
    expect((await raw("POST", "/v1/admin/resume")).status).toBe(200);
    expect((await raw("POST", "/v1/admin/accounts/acct-002/resume")).status).toBe(200);
  });

  it("the canonical forms still work, including an encoded symbol parameter", async () => {
    const before = await gw.simStats();
    const placed = await raw("POST", "/v1/accounts/acct-001/v2/orders", ORDER);
    expect(placed.status).toBe(200);
    const pos = await raw("GET", "/v1/accounts/acct-001/v2/positions/BTC%2FUSD");
    expect(pos.headers["x-paddock-source"]).toBeUndefined(); // Alpaca's (the simulator's) own answer
    const clock = await raw("GET", "/v1/accounts/acct-001/v3/clock");
    expect(clock.headers["x-paddock-source"]).toBeUndefined();
    const got = reached(before, await gw.simStats());
    expect(got["POST /v2/orders"]).toBe(1);
    expect(got["GET /v2/positions/BTC%2FUSD"]).toBe(1);
    expect(got["GET /v3/clock"]).toBe(1);
  });
});
