/** The simulator's HTTP edge over real sockets: auth, routing errors, bodies, control API, faults, raw streams. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type SimHandle, simControl, simFetch, startTestSim } from "../../helpers/start-sim.js";

let sim: SimHandle;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(async () => {
  await sim.close();
});

describe("authentication", () => {
  it("refuses a missing or half key pair with 401 and Alpaca's code", async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { "APCA-API-KEY-ID": "K" },
      { "APCA-API-SECRET-KEY": "S" },
      { Authorization: "Basic x" },
    ];
    for (const headers of cases) {
      const res = await fetch(`${sim.url}/v2/account`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ code: 40110000, message: "request is not authorized" });
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });

  it("accepts a bearer token as the key id and opens the same account as the key pair", async () => {
    const bearer = await fetch(`${sim.url}/v2/account`, { headers: { Authorization: "Bearer TOKEN-1" } });
    expect(bearer.status).toBe(200);
    const viaKey = await simFetch(sim, "GET", "/v2/account", { key: "TOKEN-1" });
    expect((viaKey.body as { id: string }).id).toBe(((await bearer.json()) as { id: string }).id);
    expect(bearer.headers.get("x-ratelimit-limit")).toBe("200");
  });

  it("opens each new key's paper account with the configured cash", async () => {
    const rich = await startTestSim({ cash: 12_345.67 });
    try {
      const r = await simFetch(rich, "GET", "/v2/account", { key: "NEW" });
      expect((r.body as { cash: string }).cash).toBe("12345.67");
    } finally {
      await rich.close();
    }
  });
});

describe("routing and bodies", () => {
  it("answers 404 for unknown paths and 405 for a known path with another method", async () => {
    const nf = await simFetch(sim, "GET", "/v2/nothing", { key: "R" });
    expect(nf.status).toBe(404);
    expect((nf.body as { code: number }).code).toBe(40400000);
    const na = await simFetch(sim, "PUT", "/v2/account", { key: "R" });
    expect(na.status).toBe(405);
  });

  it("answers 400 with code 40010001 for malformed JSON, naming the problem", async () => {
    const r = await simFetch(sim, "POST", "/v2/orders", { key: "R", body: '{"symbol":' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 40010001 });
    expect((r.body as { message: string }).message).toContain("JSON");
  });

  it("puts rate-limit headers on every authenticated response, errors included", async () => {
    const r = await simFetch(sim, "GET", "/v2/orders/7f3a1c2e-0b5d-4e7a-9c1f-2d3e4f5a6b7c", { key: "HDR" });
    expect(r.status).toBe(404);
    expect(r.headers.get("x-ratelimit-limit")).toBe("200");
    expect(r.headers.get("x-ratelimit-remaining")).toBe("199");
    const reset = Number(r.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
  });

  it("omits rate-limit headers when the limit is off", async () => {
    const off = await startTestSim({ rateLimitPerMinute: 0 });
    try {
      for (let i = 0; i < 250; i++)
        expect((await simFetch(off, "GET", "/v2/clock", { key: "FAST" })).status).toBe(200);
      const r = await simFetch(off, "GET", "/v2/clock", { key: "FAST" });
      expect(r.headers.get("x-ratelimit-limit")).toBeNull();
    } finally {
      await off.close();
    }
  });
});

describe("control API", () => {
  it("moves the clock: force open/closed, jump to an instant, advance, back to the calendar", async () => {
    const at = await simControl(sim, "POST", "clock", { at: "2024-12-24T15:00:00Z", open: null });
    expect(at.body).toMatchObject({ is_open: true, next_close: "2024-12-24T18:00:00.000Z", forced: null });
    const later = await simControl(sim, "POST", "clock", { advanceMinutes: 240 });
    expect((later.body as { is_open: boolean }).is_open).toBe(false);
    expect((later.body as { next_open: string }).next_open).toBe("2024-12-26T14:30:00.000Z");
    expect(
      ((await simControl(sim, "POST", "clock", { open: true })).body as { is_open: boolean }).is_open,
    ).toBe(true);
    const viaApi = await simFetch(sim, "GET", "/v2/clock", { key: "CLK" });
    expect((viaApi.body as { is_open: boolean }).is_open).toBe(true);
    expect(
      ((await simControl(sim, "POST", "clock", { open: false })).body as { is_open: boolean }).is_open,
    ).toBe(false);
    const bad = await simControl(sim, "POST", "clock", { at: "yesterday" });
    expect(bad.status).toBe(422);
    expect((bad.body as { message: string }).message).toContain("at");
    await simControl(sim, "POST", "reset");
  });

  it("sets prices (which fill resting orders) and validates them", async () => {
    await simControl(sim, "POST", "clock", { open: true });
    const o = await simFetch(sim, "POST", "/v2/orders", {
      key: "PX",
      body: { symbol: "AMZN", qty: 1, side: "buy", type: "limit", limit_price: "1.00", time_in_force: "gtc" },
    });
    expect((o.body as { status: string }).status).toBe("new");
    const set = await simControl(sim, "POST", "prices", { AMZN: "0.99" });
    expect(set.body).toEqual({ AMZN: "0.99" });
    const after = await simFetch(sim, "GET", `/v2/orders/${(o.body as { id: string }).id}`, { key: "PX" });
    expect(after.body).toMatchObject({ status: "filled", filled_avg_price: "0.99" });
    expect((await simControl(sim, "POST", "prices", { AMZN: "-1" })).status).toBe(422);
    await simControl(sim, "POST", "reset");
  });

  it("reports stats in DESIGN.md's exact shape and resets them", async () => {
    await simControl(sim, "POST", "reset");
    await simFetch(sim, "GET", "/v2/account", { key: "S1" });
    await simFetch(sim, "GET", "/v2/account?x=1", { key: "S1" });
    await simFetch(sim, "GET", "/v2/clock", { key: "S2" });
    const stats = (await simControl(sim, "GET", "stats")).body;
    expect(stats).toEqual({
      requests: { total: 3, byKey: { S1: 2, S2: 1 }, byPath: { "GET /v2/account": 2, "GET /v2/clock": 1 } },
      rateLimited: { total: 0, byKey: {} },
      streams: {},
      orders: { byClientOrderId: {} },
    });
  });

  it("validates fault options, naming the field, and answers 404 for unknown control paths", async () => {
    const bad = await simControl(sim, "POST", "faults", { errorRate: 2 });
    expect(bad.status).toBe(422);
    expect((bad.body as { message: string }).message).toContain("errorRate");
    expect((await simControl(sim, "POST", "faults", { bogus: 1 })).status).toBe(422);
    expect((await simControl(sim, "GET", "nothing")).status).toBe(404);
  });

  it("never applies faults to /_sim/ itself", async () => {
    await simControl(sim, "POST", "faults", { errorRate: 1, status: 500 });
    try {
      expect((await simFetch(sim, "GET", "/v2/clock", { key: "F" })).status).toBe(500);
      expect((await simControl(sim, "GET", "stats")).status).toBe(200);
      expect((await simControl(sim, "POST", "clock", { open: true })).status).toBe(200);
    } finally {
      expect((await simControl(sim, "DELETE", "faults")).status).toBe(200);
    }
    expect((await simFetch(sim, "GET", "/v2/clock", { key: "F" })).status).toBe(200);
  });

  it("adds latency to matching requests only", async () => {
    await simControl(sim, "POST", "faults", { latencyMs: 300, paths: ["/v2/clock"] });
    try {
      const t0 = Date.now();
      await simFetch(sim, "GET", "/v2/clock", { key: "LAT" });
      // the injected delay is a lower bound set by a timer, not a performance figure
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(sim.stats().requests.byPath["GET /v2/clock"]).toBeGreaterThan(0);
    } finally {
      await simControl(sim, "DELETE", "faults");
    }
  });
});

describe("raw trading stream", () => {
  const open = (
    url: string,
  ): Promise<{ ws: WebSocket; frames: Array<{ binary: boolean; msg: Record<string, unknown> }> }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const frames: Array<{ binary: boolean; msg: Record<string, unknown> }> = [];
      ws.on("message", (data, isBinary) => frames.push({ binary: isBinary, msg: JSON.parse(String(data)) }));
      ws.once("open", () => resolve({ ws, frames }));
      ws.once("error", reject);
    });

  it("accepts the {action:auth,key,secret} form, sends binary frames, and refuses listen before auth", async () => {
    const { ws, frames } = await open(`${sim.wsUrl}/stream`);
    ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates"] } }));
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]?.msg).toEqual({
      stream: "authorization",
      data: { status: "unauthorized", action: "listen" },
    });
    ws.send(JSON.stringify({ action: "auth", key: "RAW", secret: "s" }));
    ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates", "bogus"] } }));
    await expect.poll(() => frames.length).toBe(3);
    expect(frames[1]).toEqual({
      binary: true,
      msg: { stream: "authorization", data: { status: "authorized", action: "authenticate" } },
    });
    expect(frames[2]?.msg).toEqual({ stream: "listening", data: { streams: ["trade_updates"] } });
    ws.send("not json");
    await expect.poll(() => frames.length).toBe(4);
    expect(frames[3]?.msg).toMatchObject({ action: "error" });
    ws.close();
  });

  it("does not leak another key's trade updates", async () => {
    await simControl(sim, "POST", "clock", { open: true });
    const { ws, frames } = await open(`${sim.wsUrl}/stream`);
    ws.send(JSON.stringify({ action: "authenticate", data: { key_id: "MINE", secret_key: "s" } }));
    ws.send(JSON.stringify({ action: "listen", data: { streams: ["trade_updates"] } }));
    await expect.poll(() => frames.length).toBe(2);
    await simFetch(sim, "POST", "/v2/orders", {
      key: "OTHER",
      body: { symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" },
    });
    await simFetch(sim, "POST", "/v2/orders", {
      key: "MINE",
      body: { symbol: "AAPL", qty: 1, side: "buy", type: "market", time_in_force: "day" },
    });
    await expect.poll(() => frames.length).toBe(4);
    expect(frames.slice(2).map((f) => (f.msg.data as { event: string }).event)).toEqual(["new", "fill"]);
    ws.close();
    await simControl(sim, "POST", "reset");
  });

  it("answers 404 to an upgrade on an unknown path", async () => {
    const err = await new Promise<Error>((resolve) => {
      const ws = new WebSocket(`${sim.wsUrl}/nowhere`);
      ws.once("error", resolve);
    });
    expect(err.message).toContain("404");
  });
});

describe("market-data wiring", () => {
  it("serves the market-data REST routes through the same auth and stats", async () => {
    const r = await simFetch(sim, "GET", "/v2/stocks/AAPL/snapshot", { key: "MD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ratelimit-limit")).toBe("200");
    expect(sim.stats().requests.byPath["GET /v2/stocks/AAPL/snapshot"]).toBe(1);
    expect((await fetch(`${sim.url}/v2/stocks/AAPL/snapshot`)).status).toBe(401);
  });

  it("upgrades /v2/iex to the data stream, counted per key, one connection per key", async () => {
    const connect = (): Promise<{ ws: WebSocket; frames: unknown[] }> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${sim.wsUrl}/v2/iex`);
        const frames: unknown[] = [];
        ws.on("message", (d) => frames.push(...(JSON.parse(String(d)) as unknown[])));
        ws.once("open", () => resolve({ ws, frames }));
        ws.once("error", reject);
      });
    const first = await connect();
    await expect.poll(() => first.frames).toEqual([{ T: "success", msg: "connected" }]);
    first.ws.send(JSON.stringify({ action: "auth", key: "DATA1", secret: "s" }));
    await expect.poll(() => first.frames.length).toBe(2);
    expect(first.frames[1]).toEqual({ T: "success", msg: "authenticated" });
    expect(sim.stats().streams.DATA1).toEqual({ iex: 1 });
    const second = await connect();
    second.ws.send(JSON.stringify({ action: "auth", key: "DATA1", secret: "s" }));
    await expect.poll(() => second.frames.some((f) => (f as { code?: number }).code === 406)).toBe(true);
    first.ws.close();
    second.ws.close();
    await expect.poll(() => sim.stats().streams.DATA1).toBeUndefined();
  });
});
