/**
 * The one configuration schema: it is the type, the defaults, the validation and
 * the documentation (`paddock config docs` renders docs/configuration.md from it).
 * Every object refuses unknown keys; nothing is coerced.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

/** An encrypted secret (`enc:v1:<keyId>:<payload>`), or plaintext when security.allowPlaintextSecrets is true. */
const Secret = (description: string) =>
  Type.String({
    minLength: 1,
    description: `${description} Stored as \`enc:v1:…\` (see \`paddock keys encrypt\`).`,
  });

export const SCOPES = ["read", "trade", "data", "admin"] as const;
const ScopeSchema = Type.Union(
  SCOPES.map((s) => Type.Literal(s)),
  { description: "One of read, trade, data, admin." },
);
const AccountsClaim = Type.Union([Type.Literal("*"), Type.Array(Type.String({ minLength: 1 }))], {
  description: 'Account ids this client may use, or "*" for all.',
});

const TlsSchema = Type.Object(
  {
    certFile: Type.String({ minLength: 1, description: "PEM certificate chain file." }),
    keyFile: Type.String({ minLength: 1, description: "PEM private key file." }),
    minVersion: Type.Union([Type.Literal("TLSv1.2"), Type.Literal("TLSv1.3")], {
      default: "TLSv1.2",
      description: "Lowest TLS version accepted (1.2 or 1.3).",
    }),
  },
  { ...strict, description: "Serve HTTPS and WSS instead of plain HTTP." },
);

export const ServerSchema = Type.Object(
  {
    host: Type.String({ default: "127.0.0.1", description: "Address to listen on." }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: "Port to listen on." }),
    tls: Type.Optional(TlsSchema),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      default: 1_048_576,
      description: "Largest request body accepted (413 beyond).",
    }),
    trustProxy: Type.Boolean({
      default: false,
      description: "Trust X-Forwarded-* headers from a load balancer.",
    }),
    drainDelayMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 0,
      description:
        "On SIGTERM, how long /readyz answers 503 while the gateway still serves, before it stops accepting " +
        "(load balancers that poll readiness need a few seconds; Kubernetes' preStop hook can wait instead).",
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      default: 10_000,
      description: "How long a graceful shutdown waits for in-flight requests.",
    }),
    workers: Type.Union([Type.Integer({ minimum: 1, maximum: 1024 }), Type.Literal("auto")], {
      default: 1,
      description:
        "Worker processes serving one port (node:cluster), sharing budgets, stream connections, the ledger, " +
        "halts and revocations as separate instances do (without Redis the primary process provides what Redis " +
        'would); "auto" is one per available core (os.availableParallelism()); 1 is a single process. ' +
        '`paddock serve --workers` overrides it. See docs/deploy.md, "All cores".',
    }),
  },
  { ...strict, default: {}, description: "The HTTP and WebSocket listener." },
);

const SigningSchema = Type.Object(
  {
    privateKeyFile: Type.String({
      minLength: 1,
      description: "PEM private key the gateway signs its tokens with.",
    }),
    publicKeyFile: Type.String({
      minLength: 1,
      description: "The matching PEM public key (published in the JWKS).",
    }),
    kid: Type.String({ minLength: 1, default: "paddock-1", description: "Key id put in issued tokens." }),
    algorithm: Type.Union([Type.Literal("RS256"), Type.Literal("ES256"), Type.Literal("EdDSA")], {
      default: "RS256",
      description: "Signing algorithm.",
    }),
  },
  { ...strict, description: "The gateway's own signing key (`paddock token issue`, `POST /v1/auth/token`)." },
);

const ClientSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "OAuth2 client id." }),
    secretHash: Type.String({
      minLength: 1,
      description: "scrypt hash of the client secret (`paddock keys hash-secret`).",
    }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, description: "Scopes the client may request." }),
    accounts: AccountsClaim,
    ttlSeconds: Type.Integer({
      minimum: 60,
      maximum: 86_400,
      default: 3600,
      description: "Lifetime of the tokens issued to it.",
    }),
  },
  strict,
);

export const AuthSchema = Type.Object(
  {
    algorithms: Type.Array(
      Type.Union([
        Type.Literal("RS256"),
        Type.Literal("ES256"),
        Type.Literal("EdDSA"),
        Type.Literal("HS256"),
      ]),
      {
        minItems: 1,
        default: ["RS256"],
        description: "Allow-listed JWT algorithms; `none` is never accepted.",
      },
    ),
    issuer: Type.Optional(Type.String({ minLength: 1, description: "Required `iss` claim, when set." })),
    audience: Type.Optional(Type.String({ minLength: 1, description: "Required `aud` claim, when set." })),
    clockSkewSeconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 30,
      description: "Tolerance for exp/iat/nbf.",
    }),
    maxLifetimeSeconds: Type.Integer({
      minimum: 60,
      maximum: 86_400,
      default: 86_400,
      description: "Longest accepted token lifetime (exp - iat).",
    }),
    maxTokenBytes: Type.Integer({
      minimum: 256,
      maximum: 8192,
      default: 8192,
      description: "Largest accepted token (431 beyond).",
    }),
    signing: Type.Optional(SigningSchema),
    publicKeyFiles: Type.Array(
      Type.Object(
        {
          path: Type.String({ minLength: 1, description: "PEM public key file." }),
          kid: Type.Optional(Type.String({ minLength: 1, description: "Key id it answers to." })),
          alg: Type.Optional(Type.String({ minLength: 1, description: "Algorithm it verifies." })),
        },
        strict,
      ),
      { default: [], description: "Extra public keys of trusted token issuers." },
    ),
    jwksFile: Type.Optional(Type.String({ minLength: 1, description: "A JWKS file of trusted keys." })),
    jwksUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description: "An external identity provider's JWKS URL (cached, refreshed).",
      }),
    ),
    jwksRefreshSeconds: Type.Integer({
      minimum: 10,
      default: 600,
      description: "How often the JWKS URL is refreshed.",
    }),
    hs256Secret: Type.Optional(Secret("Shared HS256 secret (only used when HS256 is allow-listed).")),
    clients: Type.Array(ClientSchema, {
      default: [],
      description: "OAuth2 client-credentials clients for `POST /v1/auth/token`.",
    }),
  },
  { ...strict, default: {}, description: "Who may call the gateway, and with which tokens." },
);

export const UpstreamSchema = Type.Object(
  {
    tradingPaperUrl: Type.String({
      default: "https://paper-api.alpaca.markets",
      description: "Alpaca paper trading REST base.",
    }),
    tradingLiveUrl: Type.String({
      default: "https://api.alpaca.markets",
      description: "Alpaca live trading REST base.",
    }),
    dataUrl: Type.String({
      default: "https://data.alpaca.markets",
      description: "Alpaca market-data REST base.",
    }),
    streamPaperUrl: Type.String({
      default: "wss://paper-api.alpaca.markets/stream",
      description: "Paper trading stream URL.",
    }),
    streamLiveUrl: Type.String({
      default: "wss://api.alpaca.markets/stream",
      description: "Live trading stream URL.",
    }),
    dataStreamUrl: Type.String({
      default: "wss://stream.data.alpaca.markets",
      description: "Market-data stream base; `/v2/{feed}` is appended.",
    }),
    rateLimitPerMinute: Type.Integer({
      minimum: 0,
      default: 200,
      description: "Per-account request budget; 0 turns it off (benchmarks against the simulator only).",
    }),
    connectionsPerAccount: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description: "Keep-alive connections per account pool.",
    }),
    preconnect: Type.Boolean({ default: false, description: "Open each account's connections at start." }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      default: 10_000,
      description: "Upstream request timeout.",
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: "Upstream connect timeout." }),
    proxy: Type.Optional(
      Type.String({ minLength: 1, description: "Outbound proxy URL (else HTTPS_PROXY / NO_PROXY apply)." }),
    ),
    queueMaxWaitMs: Type.Integer({
      minimum: 0,
      default: 5000,
      description: "Longest a request waits for budget before a 429.",
    }),
    queueMaxDepth: Type.Integer({
      minimum: 0,
      default: 500,
      description: "Most requests waiting per account.",
    }),
    maxRetries: Type.Integer({
      minimum: 0,
      maximum: 3,
      default: 3,
      description: "Retries of requests that are safe to repeat.",
    }),
    retryBaseDelayMs: Type.Integer({
      minimum: 1,
      default: 100,
      description: "First backoff delay (doubles).",
    }),
    retryMaxDelayMs: Type.Integer({ minimum: 1, default: 2000, description: "Longest backoff delay." }),
    breakerFailureRatio: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.5,
      description: "Failure share that opens a breaker.",
    }),
    breakerMinimumRequests: Type.Integer({
      minimum: 1,
      default: 10,
      description: "Requests in the window before a breaker may open.",
    }),
    breakerWindowMs: Type.Integer({ minimum: 1000, default: 30_000, description: "Breaker sliding window." }),
    breakerHalfOpenAfterMs: Type.Integer({
      minimum: 100,
      default: 5000,
      description: "Open time before a probe is let through.",
    }),
    hostBreakerAccountShare: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.5,
      description:
        "Share of a host's active accounts whose breakers must be open for the host breaker to open.",
    }),
    hostBreakerMinimumAccounts: Type.Integer({
      minimum: 1,
      default: 3,
      description: "Fewest distinct accounts failing together before the host breaker opens.",
    }),
    clockSkewWarnSeconds: Type.Number({
      minimum: 0,
      default: 2,
      description: "Warn when the upstream clock differs more.",
    }),
  },
  {
    ...strict,
    default: {},
    description: "Alpaca endpoints and the per-account connection, budget and retry policy.",
  },
);

export const CacheSchema = Type.Object(
  {
    redisUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Redis shared by instances (budgets, cache, leases, ledger).",
      }),
    ),
    redisKeyPrefix: Type.String({ default: "paddock:", description: "Prefix of every Redis key." }),
    l1MaxBytes: Type.Integer({
      minimum: 0,
      default: 67_108_864,
      description: "In-process market-data cache size.",
    }),
    l2MaxBytes: Type.Integer({
      minimum: 0,
      maximum: 8_589_934_592,
      default: 1_073_741_824,
      description: "Budget for the Redis level (at most 8 GB).",
    }),
    latestTtlMs: Type.Integer({
      minimum: 0,
      default: 1000,
      description: "TTL of latest values and snapshots.",
    }),
    openBarTtlMs: Type.Integer({
      minimum: 0,
      default: 1000,
      description: "TTL of the current, still-open bar.",
    }),
    closedBarTtlMs: Type.Integer({
      minimum: 0,
      default: 86_400_000,
      description: "TTL of bars of closed periods.",
    }),
    redisFallbackShare: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.34,
      description: "Share of an account's budget an instance may use while Redis is unreachable.",
    }),
  },
  { ...strict, default: {}, description: "Market-data cache and the shared state store." },
);

export const StateSchema = Type.Object(
  {
    dir: Type.String({
      default: "state",
      description:
        "Directory of the embedded state store (`paddock-state.db`, SQLite): the order ledger, halts and token " +
        "revocations, kept across restarts. Relative to the config file; used when no Redis holds the state. " +
        "Instances (or workers) on one machine may share it.",
    }),
    redisUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "A Redis for the durable state only (no eviction, persistence on), when the cache's Redis may evict " +
          "keys. Default: `cache.redisUrl` when set, under `<cache.redisKeyPrefix>state:`.",
      }),
    ),
    pollIntervalMs: Type.Integer({
      minimum: 50,
      maximum: 1000,
      default: 250,
      description: "How often an instance looks for halts and revocations made by other instances.",
    }),
  },
  {
    ...strict,
    default: {},
    description: "Durable state: what must survive a crash and reach every instance.",
  },
);

export const AuditSchema = Type.Object(
  {
    dir: Type.String({ default: "audit", description: "Directory of the JSONL audit files." }),
    durability: Type.Union([Type.Literal("fsync"), Type.Literal("batched")], {
      default: "batched",
      description: "fsync every line, or batch lines with a bounded delay.",
    }),
    batchMaxDelayMs: Type.Integer({ minimum: 1, default: 50, description: "Longest a batched line waits." }),
    rotateMaxBytes: Type.Integer({
      minimum: 0,
      default: 104_857_600,
      description: "Rotate past this size; 0 never.",
    }),
    rotateDaily: Type.Boolean({ default: true, description: "Rotate at midnight UTC." }),
    mqttUrl: Type.Optional(Type.String({ minLength: 1, description: "Also publish each record over MQTT." })),
    mqttTopicPrefix: Type.String({
      default: "paddock/audit",
      description: "Topic prefix; `/<account>` appended (checkpoints: `/_checkpoint/<instanceId>`).",
    }),
    instanceId: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
        description:
          "This instance's chain (`audit-<instanceId>.jsonl`); default: generated once per host and kept in the audit dir.",
      }),
    ),
    required: Type.Boolean({
      default: false,
      description: "Refuse orders while the audit trail cannot be written.",
    }),
    retentionDays: Type.Integer({
      minimum: 1,
      default: 2190,
      description: "Keep rotated audit files this many days (2190 = six years, SEC rule 17a-4).",
    }),
    retentionAction: Type.Union([Type.Literal("report"), Type.Literal("archive")], {
      default: "report",
      description:
        "Files past retention: log them (`report`) or move them to `<dir>/archive/` (`archive`); never deleted.",
    }),
    checkpointEveryRecords: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: "Sign a checkpoint of the chain head at least every this many records.",
    }),
    checkpointIntervalSeconds: Type.Integer({
      minimum: 0,
      default: 300,
      description: "Sign a checkpoint at least this often while records are added; 0 only by count.",
    }),
    checkpointKeyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Ed25519 private key (PKCS#8 PEM) for checkpoints; default: derived from the master key.",
      }),
    ),
  },
  { ...strict, default: {}, description: "The tamper-evident audit trail of trading actions." },
);

export const MarketDataSchema = Type.Object(
  {
    accounts: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: "Accounts whose credentials serve market data; empty means all.",
    }),
    maxSymbols: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 100,
      description: "Most symbols a request.",
    }),
    maxHistoryDays: Type.Integer({
      minimum: 1,
      maximum: 366,
      default: 366,
      description: "Longest history range a request.",
    }),
  },
  { ...strict, default: {}, description: "Market-data routes." },
);

export const StreamsSchema = Type.Object(
  {
    maxClients: Type.Integer({
      minimum: 1,
      default: 500,
      description: "Most WebSocket clients per instance.",
    }),
    maxSymbolsPerClient: Type.Integer({ minimum: 1, default: 100, description: "Most symbols per client." }),
    sendBufferBytes: Type.Integer({
      minimum: 1024,
      default: 4_194_304,
      description: "A client buffering more is dropped as slow.",
    }),
    silenceTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 60_000,
      description: "Reconnect an upstream data stream silent this long while the market is open.",
    }),
    unsubscribeGraceMs: Type.Integer({
      minimum: 0,
      default: 5000,
      description: "Delay before unsubscribing upstream after the last client left.",
    }),
    mqttUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Publish trade updates to `paddock/<account>/trade_updates`.",
      }),
    ),
    recordTradeUpdates: Type.Boolean({
      default: true,
      description:
        "Keep every account's upstream trading stream open (leased: one per account across instances) so " +
        "every fill, cancel and expiry reaches the audit trail with no client connected. `false`: this " +
        "instance opens trading streams only for its clients.",
    }),
    upstreamConnectsPerSecond: Type.Integer({
      minimum: 1,
      default: 50,
      description:
        "Most upstream trading-stream connection attempts per second (opening 1,000 accounts is paced).",
    }),
    maxPendingClients: Type.Integer({
      minimum: 1,
      default: 500,
      description:
        "Most connections waiting to authenticate (not counted in `maxClients`); when full, the oldest is closed.",
    }),
    authTimeoutMs: Type.Integer({
      minimum: 100,
      default: 5000,
      description: "A connection that has not authenticated within this time is closed.",
    }),
  },
  { ...strict, default: {}, description: "WebSocket fan-out." },
);

export const AccountLimitsSchema = Type.Object(
  {
    maxOrderNotional: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Largest order value (qty × price, or notional)." }),
    ),
    maxPositionQty: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Largest position in one symbol." }),
    ),
    symbolAllow: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Only these symbols." }),
    ),
    symbolDeny: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Never these symbols." }),
    ),
    pdtCheck: Type.Boolean({
      default: false,
      description: "Refuse a 4th day trade in 5 days under 25,000 equity before Alpaca does.",
    }),
  },
  { ...strict, default: {}, description: "Pre-trade risk checks for one account." },
);

export const AccountSchema = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$",
      description: "Gateway account id used in routes and tokens.",
    }),
    mode: Type.Union([Type.Literal("paper"), Type.Literal("live")], {
      default: "paper",
      description: "Alpaca environment.",
    }),
    keyId: Secret("Alpaca API key id."),
    secretKey: Secret("Alpaca API secret key."),
    tags: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "Free-form labels." }),
    rateLimitPerMinute: Type.Optional(
      Type.Integer({ minimum: 0, description: "Overrides upstream.rateLimitPerMinute." }),
    ),
    feed: Type.Union([Type.Literal("iex"), Type.Literal("sip")], {
      default: "iex",
      description: "Market-data feed the account is entitled to.",
    }),
    limits: AccountLimitsSchema,
  },
  strict,
);

const SHARD_ID = "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$";

export const ShardDefinitionSchema = Type.Object(
  {
    id: Type.String({ pattern: SHARD_ID, description: "Shard id (letters, digits, `_`, `-`)." }),
    accounts: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: "Account ids of this shard.",
    }),
    tags: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: "Accounts carrying any of these tags belong to this shard.",
    }),
    urls: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description:
          "Where the routing layer reaches this shard (its Service, or each replica), for `paddock shards map`; " +
          "default `http://paddock-<id>:8080` (the chart's Service of the shard).",
      }),
    ),
  },
  strict,
);

export const ShardSchema = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: SHARD_ID,
        description:
          "This replica's shard, one of `shards[].id` (or `PADDOCK_SHARD`): it loads only that shard's accounts, " +
          "registers in the shared Redis and answers the fleet-wide routes for every shard by fanning out. Unset: " +
          "every account (at most 1,000).",
      }),
    ),
    advertiseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The URL other replicas reach this one at (or `PADDOCK_ADVERTISE_URL`); default: the listen address " +
          "(the host name when listening on every interface).",
      }),
    ),
    heartbeatMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2000,
      description: "How often a replica refreshes its registration and reads the others'.",
    }),
    ttlMs: Type.Integer({
      minimum: 300,
      maximum: 300_000,
      default: 10_000,
      description: "A registration not refreshed for this long has expired (at least 3 heartbeats).",
    }),
    fanoutTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 120_000,
      default: 15_000,
      description: "Longest a fan-out hop to another shard may take before that shard is reported missing.",
    }),
  },
  { ...strict, default: {}, description: "This replica's place among the shards." },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSchema,
    security: Type.Object(
      {
        masterKeyFile: Type.Optional(
          Type.String({ minLength: 1, description: "File holding the base64 master key (mode 0600)." }),
        ),
        previousMasterKeyFiles: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: "Older master keys still accepted for decryption during a rotation.",
        }),
        allowPlaintextSecrets: Type.Boolean({
          default: false,
          description: "Accept unencrypted secrets (development only; warns loudly).",
        }),
      },
      { ...strict, default: {}, description: "Secrets at rest." },
    ),
    logging: Type.Object(
      {
        level: Type.Union(
          ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
          { default: "info", description: "Log level." },
        ),
        format: Type.Optional(
          Type.Union([Type.Literal("json"), Type.Literal("pretty")], {
            description:
              "`json` (one object per line) or `pretty` (for people); unset: pretty on a terminal.",
          }),
        ),
      },
      { ...strict, default: {}, description: "Structured JSON logs (pretty on a terminal)." },
    ),
    metrics: Type.Object(
      {
        perAccount: Type.Boolean({
          default: true,
          description:
            "Export per-account series (budget, breaker, upstream requests); off for very large fleets.",
        }),
        tokenFile: Type.Optional(
          Type.String({
            minLength: 1,
            description: "File holding a bearer token that `/metrics` requires (mount it from a Secret).",
          }),
        ),
        port: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 65535,
            description: "Serve `/metrics` on its own plain-HTTP port (and not on the API port).",
          }),
        ),
      },
      { ...strict, default: {}, description: "The Prometheus endpoint `/metrics`." },
    ),
    tracing: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: "OpenTelemetry tracing; the OTLP exporter reads the standard `OTEL_*` variables.",
        }),
        serviceName: Type.String({
          minLength: 1,
          default: "paddock",
          description: "`service.name` of the spans (`OTEL_SERVICE_NAME` wins).",
        }),
      },
      { ...strict, default: {}, description: "Distributed tracing (W3C `traceparent`, OTLP export)." },
    ),
    health: Type.Object(
      {
        intervalMs: Type.Integer({
          minimum: 1000,
          default: 30_000,
          description: "Component health-check interval.",
        }),
      },
      { ...strict, default: {}, description: "Readiness checks." },
    ),
    auth: AuthSchema,
    upstream: UpstreamSchema,
    cache: CacheSchema,
    state: StateSchema,
    audit: AuditSchema,
    marketData: MarketDataSchema,
    streams: StreamsSchema,
    accountsFile: Type.Optional(
      Type.String({ minLength: 1, description: "A YAML file with an `accounts:` list (for large fleets)." }),
    ),
    accounts: Type.Array(AccountSchema, {
      default: [],
      description:
        "The account fleet. One instance serves at most 1,000; a larger list needs `shards` (each at most 1,000).",
    }),
    shards: Type.Array(ShardDefinitionSchema, {
      default: [],
      description:
        "The fleet's shards (the same list for every replica): each account belongs to exactly one, by id or tag.",
    }),
    shard: ShardSchema,
  },
  { ...strict, description: "Paddock configuration." },
);

export type Config = Static<typeof ConfigSchema>;
export type AccountConfig = Static<typeof AccountSchema>;
export type ShardDefinition = Static<typeof ShardDefinitionSchema>;
/** Most accounts one instance serves (DESIGN.md: up to 1,000 per instance). */
export const MAX_ACCOUNTS_PER_INSTANCE = 1000;
export type Scope = (typeof SCOPES)[number];
export type AnySchema = TSchema;
