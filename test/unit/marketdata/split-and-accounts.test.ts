import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Account } from "../../../src/accounts/types.js";
import { isPaddockError } from "../../../src/errors.js";
import { chooseFeed, pickAccount } from "../../../src/marketdata/data-accounts.js";
import { ABSENT, assembleAnswer, splitAnswer, withSymbols } from "../../../src/marketdata/split-response.js";
import { fakeAccount, fakeFleet } from "./fake-data-upstream.js";

const symbolArb = fc.stringMatching(/^[A-Z]{1,5}$/);
const valueArb = fc.record({
  p: fc.double({ noNaN: true, noDefaultInfinity: true }),
  s: fc.integer(),
  c: fc.array(fc.string()),
});

describe("per-symbol split", () => {
  it("splitting an answer and assembling any subset equals picking that subset (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(symbolArb, valueArb, { maxKeys: 30 }),
        fc.constantFrom<string | null>(null, "trades", "snapshots"),
        fc.option(fc.constantFrom("USD", "EUR"), { nil: undefined }),
        fc.array(symbolArb, { maxLength: 20 }),
        (map, mapField, currency, wanted) => {
          const answer =
            mapField === null ? map : { [mapField]: map, ...(currency === undefined ? {} : { currency }) };
          const split = splitAnswer(Buffer.from(JSON.stringify(answer)), mapField);
          expect(split).toBeDefined();
          const subset = [...new Set(wanted)];
          const body = assembleAnswer(
            subset,
            (s) => split!.values.get(s) ?? ABSENT,
            mapField,
            split!.envelope,
          );
          const expectedMap = Object.fromEntries(subset.filter((s) => s in map).map((s) => [s, map[s]]));
          const expected =
            mapField === null
              ? expectedMap
              : { [mapField]: expectedMap, ...(currency === undefined ? {} : { currency }) };
          expect(JSON.parse(body.toString())).toEqual(JSON.parse(JSON.stringify(expected)));
        },
      ),
    );
  });

  it("refuses to split what is not one complete page", () => {
    expect(splitAnswer(Buffer.from("not json"), null)).toBeUndefined();
    expect(splitAnswer(Buffer.from("[1,2]"), null)).toBeUndefined();
    expect(splitAnswer(Buffer.from('{"trades":[1]}'), "trades")).toBeUndefined();
    expect(splitAnswer(Buffer.from('{"snapshots":{},"next_page_token":"abc"}'), "snapshots")).toBeUndefined();
    expect(
      splitAnswer(Buffer.from('{"snapshots":{"A":{}},"next_page_token":null}'), "snapshots")?.values.size,
    ).toBe(1);
    expect(splitAnswer(Buffer.from("{}"), "trades")?.values.size).toBe(0);
  });

  it("replaces only the symbols parameter of a raw query", () => {
    expect(withSymbols("feed=iex&symbols=A%2CB,C&currency=USD", ["D", "BRK.B"])).toBe(
      "feed=iex&currency=USD&symbols=D,BRK.B",
    );
    expect(withSymbols("", ["A"])).toBe("symbols=A");
  });
});

describe("data accounts", () => {
  const acct = (id: string, feed: "iex" | "sip", remaining: number): Account => {
    const a = fakeAccount(id, "http://127.0.0.1:1", { feed, remaining });
    void a.close();
    return a;
  };

  it("picks the account with the most budget left, skipping open breakers", () => {
    const a = acct("a", "iex", 10);
    const b = acct("b", "iex", 150);
    const c = fakeAccount("c", "http://127.0.0.1:1", { remaining: 199 });
    void c.close();
    c.breaker = "open";
    expect(pickAccount([a, b, c], 0).id).toBe("b");
    expect(pickAccount([c, a], 0).id).toBe("a");
    c.breaker = "closed";
    expect(pickAccount([a, b, c], 5).id).toBe("c");
  });

  it("spreads over accounts with unlimited budgets", () => {
    const accounts = ["x", "y", "z"].map((id) => {
      const a = fakeAccount(id, "http://127.0.0.1:1");
      void a.close();
      a.budget.limit = 0;
      return a;
    });
    expect(new Set([0, 1, 2].map((r) => pickAccount(accounts, r).id)).size).toBe(3);
  });

  it("serves sip only from sip accounts and refuses it with a 422 naming feed otherwise", () => {
    const free = fakeFleet([acct("free", "iex", 200)]);
    expect(chooseFeed(free, "stocks", "iex").accounts.map((a) => a.id)).toEqual(["free"]);
    expect(chooseFeed(free, "stocks", undefined)).toMatchObject({ feed: "iex", explicit: false });
    expect(chooseFeed(free, "options", undefined)).toMatchObject({ feed: "indicative" });
    try {
      chooseFeed(free, "stocks", "sip");
      expect.unreachable();
    } catch (err) {
      expect(isPaddockError(err, "PADDOCK_REQUEST_INVALID")).toBe(true);
      expect((err as Error).message).toMatch(/feed: no market-data account is entitled to the sip feed/);
    }
    const mixed = fakeFleet([acct("free", "iex", 200), acct("paid", "sip", 1)]);
    expect(chooseFeed(mixed, "stocks", "sip").accounts.map((a) => a.id)).toEqual(["paid"]);
    expect(chooseFeed(mixed, "stocks", "iex").accounts.map((a) => a.id)).toEqual(["free", "paid"]);
    // without a feed Alpaca answers with the account's best feed: only sip accounts, keyed as sip
    expect(chooseFeed(mixed, "stocks", undefined)).toMatchObject({ feed: "sip", explicit: false });
    expect(chooseFeed(mixed, "stocks", undefined).accounts.map((a) => a.id)).toEqual(["paid"]);
    expect(chooseFeed(mixed, "options", "opra").accounts.map((a) => a.id)).toEqual(["paid"]);
    expect(() => chooseFeed(fakeFleet([]), "stocks", undefined)).toThrow(
      /no account is configured for market data/,
    );
  });
});
