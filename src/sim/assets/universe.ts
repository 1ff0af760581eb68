/**
 * The simulator's tradable universe: US equities from the built-in ticker list with attributes
 * derived deterministically from the seed, plus a few option contracts on liquid underlyings.
 */
import { addDays, easternDate, tradingDay } from "../calendar.js";
import { stableFraction, stableUuid, syntheticCusip } from "../ids.js";
import { CRYPTO_PAIRS, type CryptoPair } from "../market/crypto-pairs.js";
import { TICKERS } from "./ticker-list.js";

export interface SimAsset {
  readonly id: string;
  readonly class: "us_equity" | "crypto";
  readonly exchange: string;
  readonly symbol: string;
  readonly name: string;
  readonly status: "active" | "inactive";
  readonly tradable: boolean;
  readonly marginable: boolean;
  readonly shortable: boolean;
  readonly easy_to_borrow: boolean;
  /** US equities only. */
  readonly borrow_status?: "easy_to_borrow" | "hard_to_borrow";
  readonly fractionable: boolean;
  /** Decimal strings: the smallest order, the quantity step and the price tick. */
  readonly min_order_size: string;
  readonly min_trade_increment: string;
  readonly price_increment: string;
  /** Synthetic CUSIP-shaped id for equities (real CUSIPs are licensed data); null for crypto. */
  readonly cusip: string | null;
  readonly maintenance_margin_requirement: number;
  readonly margin_requirement_long: string;
  readonly margin_requirement_short: string;
  readonly attributes: readonly string[];
}

export interface SimOptionContract {
  readonly id: string;
  readonly symbol: string;
  readonly name: string;
  readonly status: "active";
  readonly tradable: true;
  readonly expiration_date: string;
  readonly root_symbol: string;
  readonly underlying_symbol: string;
  readonly underlying_asset_id: string;
  readonly type: "call" | "put";
  readonly style: "american";
  readonly strike_price: string;
  readonly multiplier: "100";
  readonly size: "100";
  readonly open_interest: string;
  readonly open_interest_date: string;
  readonly close_price: string;
  readonly close_price_date: string;
}

export interface Universe {
  /** US equities. */
  readonly assets: readonly SimAsset[];
  /** Crypto pairs (`BTC/USD`). */
  readonly crypto: readonly SimAsset[];
  /** By symbol (upper case; a crypto pair also without its slash) and by id. */
  find(symbolOrId: string): SimAsset | undefined;
  readonly options: readonly SimOptionContract[];
  findOption(symbolOrId: string): SimOptionContract | undefined;
}

/** A decimal step as Alpaca prints it (`0.0001`, `1`). */
const step = (x: number): string => (x >= 1 ? String(Math.round(x)) : x.toFixed(Math.round(-Math.log10(x))));

/**
 * A crypto pair as Alpaca lists it (exchange `ALPACA`, name `BTC/USD pair`): fractional, not
 * marginable or shortable. The smallest order (and the quantity step) is worth about $10 at the
 * pair's level (BTC 0.0001); the price tick is about a ten-thousandth of the price (BTC $1),
 * never finer than 0.0001.
 */
function cryptoAsset(p: CryptoPair, price: number): SimAsset {
  const minOrder = 10 ** Math.floor(Math.log10(10 / Math.max(price, 1e-9)));
  const tick = Math.min(1, Math.max(0.0001, 10 ** (Math.floor(Math.log10(Math.max(price, 1e-9))) - 4)));
  return {
    id: stableUuid("asset", p.symbol),
    class: "crypto",
    exchange: "ALPACA",
    symbol: p.symbol,
    name: `${p.symbol} pair`,
    status: "active",
    tradable: true,
    marginable: false,
    shortable: false,
    easy_to_borrow: false,
    fractionable: true,
    min_order_size: step(minOrder),
    min_trade_increment: step(minOrder),
    price_increment: step(tick),
    cusip: null,
    maintenance_margin_requirement: 100,
    margin_requirement_long: "100",
    margin_requirement_short: "100",
    attributes: [],
  };
}

/** Fractionable equities trade to 9 decimals, others in whole shares; prices in cents. */
function equityIncrements(
  fractionable: boolean,
): Pick<SimAsset, "min_order_size" | "min_trade_increment" | "price_increment"> {
  const step = fractionable ? "0.000000001" : "1";
  return { min_order_size: step, min_trade_increment: step, price_increment: "0.01" };
}

/** Underlyings that get option contracts. */
export const OPTION_UNDERLYINGS = ["AAPL", "MSFT", "SPY", "TSLA", "NVDA"] as const;

export function createUniverse(opts: {
  seed: number;
  /** Simulated now, for option expirations. */
  nowMs: number;
  /** Reference price of an underlying, for strikes. */
  priceOf: (symbol: string) => number;
}): Universe {
  const assets: SimAsset[] = [];
  const bySymbol = new Map<string, SimAsset>();
  const byId = new Map<string, SimAsset>();
  for (const line of TICKERS.split("\n")) {
    const [symbol, name, exchange] = line.split("|");
    if (!symbol || !name || !exchange || bySymbol.has(symbol)) continue;
    const r = (what: string): number => stableFraction(opts.seed, symbol, what);
    const etf = exchange === "ARCA" || exchange === "BATS";
    const inactive = r("inactive") < 0.01;
    const shortable = r("shortable") < 0.95;
    const easyToBorrow = shortable && r("etb") < 0.9;
    const fractionable = r("fractionable") < 0.92;
    const asset: SimAsset = {
      id: stableUuid("asset", symbol),
      class: "us_equity",
      exchange,
      symbol,
      name: etf || name.endsWith("ETF") ? name : `${name} Common Stock`,
      status: inactive ? "inactive" : "active",
      tradable: !inactive,
      marginable: r("marginable") < 0.97,
      shortable,
      easy_to_borrow: easyToBorrow,
      borrow_status: easyToBorrow ? "easy_to_borrow" : "hard_to_borrow",
      fractionable,
      ...equityIncrements(fractionable),
      cusip: syntheticCusip(symbol),
      maintenance_margin_requirement: 30,
      margin_requirement_long: "30",
      margin_requirement_short: "30",
      attributes: r("fractional_eh") < 0.5 ? ["fractional_eh_enabled", "has_options"] : ["has_options"],
    };
    assets.push(asset);
    bySymbol.set(symbol, asset);
    byId.set(asset.id, asset);
  }
  // make sure the names used in examples and tests are fully featured
  for (const s of [...OPTION_UNDERLYINGS, "MSFT", "AMZN", "GOOGL", "META", "QQQ"]) {
    const a = bySymbol.get(s);
    if (!a) continue;
    const full: SimAsset = {
      ...a,
      status: "active",
      tradable: true,
      marginable: true,
      shortable: true,
      easy_to_borrow: true,
      borrow_status: "easy_to_borrow",
      fractionable: true,
      ...equityIncrements(true),
    };
    assets[assets.indexOf(a)] = full;
    bySymbol.set(s, full);
    byId.set(full.id, full);
  }

  const crypto = CRYPTO_PAIRS.map((p) => cryptoAsset(p, opts.priceOf(p.symbol)));
  for (const c of crypto) {
    bySymbol.set(c.symbol, c);
    bySymbol.set(c.symbol.replace("/", ""), c);
    byId.set(c.id, c);
  }

  const options = buildOptions(opts, bySymbol);
  const optBySymbol = new Map(options.map((o) => [o.symbol, o]));
  const optById = new Map(options.map((o) => [o.id, o]));
  return {
    assets,
    crypto,
    find: (s) => bySymbol.get(s.toUpperCase()) ?? byId.get(s),
    options,
    findOption: (s) => optBySymbol.get(s.toUpperCase()) ?? optById.get(s),
  };
}

function buildOptions(
  opts: { seed: number; nowMs: number; priceOf: (symbol: string) => number },
  bySymbol: ReadonlyMap<string, SimAsset>,
): SimOptionContract[] {
  const today = easternDate(opts.nowMs);
  // the next four Fridays (moved a day earlier when the Friday is a holiday)
  const expirations: string[] = [];
  for (let d = addDays(today, 1); expirations.length < 4; d = addDays(d, 1)) {
    if (new Date(`${d}T12:00:00Z`).getUTCDay() !== 5) continue;
    expirations.push(tradingDay(d) ? d : addDays(d, -1));
  }
  const out: SimOptionContract[] = [];
  for (const underlying of OPTION_UNDERLYINGS) {
    const asset = bySymbol.get(underlying);
    if (!asset) continue;
    const spot = opts.priceOf(underlying);
    const step = spot < 50 ? 1 : spot < 200 ? 5 : 10;
    const atm = Math.round(spot / step) * step;
    for (const exp of expirations) {
      for (let k = -3; k <= 3; k++) {
        const strike = atm + k * step;
        if (strike <= 0) continue;
        for (const type of ["call", "put"] as const) {
          const yymmdd = exp.slice(2).replaceAll("-", "");
          const occ = `${underlying}${yymmdd}${type === "call" ? "C" : "P"}${String(Math.round(strike * 1000)).padStart(8, "0")}`;
          const intrinsic = Math.max(0, type === "call" ? spot - strike : strike - spot);
          const close = intrinsic + spot * 0.02 * (1 + stableFraction(opts.seed, occ));
          out.push({
            id: stableUuid("option", occ),
            symbol: occ,
            name: `${underlying} ${exp} ${strike} ${type === "call" ? "Call" : "Put"}`,
            status: "active",
            tradable: true,
            expiration_date: exp,
            root_symbol: underlying,
            underlying_symbol: underlying,
            underlying_asset_id: asset.id,
            type,
            style: "american",
            strike_price: strike.toFixed(2),
            multiplier: "100",
            size: "100",
            open_interest: String(Math.floor(stableFraction(opts.seed, occ, "oi") * 20_000)),
            open_interest_date: today,
            close_price: close.toFixed(2),
            close_price_date: today,
          });
        }
      }
    }
  }
  return out;
}
