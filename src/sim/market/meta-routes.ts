/**
 * Market-data reference tables: `/v2/stocks/meta/exchanges`, `/v2/stocks/meta/conditions/{trade|quote}`
 * (with the required `tape` A, B or C), `/v1beta1/options/meta/exchanges` and
 * `/v1beta1/options/meta/conditions/{trade|quote}`. The codes are the SIP and OPRA participant and
 * condition codes; every code the simulated tape uses is listed.
 */
import type { SimRequest, SimRouter } from "../contract.js";
import { ParamError, wrap } from "./params.js";

const STOCK_EXCHANGES: Readonly<Record<string, string>> = {
  A: "NYSE American (AMEX)",
  B: "NASDAQ OMX BX",
  C: "National Stock Exchange",
  D: "FINRA ADF",
  E: "Market Independent",
  H: "MIAX",
  I: "International Securities Exchange",
  J: "Cboe EDGA",
  K: "Cboe EDGX",
  L: "Long Term Stock Exchange",
  M: "Chicago Stock Exchange",
  N: "New York Stock Exchange",
  P: "NYSE Arca",
  Q: "NASDAQ OMX",
  S: "NASDAQ Small Cap",
  T: "NASDAQ Int",
  U: "Members Exchange",
  V: "IEX",
  W: "CBOE",
  X: "NASDAQ OMX PSX",
  Y: "Cboe BYX",
  Z: "Cboe BZX",
};

const STOCK_TRADE_CONDITIONS: Readonly<Record<string, string>> = {
  " ": "Regular Sale",
  "@": "Regular Sale",
  A: "Acquisition",
  B: "Bunched Trade",
  C: "Cash Sale",
  D: "Distribution",
  E: "Placeholder",
  F: "Intermarket Sweep",
  G: "Bunched Sold Trade",
  H: "Price Variation Trade",
  I: "Odd Lot Trade",
  K: "Rule 155 Trade (AMEX)",
  L: "Sold Last",
  M: "Market Center Official Close",
  N: "Next Day",
  O: "Market Center Opening Trade",
  P: "Prior Reference Price",
  Q: "Market Center Official Open",
  R: "Seller",
  S: "Split Trade",
  T: "Form T",
  U: "Extended Trading Hours (Sold Out of Sequence)",
  V: "Contingent Trade",
  W: "Average Price Trade",
  X: "Cross/Periodic Auction Trade",
  Y: "Yellow Flag Regular Trade",
  Z: "Sold (Out of Sequence)",
  "1": "Stopped Stock (Regular Trade)",
  "4": "Derivatively Priced",
  "5": "Re-Opening Prints",
  "6": "Closing Prints",
  "7": "Qualified Contingent Trade (QCT)",
  "8": "Placeholder for 611 Exempt",
  "9": "Corrected Consolidated Close (Per Listing Market)",
};

const STOCK_QUOTE_CONDITIONS: Readonly<Record<string, string>> = {
  A: "Slow Quote Offer Side",
  B: "Slow Quote Bid Side",
  C: "Closing Quote",
  E: "Slow Quote LRP Bid Side",
  F: "Slow Quote LRP Offer Side",
  H: "Slow Quote Bid And Offer Side",
  L: "Market Maker Quotes Closed",
  N: "Non Firm Quote",
  O: "Opening Quote",
  R: "Regular Market Maker Open",
  U: "Slow Quote LRP Bid And Offer",
  W: "Slow Quote Set Slow List",
  "4": "On Demand Intra Day Auction",
};

const OPTION_EXCHANGES: Readonly<Record<string, string>> = {
  A: "NYSE American Options",
  B: "BOX Options Exchange",
  C: "Cboe Options Exchange",
  D: "Nasdaq ISE Gemini",
  E: "Cboe EDGX Options",
  H: "MIAX Pearl",
  I: "Nasdaq ISE",
  J: "Nasdaq ISE Mercury",
  K: "Cboe EDGX Options (legacy code)",
  M: "MIAX Options Exchange",
  N: "NYSE Arca Options",
  P: "MIAX Emerald",
  Q: "Nasdaq Options Market",
  T: "Nasdaq BX Options",
  U: "MEMX Options",
  V: "MIAX Sapphire",
  W: "Cboe C2 Options",
  X: "Nasdaq PHLX",
  Z: "Cboe BZX Options",
};

const OPTION_TRADE_CONDITIONS: Readonly<Record<string, string>> = {
  a: "Single Leg Auction Non ISO",
  b: "Single Leg Auction ISO",
  c: "Single Leg Cross Non ISO",
  d: "Single Leg Cross ISO",
  e: "Single Leg Floor Trade",
  f: "Multi Leg auto-electronic trade",
  g: "Multi Leg Auction",
  h: "Multi Leg Cross",
  i: "Multi Leg floor trade",
  I: "Automatic Execution",
  S: "ISO (Intermarket Sweep)",
  j: "Multi Leg auto-electronic trade against single leg(s)",
  k: "Stock Options Auction",
  l: "Multi Leg Auction against single leg(s)",
  m: "Multi Leg Floor Trade against single leg(s)",
  n: "Stock Options auto-electronic trade",
  o: "Stock Options Cross",
  p: "Stock Options Floor Trade",
};

const OPTION_QUOTE_CONDITIONS: Readonly<Record<string, string>> = {
  A: "Regular",
  B: "Bid side not firm",
  C: "Offer side not firm",
  F: "Fast Trading",
  I: "Quote not eligible for last sale",
  R: "Rotation",
  T: "Trading Halted",
};

function tickType(req: SimRequest): "trade" | "quote" {
  const t = req.params.ticktype ?? "";
  if (t !== "trade" && t !== "quote")
    throw new ParamError(400, `invalid ticktype: ${JSON.stringify(t)} (trade or quote)`);
  return t;
}

export function registerMetaRoutes(router: SimRouter): void {
  router.add("GET", "/v2/stocks/meta/exchanges", () => ({ status: 200, body: STOCK_EXCHANGES }));
  router.add(
    "GET",
    "/v2/stocks/meta/conditions/:ticktype",
    wrap((req) => {
      const type = tickType(req);
      const tape = req.query.get("tape");
      if (tape !== "A" && tape !== "B" && tape !== "C")
        throw new ParamError(400, `invalid tape: ${JSON.stringify(tape)} (A, B or C; required)`);
      return { status: 200, body: type === "trade" ? STOCK_TRADE_CONDITIONS : STOCK_QUOTE_CONDITIONS };
    }),
  );
  router.add("GET", "/v1beta1/options/meta/exchanges", () => ({ status: 200, body: OPTION_EXCHANGES }));
  router.add(
    "GET",
    "/v1beta1/options/meta/conditions/:ticktype",
    wrap((req) => ({
      status: 200,
      body: tickType(req) === "trade" ? OPTION_TRADE_CONDITIONS : OPTION_QUOTE_CONDITIONS,
    })),
  );
}
