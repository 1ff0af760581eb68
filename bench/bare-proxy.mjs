/**
 * The bare proxy: the ceiling for a Node gateway. Node `http` in front of one undici Pool to the
 * upstream, mapping `/v1/accounts/{id}/v2/...` to `/v2/...` with that account's Alpaca key headers.
 * No auth, budgets, breakers, retries, metrics or logs: nothing but the hop.
 *
 *   node bench/bare-proxy.mjs --upstream http://127.0.0.1:P --keys keys.json [--port 0] [--connections 200]
 *
 * keys.json: {"acct-001": {"keyId": "...", "secretKey": "..."}, ...}. Prints `listening <url>`.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Pool } from "undici";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const upstream = arg("upstream");
if (!upstream) throw new Error("--upstream is required");
const keys = JSON.parse(readFileSync(arg("keys"), "utf8"));
const pool = new Pool(upstream, { connections: Number(arg("connections", "200")), pipelining: 1 });
const ROUTE = /^\/v1\/accounts\/([^/]+)(\/v2\/.*)$/;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "date"]);

function reply(res, status, message) {
  const body = JSON.stringify({ code: status * 100, message });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer(async (req, res) => {
  const m = ROUTE.exec(req.url ?? "");
  const account = m ? keys[m[1]] : undefined;
  if (!m || !account) return reply(res, 404, "not found");
  try {
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const up = await pool.request({
      method: req.method,
      path: m[2],
      headers: {
        "apca-api-key-id": account.keyId,
        "apca-api-secret-key": account.secretKey,
        ...(hasBody ? { "content-type": req.headers["content-type"] ?? "application/json" } : {}),
      },
      body: hasBody ? req : null,
    });
    const headers = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    const body = Buffer.from(await up.body.arrayBuffer());
    headers["content-length"] = body.length;
    res.writeHead(up.statusCode, headers);
    res.end(body);
  } catch {
    if (!res.headersSent) reply(res, 502, "upstream failed");
    else res.destroy();
  }
});
server.keepAliveTimeout = 72_000;

server.listen(Number(arg("port", "0")), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`listening http://127.0.0.1:${addr.port}\n`);
});
const stop = () => server.close(() => pool.close().then(() => process.exit(0)));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
