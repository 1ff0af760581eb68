/**
 * A built-in universe of real US-listed tickers (S&P 500 names and common ETFs), one per line:
 * `SYMBOL|Name|PRIMARY_EXCHANGE`. Attributes (fractionable, shortable, …) are derived from the seed.
 */
export const TICKERS = `AAPL|Apple Inc.|NASDAQ
MSFT|Microsoft Corporation|NASDAQ
NVDA|NVIDIA Corporation|NASDAQ
AMZN|Amazon.com, Inc.|NASDAQ
GOOGL|Alphabet Inc. Class A|NASDAQ
GOOG|Alphabet Inc. Class C|NASDAQ
META|Meta Platforms, Inc.|NASDAQ
TSLA|Tesla, Inc.|NASDAQ
BRK.B|Berkshire Hathaway Inc. Class B|NYSE
AVGO|Broadcom Inc.|NASDAQ
JPM|JPMorgan Chase & Co.|NYSE
LLY|Eli Lilly and Company|NYSE
V|Visa Inc.|NYSE
UNH|UnitedHealth Group Incorporated|NYSE
XOM|Exxon Mobil Corporation|NYSE
MA|Mastercard Incorporated|NYSE
JNJ|Johnson & Johnson|NYSE
PG|The Procter & Gamble Company|NYSE
HD|The Home Depot, Inc.|NYSE
COST|Costco Wholesale Corporation|NASDAQ
MRK|Merck & Co., Inc.|NYSE
ABBV|AbbVie Inc.|NYSE
ADBE|Adobe Inc.|NASDAQ
CRM|Salesforce, Inc.|NYSE
CVX|Chevron Corporation|NYSE
AMD|Advanced Micro Devices, Inc.|NASDAQ
PEP|PepsiCo, Inc.|NASDAQ
KO|The Coca-Cola Company|NYSE
NFLX|Netflix, Inc.|NASDAQ
WMT|Walmart Inc.|NYSE
BAC|Bank of America Corporation|NYSE
TMO|Thermo Fisher Scientific Inc.|NYSE
ACN|Accenture plc|NYSE
MCD|McDonald's Corporation|NYSE
CSCO|Cisco Systems, Inc.|NASDAQ
ABT|Abbott Laboratories|NYSE
LIN|Linde plc|NASDAQ
ORCL|Oracle Corporation|NYSE
INTC|Intel Corporation|NASDAQ
DHR|Danaher Corporation|NYSE
WFC|Wells Fargo & Company|NYSE
DIS|The Walt Disney Company|NYSE
INTU|Intuit Inc.|NASDAQ
VZ|Verizon Communications Inc.|NYSE
CMCSA|Comcast Corporation|NASDAQ
PFE|Pfizer Inc.|NYSE
AMGN|Amgen Inc.|NASDAQ
QCOM|QUALCOMM Incorporated|NASDAQ
TXN|Texas Instruments Incorporated|NASDAQ
IBM|International Business Machines Corporation|NYSE
NOW|ServiceNow, Inc.|NYSE
PM|Philip Morris International Inc.|NYSE
UNP|Union Pacific Corporation|NYSE
CAT|Caterpillar Inc.|NYSE
GE|GE Aerospace|NYSE
SPGI|S&P Global Inc.|NYSE
HON|Honeywell International Inc.|NASDAQ
AMAT|Applied Materials, Inc.|NASDAQ
ISRG|Intuitive Surgical, Inc.|NASDAQ
NEE|NextEra Energy, Inc.|NYSE
LOW|Lowe's Companies, Inc.|NYSE
UBER|Uber Technologies, Inc.|NYSE
GS|The Goldman Sachs Group, Inc.|NYSE
BKNG|Booking Holdings Inc.|NASDAQ
RTX|RTX Corporation|NYSE
PLD|Prologis, Inc.|NYSE
T|AT&T Inc.|NYSE
ELV|Elevance Health, Inc.|NYSE
BLK|BlackRock, Inc.|NYSE
MS|Morgan Stanley|NYSE
SYK|Stryker Corporation|NYSE
AXP|American Express Company|NYSE
COP|ConocoPhillips|NYSE
MDT|Medtronic plc|NYSE
LMT|Lockheed Martin Corporation|NYSE
PGR|The Progressive Corporation|NYSE
TJX|The TJX Companies, Inc.|NYSE
VRTX|Vertex Pharmaceuticals Incorporated|NASDAQ
BMY|Bristol-Myers Squibb Company|NYSE
ETN|Eaton Corporation plc|NYSE
SCHW|The Charles Schwab Corporation|NYSE
C|Citigroup Inc.|NYSE
REGN|Regeneron Pharmaceuticals, Inc.|NASDAQ
MMC|Marsh & McLennan Companies, Inc.|NYSE
BSX|Boston Scientific Corporation|NYSE
ADP|Automatic Data Processing, Inc.|NASDAQ
CB|Chubb Limited|NYSE
MU|Micron Technology, Inc.|NASDAQ
LRCX|Lam Research Corporation|NASDAQ
ADI|Analog Devices, Inc.|NASDAQ
SBUX|Starbucks Corporation|NASDAQ
DE|Deere & Company|NYSE
PANW|Palo Alto Networks, Inc.|NASDAQ
GILD|Gilead Sciences, Inc.|NASDAQ
MDLZ|Mondelez International, Inc.|NASDAQ
KLAC|KLA Corporation|NASDAQ
CI|The Cigna Group|NYSE
FI|Fiserv, Inc.|NYSE
BA|The Boeing Company|NYSE
SNPS|Synopsys, Inc.|NASDAQ
AMT|American Tower Corporation|NYSE
CDNS|Cadence Design Systems, Inc.|NASDAQ
SO|The Southern Company|NYSE
MO|Altria Group, Inc.|NYSE
ICE|Intercontinental Exchange, Inc.|NYSE
DUK|Duke Energy Corporation|NYSE
SHW|The Sherwin-Williams Company|NYSE
ZTS|Zoetis Inc.|NYSE
CL|Colgate-Palmolive Company|NYSE
CME|CME Group Inc.|NASDAQ
EQIX|Equinix, Inc.|NASDAQ
TT|Trane Technologies plc|NYSE
WM|Waste Management, Inc.|NYSE
MCK|McKesson Corporation|NYSE
PH|Parker-Hannifin Corporation|NYSE
ANET|Arista Networks, Inc.|NYSE
CVS|CVS Health Corporation|NYSE
ABNB|Airbnb, Inc.|NASDAQ
MMM|3M Company|NYSE
NOC|Northrop Grumman Corporation|NYSE
TGT|Target Corporation|NYSE
APH|Amphenol Corporation|NYSE
EOG|EOG Resources, Inc.|NYSE
BDX|Becton, Dickinson and Company|NYSE
MSI|Motorola Solutions, Inc.|NYSE
ITW|Illinois Tool Works Inc.|NYSE
CSX|CSX Corporation|NASDAQ
USB|U.S. Bancorp|NYSE
FDX|FedEx Corporation|NYSE
PYPL|PayPal Holdings, Inc.|NASDAQ
HCA|HCA Healthcare, Inc.|NYSE
ORLY|O'Reilly Automotive, Inc.|NASDAQ
PNC|The PNC Financial Services Group, Inc.|NYSE
GD|General Dynamics Corporation|NYSE
MPC|Marathon Petroleum Corporation|NYSE
CTAS|Cintas Corporation|NASDAQ
SLB|Schlumberger Limited|NYSE
ECL|Ecolab Inc.|NYSE
EMR|Emerson Electric Co.|NYSE
NXPI|NXP Semiconductors N.V.|NASDAQ
AON|Aon plc|NYSE
ROP|Roper Technologies, Inc.|NASDAQ
MAR|Marriott International, Inc.|NASDAQ
PSX|Phillips 66|NYSE
FCX|Freeport-McMoRan Inc.|NYSE
WELL|Welltower Inc.|NYSE
APD|Air Products and Chemicals, Inc.|NYSE
NSC|Norfolk Southern Corporation|NYSE
AJG|Arthur J. Gallagher & Co.|NYSE
MCO|Moody's Corporation|NYSE
CARR|Carrier Global Corporation|NYSE
ADSK|Autodesk, Inc.|NASDAQ
COF|Capital One Financial Corporation|NYSE
HLT|Hilton Worldwide Holdings Inc.|NYSE
AZO|AutoZone, Inc.|NYSE
TFC|Truist Financial Corporation|NYSE
TRV|The Travelers Companies, Inc.|NYSE
GM|General Motors Company|NYSE
PCAR|PACCAR Inc|NASDAQ
AFL|Aflac Incorporated|NYSE
OKE|ONEOK, Inc.|NYSE
WMB|The Williams Companies, Inc.|NYSE
DLR|Digital Realty Trust, Inc.|NYSE
SRE|Sempra|NYSE
CPRT|Copart, Inc.|NASDAQ
ROST|Ross Stores, Inc.|NASDAQ
SPG|Simon Property Group, Inc.|NYSE
AEP|American Electric Power Company, Inc.|NASDAQ
BK|The Bank of New York Mellon Corporation|NYSE
VLO|Valero Energy Corporation|NYSE
PSA|Public Storage|NYSE
MET|MetLife, Inc.|NYSE
CHTR|Charter Communications, Inc.|NASDAQ
KMB|Kimberly-Clark Corporation|NASDAQ
O|Realty Income Corporation|NYSE
FTNT|Fortinet, Inc.|NASDAQ
ALL|The Allstate Corporation|NYSE
D|Dominion Energy, Inc.|NYSE
GWW|W.W. Grainger, Inc.|NYSE
PAYX|Paychex, Inc.|NASDAQ
AMP|Ameriprise Financial, Inc.|NYSE
TEL|TE Connectivity Ltd.|NYSE
MNST|Monster Beverage Corporation|NASDAQ
LHX|L3Harris Technologies, Inc.|NYSE
KMI|Kinder Morgan, Inc.|NYSE
FAST|Fastenal Company|NASDAQ
JCI|Johnson Controls International plc|NYSE
DHI|D.R. Horton, Inc.|NYSE
CMI|Cummins Inc.|NYSE
AIG|American International Group, Inc.|NYSE
MSCI|MSCI Inc.|NYSE
URI|United Rentals, Inc.|NYSE
HUM|Humana Inc.|NYSE
LEN|Lennar Corporation|NYSE
CCI|Crown Castle Inc.|NYSE
FIS|Fidelity National Information Services, Inc.|NYSE
PRU|Prudential Financial, Inc.|NYSE
KVUE|Kenvue Inc.|NYSE
PWR|Quanta Services, Inc.|NYSE
PCG|PG&E Corporation|NYSE
ODFL|Old Dominion Freight Line, Inc.|NASDAQ
IQV|IQVIA Holdings Inc.|NYSE
A|Agilent Technologies, Inc.|NYSE
OTIS|Otis Worldwide Corporation|NYSE
CTVA|Corteva, Inc.|NYSE
F|Ford Motor Company|NYSE
STZ|Constellation Brands, Inc.|NYSE
IDXX|IDEXX Laboratories, Inc.|NASDAQ
GIS|General Mills, Inc.|NYSE
EW|Edwards Lifesciences Corporation|NYSE
VRSK|Verisk Analytics, Inc.|NASDAQ
KR|The Kroger Co.|NYSE
EXC|Exelon Corporation|NASDAQ
YUM|Yum! Brands, Inc.|NYSE
CTSH|Cognizant Technology Solutions Corporation|NASDAQ
HES|Hess Corporation|NYSE
SYY|Sysco Corporation|NYSE
IT|Gartner, Inc.|NYSE
GEHC|GE HealthCare Technologies Inc.|NASDAQ
AME|AMETEK, Inc.|NYSE
NUE|Nucor Corporation|NYSE
EA|Electronic Arts Inc.|NASDAQ
ACGL|Arch Capital Group Ltd.|NASDAQ
CBRE|CBRE Group, Inc.|NYSE
MCHP|Microchip Technology Incorporated|NASDAQ
DOW|Dow Inc.|NYSE
KDP|Keurig Dr Pepper Inc.|NASDAQ
RSG|Republic Services, Inc.|NYSE
MLM|Martin Marietta Materials, Inc.|NYSE
VMC|Vulcan Materials Company|NYSE
DD|DuPont de Nemours, Inc.|NYSE
HPQ|HP Inc.|NYSE
IR|Ingersoll Rand Inc.|NYSE
XEL|Xcel Energy Inc.|NASDAQ
ED|Consolidated Edison, Inc.|NYSE
EXR|Extra Space Storage Inc.|NYSE
DFS|Discover Financial Services|NYSE
GLW|Corning Incorporated|NYSE
HIG|The Hartford Financial Services Group, Inc.|NYSE
OXY|Occidental Petroleum Corporation|NYSE
VICI|VICI Properties Inc.|NYSE
EFX|Equifax Inc.|NYSE
BKR|Baker Hughes Company|NASDAQ
HAL|Halliburton Company|NYSE
RMD|ResMed Inc.|NYSE
IRM|Iron Mountain Incorporated|NYSE
DAL|Delta Air Lines, Inc.|NYSE
CNC|Centene Corporation|NYSE
XYL|Xylem Inc.|NYSE
ON|ON Semiconductor Corporation|NASDAQ
EIX|Edison International|NYSE
AVB|AvalonBay Communities, Inc.|NYSE
HSY|The Hershey Company|NYSE
WAB|Westinghouse Air Brake Technologies Corporation|NYSE
CDW|CDW Corporation|NASDAQ
MTD|Mettler-Toledo International Inc.|NYSE
TRGP|Targa Resources Corp.|NYSE
FANG|Diamondback Energy, Inc.|NASDAQ
WEC|WEC Energy Group, Inc.|NYSE
LULU|Lululemon Athletica Inc.|NASDAQ
ROK|Rockwell Automation, Inc.|NYSE
TSCO|Tractor Supply Company|NASDAQ
PPG|PPG Industries, Inc.|NYSE
EBAY|eBay Inc.|NASDAQ
CSGP|CoStar Group, Inc.|NASDAQ
FITB|Fifth Third Bancorp|NASDAQ
KHC|The Kraft Heinz Company|NASDAQ
GRMN|Garmin Ltd.|NYSE
MTB|M&T Bank Corporation|NYSE
ADM|Archer-Daniels-Midland Company|NYSE
ANSS|ANSYS, Inc.|NASDAQ
NDAQ|Nasdaq, Inc.|NASDAQ
BIIB|Biogen Inc.|NASDAQ
AWK|American Water Works Company, Inc.|NYSE
DXCM|DexCom, Inc.|NASDAQ
KEYS|Keysight Technologies, Inc.|NYSE
TTWO|Take-Two Interactive Software, Inc.|NASDAQ
EQR|Equity Residential|NYSE
PHM|PulteGroup, Inc.|NYSE
ETR|Entergy Corporation|NYSE
DTE|DTE Energy Company|NYSE
HPE|Hewlett Packard Enterprise Company|NYSE
CAH|Cardinal Health, Inc.|NYSE
FTV|Fortive Corporation|NYSE
STT|State Street Corporation|NYSE
NVR|NVR, Inc.|NYSE
BRO|Brown & Brown, Inc.|NYSE
GPN|Global Payments Inc.|NYSE
IFF|International Flavors & Fragrances Inc.|NYSE
TROW|T. Rowe Price Group, Inc.|NASDAQ
DOV|Dover Corporation|NYSE
VLTO|Veralto Corporation|NYSE
SBAC|SBA Communications Corporation|NASDAQ
CHD|Church & Dwight Co., Inc.|NYSE
TYL|Tyler Technologies, Inc.|NYSE
HUBB|Hubbell Incorporated|NYSE
PPL|PPL Corporation|NYSE
AEE|Ameren Corporation|NYSE
WY|Weyerhaeuser Company|NYSE
RJF|Raymond James Financial, Inc.|NYSE
SW|Smurfit Westrock plc|NYSE
DVN|Devon Energy Corporation|NYSE
WST|West Pharmaceutical Services, Inc.|NYSE
HBAN|Huntington Bancshares Incorporated|NASDAQ
FE|FirstEnergy Corp.|NYSE
ZBH|Zimmer Biomet Holdings, Inc.|NYSE
ES|Eversource Energy|NYSE
LYB|LyondellBasell Industries N.V.|NYSE
NTAP|NetApp, Inc.|NASDAQ
CINF|Cincinnati Financial Corporation|NASDAQ
PTC|PTC Inc.|NASDAQ
STE|STERIS plc|NYSE
LDOS|Leidos Holdings, Inc.|NYSE
WDC|Western Digital Corporation|NASDAQ
INVH|Invitation Homes Inc.|NYSE
CPAY|Corpay, Inc.|NYSE
RF|Regions Financial Corporation|NYSE
CMS|CMS Energy Corporation|NYSE
STX|Seagate Technology Holdings plc|NASDAQ
TER|Teradyne, Inc.|NASDAQ
WAT|Waters Corporation|NYSE
K|Kellanova|NYSE
CBOE|Cboe Global Markets, Inc.|BATS
ATO|Atmos Energy Corporation|NYSE
BLDR|Builders FirstSource, Inc.|NYSE
LH|Labcorp Holdings Inc.|NYSE
BALL|Ball Corporation|NYSE
SMCI|Super Micro Computer, Inc.|NASDAQ
MKC|McCormick & Company, Incorporated|NYSE
CTRA|Coterra Energy Inc.|NYSE
ESS|Essex Property Trust, Inc.|NYSE
PFG|Principal Financial Group, Inc.|NASDAQ
HOLX|Hologic, Inc.|NASDAQ
WBD|Warner Bros. Discovery, Inc.|NASDAQ
CLX|The Clorox Company|NYSE
NTRS|Northern Trust Corporation|NASDAQ
FSLR|First Solar, Inc.|NASDAQ
CFG|Citizens Financial Group, Inc.|NYSE
MOH|Molina Healthcare, Inc.|NYSE
OMC|Omnicom Group Inc.|NYSE
ZBRA|Zebra Technologies Corporation|NASDAQ
DRI|Darden Restaurants, Inc.|NYSE
ULTA|Ulta Beauty, Inc.|NASDAQ
MAA|Mid-America Apartment Communities, Inc.|NYSE
LUV|Southwest Airlines Co.|NYSE
J|Jacobs Solutions Inc.|NYSE
PKG|Packaging Corporation of America|NYSE
APTV|Aptiv PLC|NYSE
EXPD|Expeditors International of Washington, Inc.|NASDAQ
BBY|Best Buy Co., Inc.|NYSE
TXT|Textron Inc.|NYSE
DGX|Quest Diagnostics Incorporated|NYSE
AVY|Avery Dennison Corporation|NYSE
COO|The Cooper Companies, Inc.|NASDAQ
EG|Everest Group, Ltd.|NYSE
FDS|FactSet Research Systems Inc.|NYSE
STLD|Steel Dynamics, Inc.|NASDAQ
ALGN|Align Technology, Inc.|NASDAQ
IP|International Paper Company|NYSE
EXPE|Expedia Group, Inc.|NASDAQ
UAL|United Airlines Holdings, Inc.|NASDAQ
CCL|Carnival Corporation|NYSE
NRG|NRG Energy, Inc.|NYSE
MAS|Masco Corporation|NYSE
KEY|KeyCorp|NYSE
GPC|Genuine Parts Company|NYSE
LVS|Las Vegas Sands Corp.|NYSE
VRSN|VeriSign, Inc.|NASDAQ
SNA|Snap-on Incorporated|NYSE
DPZ|Domino's Pizza, Inc.|NASDAQ
IEX|IDEX Corporation|NYSE
TSN|Tyson Foods, Inc.|NYSE
CAG|Conagra Brands, Inc.|NYSE
SWKS|Skyworks Solutions, Inc.|NASDAQ
ENPH|Enphase Energy, Inc.|NASDAQ
AKAM|Akamai Technologies, Inc.|NASDAQ
L|Loews Corporation|NYSE
KIM|Kimco Realty Corporation|NYSE
LNT|Alliant Energy Corporation|NASDAQ
NI|NiSource Inc.|NYSE
POOL|Pool Corporation|NASDAQ
JBHT|J.B. Hunt Transport Services, Inc.|NASDAQ
TRMB|Trimble Inc.|NASDAQ
AMCR|Amcor plc|NYSE
DOC|Healthpeak Properties, Inc.|NYSE
RVTY|Revvity, Inc.|NYSE
EVRG|Evergy, Inc.|NASDAQ
UDR|UDR, Inc.|NYSE
CF|CF Industries Holdings, Inc.|NYSE
SJM|The J. M. Smucker Company|NYSE
NDSN|Nordson Corporation|NASDAQ
JKHY|Jack Henry & Associates, Inc.|NASDAQ
VTRS|Viatris Inc.|NASDAQ
CPT|Camden Property Trust|NYSE
ROL|Rollins, Inc.|NYSE
HST|Host Hotels & Resorts, Inc.|NASDAQ
EMN|Eastman Chemical Company|NYSE
BG|Bunge Global SA|NYSE
PNR|Pentair plc|NYSE
JNPR|Juniper Networks, Inc.|NYSE
ALLE|Allegion plc|NYSE
INCY|Incyte Corporation|NASDAQ
KMX|CarMax, Inc.|NYSE
LW|Lamb Weston Holdings, Inc.|NYSE
REG|Regency Centers Corporation|NASDAQ
FFIV|F5, Inc.|NASDAQ
TECH|Bio-Techne Corporation|NASDAQ
EPAM|EPAM Systems, Inc.|NYSE
CHRW|C.H. Robinson Worldwide, Inc.|NASDAQ
UHS|Universal Health Services, Inc.|NYSE
CTLT|Catalent, Inc.|NYSE
TAP|Molson Coors Beverage Company|NYSE
HII|Huntington Ingalls Industries, Inc.|NYSE
AIZ|Assurant, Inc.|NYSE
SOLV|Solventum Corporation|NYSE
CRL|Charles River Laboratories International, Inc.|NYSE
TPR|Tapestry, Inc.|NYSE
GL|Globe Life Inc.|NYSE
BXP|BXP, Inc.|NYSE
MGM|MGM Resorts International|NYSE
AOS|A. O. Smith Corporation|NYSE
HSIC|Henry Schein, Inc.|NASDAQ
PNW|Pinnacle West Capital Corporation|NYSE
LKQ|LKQ Corporation|NASDAQ
FRT|Federal Realty Investment Trust|NYSE
MKTX|MarketAxess Holdings Inc.|NASDAQ
CPB|Campbell's Company|NASDAQ
DAY|Dayforce, Inc.|NYSE
HRL|Hormel Foods Corporation|NYSE
WYNN|Wynn Resorts, Limited|NASDAQ
NWSA|News Corporation Class A|NASDAQ
NWS|News Corporation Class B|NASDAQ
APA|APA Corporation|NASDAQ
MOS|The Mosaic Company|NYSE
BWA|BorgWarner Inc.|NYSE
FMC|FMC Corporation|NYSE
MTCH|Match Group, Inc.|NASDAQ
PAYC|Paycom Software, Inc.|NYSE
BF.B|Brown-Forman Corporation Class B|NYSE
HAS|Hasbro, Inc.|NASDAQ
CZR|Caesars Entertainment, Inc.|NASDAQ
IVZ|Invesco Ltd.|NYSE
GNRC|Generac Holdings Inc.|NYSE
BEN|Franklin Resources, Inc.|NYSE
MHK|Mohawk Industries, Inc.|NYSE
DVA|DaVita Inc.|NYSE
PARA|Paramount Global Class B|NASDAQ
QRVO|Qorvo, Inc.|NASDAQ
RL|Ralph Lauren Corporation|NYSE
ETSY|Etsy, Inc.|NASDAQ
WBA|Walgreens Boots Alliance, Inc.|NASDAQ
AAL|American Airlines Group Inc.|NASDAQ
NCLH|Norwegian Cruise Line Holdings Ltd.|NYSE
FOXA|Fox Corporation Class A|NASDAQ
FOX|Fox Corporation Class B|NASDAQ
IPG|The Interpublic Group of Companies, Inc.|NYSE
ALB|Albemarle Corporation|NYSE
ZION|Zions Bancorporation, N.A.|NASDAQ
COR|Cencora, Inc.|NYSE
GDDY|GoDaddy Inc.|NYSE
PLTR|Palantir Technologies Inc.|NASDAQ
DECK|Deckers Outdoor Corporation|NYSE
KKR|KKR & Co. Inc.|NYSE
CRWD|CrowdStrike Holdings, Inc.|NASDAQ
GEV|GE Vernova Inc.|NYSE
TPL|Texas Pacific Land Corporation|NYSE
ERIE|Erie Indemnity Company|NASDAQ
DELL|Dell Technologies Inc.|NYSE
AXON|Axon Enterprise, Inc.|NASDAQ
BX|Blackstone Inc.|NYSE
WTW|Willis Towers Watson plc|NASDAQ
CEG|Constellation Energy Corporation|NASDAQ
VST|Vistra Corp.|NYSE
DASH|DoorDash, Inc.|NASDAQ
TTD|The Trade Desk, Inc.|NASDAQ
COIN|Coinbase Global, Inc.|NASDAQ
APO|Apollo Global Management, Inc.|NYSE
WDAY|Workday, Inc.|NASDAQ
HWM|Howmet Aerospace Inc.|NYSE
LYV|Live Nation Entertainment, Inc.|NYSE
EXE|Expand Energy Corporation|NASDAQ
JBL|Jabil Inc.|NYSE
BR|Broadridge Financial Solutions, Inc.|NYSE
SYF|Synchrony Financial|NYSE
MPWR|Monolithic Power Systems, Inc.|NASDAQ
FICO|Fair Isaac Corporation|NYSE
EL|The Estee Lauder Companies Inc.|NYSE
NEM|Newmont Corporation|NYSE
HRB|H&R Block, Inc.|NYSE
SHOP|Shopify Inc.|NASDAQ
SNOW|Snowflake Inc.|NYSE
SQ|Block, Inc.|NYSE
ROKU|Roku, Inc.|NASDAQ
SPOT|Spotify Technology S.A.|NYSE
ZM|Zoom Communications, Inc.|NASDAQ
DOCU|DocuSign, Inc.|NASDAQ
NET|Cloudflare, Inc.|NYSE
DDOG|Datadog, Inc.|NASDAQ
MDB|MongoDB, Inc.|NASDAQ
OKTA|Okta, Inc.|NASDAQ
TEAM|Atlassian Corporation|NASDAQ
ZS|Zscaler, Inc.|NASDAQ
HOOD|Robinhood Markets, Inc.|NASDAQ
RIVN|Rivian Automotive, Inc.|NASDAQ
LCID|Lucid Group, Inc.|NASDAQ
SOFI|SoFi Technologies, Inc.|NASDAQ
MARA|MARA Holdings, Inc.|NASDAQ
RIOT|Riot Platforms, Inc.|NASDAQ
GME|GameStop Corp.|NYSE
AMC|AMC Entertainment Holdings, Inc.|NYSE
PINS|Pinterest, Inc.|NYSE
SNAP|Snap Inc.|NYSE
RBLX|Roblox Corporation|NYSE
U|Unity Software Inc.|NYSE
ARM|Arm Holdings plc|NASDAQ
MRNA|Moderna, Inc.|NASDAQ
NIO|NIO Inc.|NYSE
BABA|Alibaba Group Holding Limited|NYSE
TSM|Taiwan Semiconductor Manufacturing Company Limited|NYSE
ASML|ASML Holding N.V.|NASDAQ
SPY|SPDR S&P 500 ETF Trust|ARCA
QQQ|Invesco QQQ Trust, Series 1|NASDAQ
IWM|iShares Russell 2000 ETF|ARCA
DIA|SPDR Dow Jones Industrial Average ETF Trust|ARCA
VOO|Vanguard S&P 500 ETF|ARCA
VTI|Vanguard Total Stock Market ETF|ARCA
GLD|SPDR Gold Shares|ARCA
SLV|iShares Silver Trust|ARCA
TLT|iShares 20+ Year Treasury Bond ETF|NASDAQ
XLF|Financial Select Sector SPDR Fund|ARCA
XLE|Energy Select Sector SPDR Fund|ARCA
XLK|Technology Select Sector SPDR Fund|ARCA
XLV|Health Care Select Sector SPDR Fund|ARCA
EEM|iShares MSCI Emerging Markets ETF|ARCA
EFA|iShares MSCI EAFE ETF|ARCA
HYG|iShares iBoxx $ High Yield Corporate Bond ETF|ARCA
LQD|iShares iBoxx $ Investment Grade Corporate Bond ETF|ARCA
ARKK|ARK Innovation ETF|ARCA
SMH|VanEck Semiconductor ETF|NASDAQ
SOXL|Direxion Daily Semiconductor Bull 3X Shares|ARCA
TQQQ|ProShares UltraPro QQQ|NASDAQ
SQQQ|ProShares UltraPro Short QQQ|NASDAQ
UVXY|ProShares Ultra VIX Short-Term Futures ETF|BATS
VXX|iPath Series B S&P 500 VIX Short-Term Futures ETN|BATS
IAU|iShares Gold Trust|ARCA
GDX|VanEck Gold Miners ETF|ARCA
USO|United States Oil Fund, LP|ARCA
KRE|SPDR S&P Regional Banking ETF|ARCA
XBI|SPDR S&P Biotech ETF|ARCA
IEF|iShares 7-10 Year Treasury Bond ETF|NASDAQ
SCHD|Schwab U.S. Dividend Equity ETF|ARCA
VNQ|Vanguard Real Estate ETF|ARCA
BND|Vanguard Total Bond Market ETF|NASDAQ
AGG|iShares Core U.S. Aggregate Bond ETF|ARCA
IVV|iShares Core S&P 500 ETF|ARCA
RSP|Invesco S&P 500 Equal Weight ETF|ARCA
IBIT|iShares Bitcoin Trust ETF|NASDAQ
SIRI|Sirius XM Holdings Inc.|NASDAQ
PLUG|Plug Power Inc.|NASDAQ
NOK|Nokia Oyj|NYSE
BB|BlackBerry Limited|NYSE
GPRO|GoPro, Inc.|NASDAQ
CLOV|Clover Health Investments, Corp.|NASDAQ
UWMC|UWM Holdings Corporation|NYSE
CHPT|ChargePoint Holdings, Inc.|NYSE
`;
