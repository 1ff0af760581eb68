#!/usr/bin/env node
// Container health check: GET /livez on the loopback, over HTTPS when the server speaks TLS
// (server.tls set) and plain HTTP otherwise. Both are tried at once; either answering 200 is healthy.
// The certificate is not verified: the probe talks to its own process over 127.0.0.1 and only asks
// whether it answers, and the served certificate is for the public name, not 127.0.0.1.
import http from "node:http";
import https from "node:https";

const port = Number(process.env.PADDOCK_PORT || 8080);
const timeoutMs = Number(process.env.PADDOCK_HEALTHCHECK_TIMEOUT_MS || 2500);

function probe(mod, extra) {
  return new Promise((resolve) => {
    const req = mod.get({ host: "127.0.0.1", port, path: "/livez", timeout: timeoutMs, ...extra }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

const tries = [probe(https, { rejectUnauthorized: false }), probe(http, {})];
const ok = await new Promise((resolve) => {
  let pending = tries.length;
  for (const t of tries) {
    t.then((up) => {
      if (up) resolve(true);
      else if (--pending === 0) resolve(false);
    });
  }
});
process.exit(ok ? 0 : 1);
