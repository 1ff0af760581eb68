/**
 * Scenario 1, pass-through: GET /v1/accounts/{id}/v2/account over 100 accounts, through
 *   - the simulator directly (GET /v2/account with each account's key headers),
 *   - the bare proxy (bench/bare-proxy.mjs: Node http + one undici Pool, no features),
 *   - Paddock with everything on (JWT check, budgets, breaker, metrics, info logs to a file).
 * Two loads per target: saturation (as fast as the connections go: throughput and CPU per
 * request) and paced (a fixed rate well under every target's ceiling: the latency a request
 * pays, so "added" is the gateway's own cost, not queueing behind a saturated core).
 */
import { fmt, fmtInt, pick, ratio } from "../lib/format.mjs";
import { runLoad } from "../lib/load.mjs";
import {
  benchKeys,
  gatewayConfig,
  issueToken,
  startBareProxy,
  startGateway,
  startSim,
} from "../lib/stack.mjs";

const ACCOUNTS = 100;

/** The simulator, the bare proxy and Paddock (audit batched) over 100 accounts; orders and fleet reuse it. */
export async function startStack(ctx) {
  const sim = await startSim(ctx);
  const cfg = await gatewayConfig(ctx, { name: "gateway-config", accounts: ACCOUNTS, upstream: sim.url });
  const [proxy, gateway, token] = await Promise.all([
    startBareProxy(ctx, { upstream: sim.url, ids: cfg.ids }),
    startGateway(ctx, { configPath: cfg.configPath }),
    issueToken(cfg.configPath),
  ]);
  return { sim, proxy, gateway, token, ids: cfg.ids };
}

function templates(kind, ids, token) {
  const keys = benchKeys(ids);
  return ids.map((id) =>
    kind === "direct"
      ? {
          method: "GET",
          path: "/v2/account",
          headers: { "apca-api-key-id": keys[id].keyId, "apca-api-secret-key": keys[id].secretKey },
        }
      : {
          method: "GET",
          path: `/v1/accounts/${id}/v2/account`,
          headers: kind === "gateway" ? { authorization: `Bearer ${token}` } : {},
        },
  );
}

/**
 * @param {{connections: number, pacedRate: number, paced?: boolean}} opts  the paced rate is capped at
 *   half of Paddock's throughput measured by a short probe at setup, so that it stays under the ceiling
 *   on a slower or busier machine too
 */
export function passThrough({ connections, pacedRate: maxPacedRate, paced = true }) {
  const targets = ["direct", "bare", "gateway"];
  // the quick run skips the paced load at 1,000 connections to stay under 90 s
  const wantPaced = (ctx) => paced && (!ctx.quick || connections <= 100);
  const measure = async (ctx, target) => {
    const s = ctx.state;
    const server = { direct: s.sim, bare: s.proxy, gateway: s.gateway }[target];
    const spec = {
      url: server.url,
      connections,
      durationS: ctx.durationS,
      warmupS: ctx.warmupS,
      templates: templates(target, s.ids, s.token),
    };
    // CPU of the measured hop first; the simulator's too when it is behind a proxy
    const pids = target === "direct" ? [s.sim.proc.pid] : [server.proc.pid, s.sim.proc.pid];
    const out = { saturation: await runLoad(spec, pids) };
    if (wantPaced(ctx)) {
      out.paced = await runLoad({ ...spec, overallRate: s.pacedRate }, pids);
    }
    return out;
  };
  return {
    name: `pass-through-c${connections}`,
    title: `Pass-through: GET /v1/accounts/{id}/v2/account, ${connections} connections over ${ACCOUNTS} accounts`,
    notes: [
      "Limits raised for the benchmark: the simulator runs with `--rate-limit 0` (no per-key limit); Paddock's " +
        "`upstream.rateLimitPerMinute` is 1,000,000,000 (budgets still enforced, never reached).",
      "Paddock: JWT (RS256) checked on every request, budgets, breakers, retries, metrics, `logging.level: info` " +
        "(one JSON line per request, to a file), 2 preconnected keep-alive connections per account.",
      "Bare proxy: Node `http` + one undici Pool (200 connections) to the simulator, no features.",
      "Saturation (autocannon): each connection sends its next request when the last one answers. Paced (an " +
        "open-loop undici generator in the load process): requests start evenly spaced at a fixed total rate, at " +
        `most ${maxPacedRate} requests/s and at most half of Paddock's throughput in a probe at setup, so under every ` +
        "target's ceiling; 'added' latencies are the paced percentile minus the direct one.",
      "CPU µs/request: utime+stime of the measured process (gateway, bare proxy or simulator) over the measured " +
        "part, from /proc/PID/stat (10 ms ticks), divided by its requests; 'with sim' adds the simulator behind it.",
    ],
    columns: [
      "target",
      "load",
      "req/s",
      "p50 ms",
      "p99 ms",
      "p99 added ms",
      "CPU µs/req",
      "CPU µs/req with sim",
      "non-2xx + errors",
    ],
    async setup(ctx) {
      // one stack for every connection count: the simulator, the bare proxy and Paddock
      const { sim, proxy, gateway, token, ids } = await ctx.once("pass-through-stack", startStack);
      ctx.state = { sim, proxy, gateway, token, ids, pacedRate: maxPacedRate };
      if (wantPaced(ctx)) {
        const probe = await runLoad({
          url: gateway.url,
          connections,
          durationS: Math.max(1, ctx.warmupS),
          warmupS: ctx.warmupS,
          templates: templates("gateway", ids, token),
        });
        ctx.state.pacedRate = Math.max(10, Math.min(maxPacedRate, Math.floor(probe.rps / 2 / 10) * 10));
        ctx.log(`  paced rate ${ctx.state.pacedRate} req/s (probe: Paddock ${Math.round(probe.rps)} req/s)`);
      }
    },
    async baseline(ctx) {
      return { direct: await measure(ctx, "direct"), bare: await measure(ctx, "bare") };
    },
    async load(ctx) {
      return { gateway: await measure(ctx, "gateway") };
    },
    row({ baseline, load, ctx }) {
      const rounds = (target) => (target === "gateway" ? load : baseline).map((r) => r[target]);
      const stat = (target, mode, get) => pick(rounds(target), (r) => (r[mode] ? get(r[mode]) : Number.NaN));
      const rows = [];
      for (const mode of ["saturation", "paced"]) {
        if (!rounds("gateway").some((r) => r[mode])) continue;
        const directP99 = stat("direct", mode, (m) => m.latencyMs.p99);
        for (const target of targets) {
          const p99 = stat(target, mode, (m) => m.latencyMs.p99);
          const cpuOwn = stat(target, mode, (m) => m.cpuUsPerRequest);
          const cpuAll = stat(target, mode, (m) => (m.cpu.reduce((a, c) => a + c.ms, 0) * 1000) / m.requests);
          rows.push([
            { direct: "simulator direct", bare: "bare proxy", gateway: "Paddock" }[target],
            mode === "paced" ? `paced ${ctx.state.pacedRate}/s` : "saturation",
            fmtInt(stat(target, mode, (m) => m.rps)),
            fmt(
              stat(target, mode, (m) => m.latencyMs.p50),
              2,
            ),
            fmt(p99, 2),
            target === "direct" ? "—" : fmt(p99 - directP99, 2),
            fmtInt(cpuOwn),
            fmtInt(cpuAll),
            fmtInt(stat(target, mode, (m) => m.non2xx + m.errors + m.timeouts)),
          ]);
        }
      }
      const rps = (t) => stat(t, "saturation", (m) => m.rps);
      const vsBare = ratio(rps("gateway"), rps("bare"));
      const vsDirect = ratio(rps("gateway"), rps("direct"));
      const summary = [
        {
          text: `Paddock throughput ${fmt(vsBare, 2)}× the bare proxy, ${fmt(vsDirect, 2)}× the simulator direct`,
          ratio: vsBare,
          target: connections === 100 ? "≥ 0.8× the bare proxy" : undefined,
          met: connections === 100 ? vsBare >= 0.8 : undefined,
        },
      ];
      if (rounds("gateway").some((r) => r.paced)) {
        const added =
          stat("gateway", "paced", (m) => m.latencyMs.p99) - stat("direct", "paced", (m) => m.latencyMs.p99);
        const addedBare =
          stat("bare", "paced", (m) => m.latencyMs.p99) - stat("direct", "paced", (m) => m.latencyMs.p99);
        summary.push({
          text: `Paddock adds ${fmt(added, 2)} ms at p99 over direct at ${ctx.state.pacedRate} req/s (bare proxy adds ${fmt(addedBare, 2)} ms)`,
          ratio: ratio(
            stat("gateway", "paced", (m) => m.latencyMs.p99),
            stat("direct", "paced", (m) => m.latencyMs.p99),
          ),
          target: connections === 100 ? "≤ 2 ms added at p99" : undefined,
          met: connections === 100 ? added <= 2 : undefined,
        });
      }
      return { rows, summary };
    },
  };
}
