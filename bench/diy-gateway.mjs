/**
 * The DIY gateway: what a team would write instead of Paddock in an afternoon. A plain Fastify app
 * from four packages with their defaults: `@fastify/jwt` (RS256, the same token Paddock checks,
 * verified in an `onRequest` hook on every request, its `accounts` claim checked against the
 * account in the URL), `@fastify/rate-limit` (in-memory store, one counter per account id),
 * `@fastify/http-proxy` (one registration per account: prefix `/v1/accounts/{id}` stripped,
 * that account's Alpaca key headers added) and Fastify's own request log (`level: info`, its two
 * lines per request, to a file; the proxy's own extra two lines off). No per-key budgets, breakers,
 * retries or metrics.
 *
 *   node bench/diy-gateway.mjs --upstream http://127.0.0.1:P --keys keys.json --public-key jwt-public.pem
 *                              [--issuer paddock] [--log requests.log] [--port 0] [--max 1000000000]
 *
 * keys.json: {"acct-001": {"keyId": "...", "secretKey": "..."}, ...}. Prints `listening <url>`.
 */
import { readFileSync } from "node:fs";
import fastifyHttpProxy from "@fastify/http-proxy";
import fastifyJwt from "@fastify/jwt";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify from "fastify";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const upstream = arg("upstream");
if (!upstream) throw new Error("--upstream is required");
const publicKeyFile = arg("public-key");
if (!publicKeyFile) throw new Error("--public-key is required");
const keys = JSON.parse(readFileSync(arg("keys"), "utf8"));
const issuer = arg("issuer");
const logFile = arg("log");

// Fastify's default request log: "incoming request" and "request completed", one JSON line each
const app = Fastify({ logger: logFile ? { level: "info", file: logFile } : { level: "info" } });

await app.register(fastifyJwt, {
  secret: { public: readFileSync(publicKeyFile, "utf8") },
  verify: { algorithms: ["RS256"], ...(issuer ? { allowedIss: issuer } : {}) },
});

// every route but /livez: a valid token whose `accounts` claim holds "*" or the route's account
app.addHook("onRequest", async (request, reply) => {
  if (request.url === "/livez") return;
  try {
    await request.jwtVerify();
  } catch {
    return reply.code(401).send({ code: 40100, message: "missing or invalid token" });
  }
  const account = request.routeOptions.config.account;
  const granted = request.user.accounts;
  if (account && granted !== "*" && !(Array.isArray(granted) && granted.includes(account))) {
    return reply.code(403).send({ code: 40300, message: "account not in the token's accounts" });
  }
});

// registered before the routes: its onRoute hook adds the limit to each of them
await app.register(fastifyRateLimit, {
  max: Number(arg("max", "1000000000")),
  timeWindow: 60_000,
  keyGenerator: (request) => request.routeOptions.config.account ?? request.ip,
});

for (const [id, key] of Object.entries(keys)) {
  await app.register(fastifyHttpProxy, {
    upstream,
    prefix: `/v1/accounts/${id}`,
    rewritePrefix: "",
    config: { account: id },
    // @fastify/reply-from's own two info lines per request off: the request log is Fastify's two
    disableRequestLogging: true,
    replyOptions: {
      // the account's Alpaca keys in, the gateway's own bearer token out
      rewriteRequestHeaders: (_request, { authorization: _token, ...headers }) => ({
        ...headers,
        "apca-api-key-id": key.keyId,
        "apca-api-secret-key": key.secretKey,
      }),
    },
  });
}

app.get("/livez", { config: { rateLimit: false } }, async () => ({ status: "ok" }));

const url = await app.listen({ port: Number(arg("port", "0")), host: "127.0.0.1" });
process.stdout.write(`listening ${url}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
