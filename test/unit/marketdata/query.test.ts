import { describe, expect, it } from "vitest";
import { isPaddockError } from "../../../src/errors.js";
import { classifyEndpoint, type Endpoint } from "../../../src/marketdata/endpoints.js";
import { validateQuery } from "../../../src/marketdata/query.js";
import { parseInstant, parseTimeframe } from "../../../src/marketdata/values.js";

const limits = { maxSymbols: 100, maxHistoryDays: 366 };
const NOW = Date.parse("2024-06-03T15:00:00Z");

const ep = (path: string): Endpoint => {
  const e = classifyEndpoint(path);
  if (!e) throw new Error(`unclassified ${path}`);
  return e;
};

/** The 400 message (like Alpaca's data API) for a query, or undefined when it is accepted. */
function refusal(path: string, query: string, lim = limits): string | undefined {
  try {
    validateQuery(ep(path), query, lim, NOW);
    return undefined;
  } catch (err) {
    expect(isPaddockError(err, "PADDOCK_DATA_PARAM_INVALID")).toBe(true);
    expect((err as { status: number }).status).toBe(400);
    return (err as Error).message;
  }
}

const syms = (n: number) => Array.from({ length: n }, (_, i) => `S${i}`).join(",");

describe("endpoint classification", () => {
  it.each([
    ["/v2/stocks/bars", "stocks.bars.multi", false],
    ["/v2/stocks/AAPL/bars", "stocks.bars.single", false],
    ["/v2/stocks/trades/latest", "stocks.trades.latest.multi", true],
    ["/v2/stocks/AAPL/quotes/latest", "stocks.quotes.latest.single", false],
    ["/v2/stocks/snapshots", "stocks.snapshots.multi", true],
    ["/v2/stocks/AAPL/snapshot", "stocks.snapshots.single", false],
    ["/v1beta1/options/bars", "options.bars.multi", false],
    ["/v1beta1/options/quotes/latest", "options.quotes.latest.multi", true],
    ["/v1beta1/options/snapshots", "options.snapshots.multi", true],
    ["/v1beta1/options/snapshots/AAPL", "options.chain", false],
  ])("%s is %s", (path, name, split) => {
    const e = ep(path);
    expect(e.name).toBe(name);
    expect(e.split !== undefined).toBe(split);
  });

  it.each([
    "/v2/account",
    "/v2/orders",
    "/v2/positions/AAPL",
    "/v2/stocks",
    "/v2/stocks/AAPL/bars/x/y",
    "/v2/stocks//bars",
  ])("refuses non-market-data path %s", (path) => expect(classifyEndpoint(path)).toBeUndefined());
});

describe("query validation", () => {
  it("accepts a typical SDK bars query", () => {
    const q = validateQuery(
      ep("/v2/stocks/bars"),
      "symbols=AAPL,MSFT&timeframe=1Day&start=2024-01-02T00%3A00%3A00.000Z&end=2024-03-01T00:00:00Z&limit=1000&feed=iex&sort=asc&adjustment=raw",
      limits,
      NOW,
    );
    expect(q.symbols).toEqual(["AAPL", "MSFT"]);
    expect(q.timeframe?.unit).toBe("Day");
    expect(q.endMs).toBe(Date.parse("2024-03-01T00:00:00Z"));
  });

  it("refuses more than maxSymbols symbols, naming the limit", () => {
    expect(refusal("/v2/stocks/snapshots", `symbols=${syms(100)}`)).toBeUndefined();
    expect(refusal("/v2/stocks/snapshots", `symbols=${syms(101)}`)).toMatch(
      /symbols: at most 100 symbols a request/,
    );
    expect(refusal("/v2/stocks/snapshots", `symbols=${syms(11)}`, { ...limits, maxSymbols: 10 })).toMatch(
      /at most 10/,
    );
  });

  it("refuses more than a year of history, naming the limit", () => {
    const q = (s: string, e: string) => `symbols=AAPL&timeframe=1Day&start=${s}&end=${e}`;
    expect(refusal("/v2/stocks/bars", q("2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z"))).toBeUndefined();
    expect(refusal("/v2/stocks/bars", q("2022-01-01T00:00:00Z", "2024-01-01T00:00:00Z"))).toMatch(
      /start: at most 366 days of history a request \(marketData.maxHistoryDays\)/,
    );
    // no end: the range runs to now
    expect(refusal("/v2/stocks/AAPL/trades", "start=2023-01-01T00:00:00Z")).toMatch(/at most 366 days/);
    expect(refusal("/v2/stocks/AAPL/trades", "start=2024-01-01T00:00:00Z")).toBeUndefined();
  });

  it.each([
    ["/v2/stocks/bars", "symbols=AAPL", /timeframe: is required/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=60Min", /timeframe: minutes must be 1-59/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=2Day", /timeframe: only 1Day/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Fortnight", /timeframe: must look like/],
    ["/v2/stocks/bars", "timeframe=1Day", /symbols: is required/],
    ["/v2/stocks/bars", "symbols=AAPL,&timeframe=1Day", /symbols: contains an empty symbol/],
    ["/v2/stocks/bars", "symbols=AA%20PL&timeframe=1Day", /symbols: "AA PL" is not a valid stock symbol/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&start=yesterday", /start: must be an RFC 3339 time/],
    [
      "/v2/stocks/bars",
      "symbols=AAPL&timeframe=1Day&start=2024-02-30",
      /start: is not a valid calendar date/,
    ],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&end=2024-01-01T25:00:00Z", /end: has an invalid time/],
    [
      "/v2/stocks/bars",
      "symbols=AAPL&timeframe=1Day&start=2024-02-01T00:00:00Z&end=2024-01-01T00:00:00Z",
      /end: must not be before start/,
    ],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&limit=0", /limit: must be an integer from 1 to 10000/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&limit=10001", /limit: must be an integer/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&limit=1.5", /limit: must be an integer/],
    [
      "/v2/stocks/bars",
      "symbols=AAPL&timeframe=1Day&feed=nasdaq",
      /feed: must be one of iex, sip, otc, boats/,
    ],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&sort=up", /sort: must be one of asc, desc/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&adjustment=raw,bogus", /adjustment: must be one of/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&currency=usd", /currency: must be a 3-letter/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&asof=2024-1-1", /asof: must be a date/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&bogus=1", /bogus: is not a parameter of this endpoint/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&sort=asc&sort=desc", /sort: given more than once/],
    ["/v2/stocks/bars", "symbols=AAPL&timeframe=1Day&limit=", /limit: must not be empty/],
    ["/v2/stocks/bars", "symbols=%E0%A4%A&timeframe=1Day", /symbols: is not valid percent-encoding/],
    ["/v2/stocks/trades/latest", "symbols=AAPL&timeframe=1Day", /timeframe: is not a parameter/],
    ["/v2/stocks/snapshots", "symbols=AAPL&feed=opra", /feed: must be one of/],
    ["/v1beta1/options/snapshots", "symbols=AAPL", /symbols: "AAPL" is not a valid OCC option symbol/],
    [
      "/v1beta1/options/snapshots",
      "symbols=AAPL250117C00150000&limit=1001",
      /limit: must be an integer from 1 to 1000/,
    ],
    ["/v1beta1/options/snapshots/AAPL", "type=straddle", /type: must be one of call, put/],
    [
      "/v1beta1/options/snapshots/AAPL",
      "strike_price_gte=abc",
      /strike_price_gte: must be a non-negative decimal/,
    ],
    ["/v2/stocks/A%20B/snapshot", "", /symbol: "A B" is not a valid symbol/],
  ])("%s?%s → 400 naming the field", (path, query, message) => {
    expect(refusal(path, query)).toMatch(message);
  });

  it("accepts option queries", () => {
    expect(
      refusal("/v1beta1/options/snapshots", "symbols=AAPL250117C00150000,SPY250620P00400000&feed=indicative"),
    ).toBeUndefined();
    expect(
      refusal(
        "/v1beta1/options/snapshots/AAPL",
        "feed=opra&type=call&strike_price_gte=100&expiration_date_lte=2025-01-17&limit=100&root_symbol=AAPL",
      ),
    ).toBeUndefined();
  });

  it("dedupes symbols in first-seen order", () => {
    expect(validateQuery(ep("/v2/stocks/snapshots"), "symbols=B,A,B", limits, NOW).symbols).toEqual([
      "B",
      "A",
    ]);
  });
});

describe("values", () => {
  it("parses timeframes with their longest bar length", () => {
    expect(parseTimeframe("15Min")).toEqual({
      ok: true,
      value: { amount: 15, unit: "Min", maxDurationMs: 900_000 },
    });
    expect(parseTimeframe("1H")).toMatchObject({
      ok: true,
      value: { unit: "Hour", maxDurationMs: 3_600_000 },
    });
    expect(parseTimeframe("3Month")).toMatchObject({ ok: true, value: { maxDurationMs: 93 * 86_400_000 } });
    expect(parseTimeframe("5Month").ok).toBe(false);
    expect(parseTimeframe("0Min").ok).toBe(false);
  });

  it("parses RFC 3339 with nanoseconds and offsets, and plain dates", () => {
    expect(parseInstant("2024-01-02T03:04:05.123456789Z")).toEqual({
      ok: true,
      value: { ms: Date.parse("2024-01-02T03:04:05.123Z"), dateOnly: false },
    });
    expect(parseInstant("2024-01-02T03:04:05-05:00")).toMatchObject({
      value: { ms: Date.parse("2024-01-02T08:04:05Z") },
    });
    expect(parseInstant("2024-02-29")).toEqual({
      ok: true,
      value: { ms: Date.parse("2024-02-29T00:00:00Z"), dateOnly: true },
    });
    expect(parseInstant("2023-02-29").ok).toBe(false);
    expect(parseInstant("2024-01-02 03:04:05").ok).toBe(false);
    expect(parseInstant("1704164645").ok).toBe(false);
  });
});
