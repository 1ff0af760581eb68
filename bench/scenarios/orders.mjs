/**
 * Scenario 2, orders: market-order submission (POST .../v2/orders, a distinct client_order_id each,
 * spread over 100 accounts) with the audit trail on, once per durability mode (`fsync`: each record
 * fdatasync'd before the answer; `batched`: records grouped, 50 ms at most), against the simulator
 * directly and the bare proxy. Paced, so the latencies are what one order pays, not queueing.
 */
import { fmt, fmtInt, pick } from "../lib/format.mjs";
import { runLoad } from "../lib/load.mjs";
import { benchKeys, gatewayConfig, issueToken, startGateway } from "../lib/stack.mjs";
import { startStack } from "./pass-through.mjs";

const ACCOUNTS = 100;
const BODY =
  '{"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day","client_order_id":"bench-{{seq}}"}';
const JSON_TYPE = { "content-type": "application/json" };

function templates(kind, ids, token) {
  const keys = benchKeys(ids);
  return ids.map((id) =>
    kind === "direct"
      ? {
          method: "POST",
          path: "/v2/orders",
          headers: {
            ...JSON_TYPE,
            "apca-api-key-id": keys[id].keyId,
            "apca-api-secret-key": keys[id].secretKey,
          },
          body: BODY,
        }
      : {
          method: "POST",
          path: `/v1/accounts/${id}/v2/orders`,
          headers: kind === "bare" ? JSON_TYPE : { ...JSON_TYPE, authorization: `Bearer ${token}` },
          body: BODY,
        },
  );
}

const LABELS = {
  direct: "simulator direct",
  bare: "bare proxy",
  fsync: "Paddock, audit fsync",
  batched: "Paddock, audit batched",
};

/** @param {{connections: number, pacedRate: number}} opts */
export function orders({ connections, pacedRate }) {
  const measure = (ctx, target) => {
    const s = ctx.state;
    const server = { direct: s.sim, bare: s.proxy, fsync: s.fsync, batched: s.batched }[target];
    const pids = target === "direct" ? [s.sim.proc.pid] : [server.proc.pid, s.sim.proc.pid];
    return runLoad(
      {
        url: server.url,
        connections,
        durationS: ctx.durationS,
        warmupS: ctx.warmupS,
        overallRate: pacedRate,
        templates: templates(target === "fsync" || target === "batched" ? "gateway" : target, s.ids, s.token),
      },
      pids,
    );
  };
  return {
    name: "orders",
    title: `Orders: POST /v1/accounts/{id}/v2/orders (market, 1 share), ${pacedRate} orders/s over ${connections} connections and ${ACCOUNTS} accounts`,
    notes: [
      'The simulator\'s session is forced open (`POST /_sim/clock {"open": true}`); each order has its own ' +
        "client_order_id; limits raised as in the pass-through scenario.",
      "Paddock validates the order, runs its risk checks, submits it once (orders are never retried blindly) and " +
        "appends a hash-chained audit record; `fsync` answers after the record is fdatasync'd, `batched` after its " +
        "batch is written and fdatasync'd (group commit: written at once when nothing is in flight, coalesced " +
        "otherwise). The audit files live under bench/out/ on this machine's disk.",
      "Paced: an open-loop undici generator starts orders evenly spaced at the stated rate (latency from each " +
        "order's scheduled start); added = Paddock's percentile minus the simulator's direct one, at the same rate.",
    ],
    columns: [
      "target",
      "orders/s",
      "p50 ms",
      "p99 ms",
      "p50 added ms",
      "p99 added ms",
      "CPU µs/order",
      "non-2xx + errors",
    ],
    async setup(ctx) {
      // the pass-through stack's simulator, bare proxy and Paddock (audit batched), plus one with fsync
      const {
        sim,
        proxy,
        gateway: batched,
        token: batchedToken,
        ids,
      } = await ctx.once("pass-through-stack", startStack);
      const res = await fetch(`${sim.url}/_sim/clock`, {
        method: "POST",
        headers: JSON_TYPE,
        body: JSON.stringify({ open: true }),
      });
      if (!res.ok) throw new Error(`POST /_sim/clock answered ${res.status}`);
      const fsyncCfg = await gatewayConfig(ctx, {
        name: "gateway-fsync-config",
        accounts: ACCOUNTS,
        upstream: sim.url,
        durability: "fsync",
      });
      // each configuration has its own signing key pair, so one token each
      const [fsync, fsyncToken] = await Promise.all([
        startGateway(ctx, { name: "gateway-fsync", configPath: fsyncCfg.configPath }),
        issueToken(fsyncCfg.configPath),
      ]);
      ctx.state = { sim, proxy, fsync, batched, ids, tokens: { fsync: fsyncToken, batched: batchedToken } };
    },
    async baseline(ctx) {
      return { direct: await measure(ctx, "direct"), bare: await measure(ctx, "bare") };
    },
    async load(ctx) {
      const out = {};
      for (const mode of ["fsync", "batched"]) {
        ctx.state.token = ctx.state.tokens[mode];
        out[mode] = await measure(ctx, mode);
      }
      return out;
    },
    row({ baseline, load }) {
      const rounds = (t) => (t === "direct" || t === "bare" ? baseline : load).map((r) => r[t]);
      const stat = (t, get) => pick(rounds(t), get);
      const d50 = stat("direct", (m) => m.latencyMs.p50);
      const d99 = stat("direct", (m) => m.latencyMs.p99);
      const rows = ["direct", "bare", "fsync", "batched"].map((t) => {
        const p50 = stat(t, (m) => m.latencyMs.p50);
        const p99 = stat(t, (m) => m.latencyMs.p99);
        return [
          LABELS[t],
          fmtInt(stat(t, (m) => m.rps)),
          fmt(p50, 2),
          fmt(p99, 2),
          t === "direct" ? "—" : fmt(p50 - d50, 2),
          t === "direct" ? "—" : fmt(p99 - d99, 2),
          fmtInt(stat(t, (m) => m.cpuUsPerRequest)),
          fmtInt(stat(t, (m) => m.non2xx + m.errors + m.timeouts)),
        ];
      });
      // the target (issue #15) is for the batched audit, the default; fsync is reported beside it
      const summary = ["fsync", "batched"].map((t) => {
        const added = stat(t, (m) => m.latencyMs.p50) - d50;
        return {
          text:
            `audit ${t}: Paddock adds ${fmt(added, 2)} ms per order at p50, ` +
            `${fmt(stat(t, (m) => m.latencyMs.p99) - d99, 2)} ms at p99 (p50 ${fmt(stat(t, (m) => m.latencyMs.p50) / d50, 2)}× direct)`,
          ratio: stat(t, (m) => m.latencyMs.p50) / d50,
          target: t === "batched" ? "≤ 1 ms added per order (p50)" : undefined,
          met: t === "batched" ? added <= 1 : undefined,
        };
      });
      return { rows, summary };
    },
  };
}
