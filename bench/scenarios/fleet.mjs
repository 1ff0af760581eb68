/**
 * Scenario 3, fleet: a gateway with 1,000 accounts and preconnected pools against one with none.
 * Start-up time (spawn → /readyz 200, and → every pool's connections open), resident memory once
 * the pools are up, and memory per account = (RSS with N accounts − RSS with 0) / N.
 */
import { fmt, fmtInt, mb } from "../lib/format.mjs";
import { rssBytes, sleep, socketCount } from "../lib/processes.mjs";
import { gatewayConfig, startGateway } from "../lib/stack.mjs";
import { startStack } from "./pass-through.mjs";

const CONNECTIONS_PER_ACCOUNT = 2; // upstream.connectionsPerAccount's default
const TARGET_MB = 0.3;

async function bootOnce(ctx, { name, configPath, accounts }) {
  // preconnect opens the pools in the background from start-up on: sockets are counted from the
  // spawn, since the simulator closes idle keep-alive connections after 5 s
  const want = accounts * CONNECTIONS_PER_ACCOUNT;
  let poolsMs = want === 0 ? 0 : Number.NaN;
  let maxSockets = 0;
  const count = (pid, elapsedMs) => {
    let n = 0;
    try {
      n = socketCount(pid);
    } catch {
      return; // not started yet
    }
    maxSockets = Math.max(maxSockets, n);
    if (Number.isNaN(poolsMs) && n >= want) poolsMs = elapsedMs;
  };
  const gw = await startGateway(ctx, { name, configPath, timeoutMs: 120_000, onPoll: count });
  const pid = gw.proc.pid;
  const t0 = performance.now();
  while (Number.isNaN(poolsMs) && performance.now() - t0 < 15_000) {
    await sleep(10);
    count(pid, gw.proc.readyMs + (performance.now() - t0));
  }
  await sleep(1000); // let start-up garbage settle before reading RSS
  const rss = rssBytes(pid);
  const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
  const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  await gw.proc.stop();
  ctx.processes.splice(ctx.processes.indexOf(gw.proc), 1);
  return { readyMs: gw.proc.readyMs, poolsMs, sockets: maxSockets, rss, heapUsed };
}

/** @param {{accounts: number}} opts */
export function fleet({ accounts }) {
  return {
    name: "fleet",
    title: `Fleet: ${accounts.toLocaleString("en-US")} accounts with preconnected pools vs none`,
    rounds: 1,
    notes: [
      `\`upstream.preconnect: true\`, ${CONNECTIONS_PER_ACCOUNT} connections per account to the simulator; ` +
        "the configuration is written by `paddock init` (secrets encrypted, decrypted at start).",
      "ready = spawn of `paddock serve` until /readyz answers 200; pools = until the process holds a socket for " +
        "every pool connection (preconnect runs in the background after start); most sockets = the most the " +
        "process held at once (listening socket and the /readyz probe included).",
      "RSS from /proc/PID/status 1 s after the pools are up; heap from /metrics (nodejs_heap_size_used_bytes).",
    ],
    columns: [
      "gateway",
      "ready ms",
      "pools up ms",
      "most sockets",
      "RSS MB",
      "heap used MB",
      "MB per account",
    ],
    async setup(ctx) {
      const { sim } = await ctx.once("pass-through-stack", startStack);
      const [empty, full] = await Promise.all([
        gatewayConfig(ctx, { name: "fleet-0-config", accounts: 0, upstream: sim.url }),
        gatewayConfig(ctx, { name: `fleet-${accounts}-config`, accounts, upstream: sim.url }),
      ]);
      ctx.state = { sim, empty, full };
    },
    async baseline(ctx) {
      return bootOnce(ctx, { name: "gateway-0", configPath: ctx.state.empty.configPath, accounts: 0 });
    },
    async load(ctx) {
      return bootOnce(ctx, { name: `gateway-${accounts}`, configPath: ctx.state.full.configPath, accounts });
    },
    row({ baseline, load }) {
      const b = baseline[0];
      const l = load[0];
      const perAccount = (l.rss - b.rss) / accounts;
      const rows = [
        [
          "0 accounts",
          fmtInt(b.readyMs),
          fmtInt(b.poolsMs),
          fmtInt(b.sockets),
          fmt(mb(b.rss)),
          fmt(mb(b.heapUsed)),
          "—",
        ],
        [
          `${accounts.toLocaleString("en-US")} accounts`,
          fmtInt(l.readyMs),
          fmtInt(l.poolsMs),
          fmtInt(l.sockets),
          fmt(mb(l.rss)),
          fmt(mb(l.heapUsed)),
          fmt(mb(perAccount), 3),
        ],
      ];
      return {
        rows,
        summary: [
          {
            text:
              `${fmt(mb(perAccount), 3)} MB per account (RSS ${fmt(mb(l.rss))} MB vs ${fmt(mb(b.rss))} MB, ` +
              `${fmt(l.rss / b.rss, 2)}×); ready in ${fmtInt(l.readyMs)} ms, pools up in ${fmtInt(l.poolsMs)} ms`,
            ratio: l.rss / b.rss,
            target: `< ${TARGET_MB} MB per account`,
            met: mb(perAccount) < TARGET_MB,
          },
        ],
      };
    },
  };
}
