/**
 * The crypto pairs the simulator lists (Alpaca's `BASE/QUOTE` symbols), with the reference price
 * level of each path. Crypto trades around the clock: every calendar day is a session. Only USD
 * quotes: pairs quoted in another coin would need coin balances the accounts do not model.
 */

export interface CryptoPair {
  readonly symbol: string;
  readonly name: string;
  /** Reference price in the quote currency. */
  readonly level: number;
}

export const CRYPTO_PAIRS: readonly CryptoPair[] = [
  { symbol: "BTC/USD", name: "Bitcoin / US Dollar", level: 65_000 },
  { symbol: "ETH/USD", name: "Ethereum / US Dollar", level: 3_300 },
  { symbol: "SOL/USD", name: "Solana / US Dollar", level: 150 },
  { symbol: "LTC/USD", name: "Litecoin / US Dollar", level: 80 },
  { symbol: "BCH/USD", name: "Bitcoin Cash / US Dollar", level: 400 },
  { symbol: "AVAX/USD", name: "Avalanche / US Dollar", level: 30 },
  { symbol: "LINK/USD", name: "Chainlink / US Dollar", level: 15 },
  { symbol: "UNI/USD", name: "Uniswap / US Dollar", level: 8 },
  { symbol: "AAVE/USD", name: "Aave / US Dollar", level: 100 },
  { symbol: "DOT/USD", name: "Polkadot / US Dollar", level: 6 },
  { symbol: "XRP/USD", name: "XRP / US Dollar", level: 0.6 },
  { symbol: "DOGE/USD", name: "Dogecoin / US Dollar", level: 0.15 },
  { symbol: "USDT/USD", name: "Tether / US Dollar", level: 1 },
  { symbol: "USDC/USD", name: "USD Coin / US Dollar", level: 1 },
];

/** Crypto symbols contain a slash (`BTC/USD`); clients send it percent-encoded in paths. */
export const isCryptoSymbol = (symbol: string): boolean => symbol.includes("/");

/** `BTCUSD` → `BTC/USD` for a listed pair (positions and some clients use the slashless form). */
export function cryptoSymbolOf(text: string): string | undefined {
  const upper = text.toUpperCase();
  for (const p of CRYPTO_PAIRS)
    if (p.symbol === upper || p.symbol.replace("/", "") === upper) return p.symbol;
  return undefined;
}
