/**
 * Load generator, run in its own process (forked by bench/lib/load.mjs) so that it never shares
 * an event loop with a measured server. Receives one spec over IPC, answers with the result.
 *
 * Spec: { url, connections, durationS, warmupS, overallRate?, templates: [{method, path, headers, body?}] }
 * Without overallRate: autocannon, closed loop (each connection sends its next request when the
 * last one answers). With it: runPaced() below, open loop at an even rate.
 * Templates are used round-robin across all connections; "{{seq}}" in a path or body becomes a
 * run-wide counter (distinct client_order_ids). Latencies are recorded by this worker from
 * autocannon's `response` events in fractional milliseconds (autocannon's own histogram keeps
 * whole milliseconds, too coarse for a 2 ms target); only 2xx responses are recorded.
 */
import autocannon from "autocannon";
import { Pool } from "undici";

/**
 * Open-loop paced load: requests start at evenly spaced times (1 / overallRate apart) over a pool
 * of `connections`, and each latency counts from its scheduled start (no coordinated omission).
 * Used instead of autocannon's `overallRate`, which lets every connection send its whole quota at
 * the start of each second: bursts that measure queueing, not what one request pays.
 */
async function runPaced(spec, durationS, record) {
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const interval = 1000 / spec.overallRate;
  const total = Math.max(1, Math.round(spec.overallRate * durationS));
  const statusCodes = {};
  const inflight = new Set();
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const fire = (scheduledAt) => {
    const t = spec.templates[sent % spec.templates.length];
    const fill = (s) => s.replaceAll("{{seq}}", `${runId}-${sent}`);
    const p = pool
      .request({
        method: t.method,
        path: fill(t.path),
        headers: t.headers,
        body: t.body ? fill(t.body) : null,
      })
      .then(async (res) => {
        await res.body.dump();
        done++;
        statusCodes[res.statusCode] = { count: (statusCodes[res.statusCode]?.count ?? 0) + 1 };
        if (res.statusCode >= 200 && res.statusCode < 300) record(performance.now() - scheduledAt);
        else non2xx++;
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) {
        fire(start + sent * interval);
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.allSettled([...inflight]);
  await pool.close();
  return { requests: { total: done }, non2xx, errors, timeouts: 0, statusCodeStats: statusCodes };
}

function run(spec, durationS, record) {
  let seq = 0;
  let next = 0;
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const templates = spec.templates;
  const requests = [
    {
      setupRequest(req) {
        const t = templates[next++ % templates.length];
        seq++;
        const fill = (s) => s.replaceAll("{{seq}}", `${runId}-${seq}`);
        req.method = t.method;
        req.path = fill(t.path);
        req.headers = t.headers;
        if (t.body !== undefined) req.body = fill(t.body);
        else delete req.body;
        return req;
      },
    },
  ];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: durationS,
        requests,
        timeout: 30,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) record(responseTime);
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

async function measure(spec) {
  const go = spec.overallRate ? runPaced : run;
  if (spec.warmupS > 0) await go(spec, spec.warmupS, () => {});
  process.send({ type: "started" });
  const latencies = [];
  const startedAt = performance.now();
  const result = await go(spec, spec.durationS, (ms) => latencies.push(ms));
  const elapsedS = (performance.now() - startedAt) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    requests: result.requests.total,
    ok: latencies.length,
    rps: latencies.length / elapsedS,
    elapsedS,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
      mean: latencies.length ? sum / latencies.length : Number.NaN,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
  };
}

process.once("message", (spec) => {
  measure(spec).then(
    (result) => {
      process.send({ type: "result", result }, () => process.exit(0));
    },
    (err) => {
      process.send({ type: "error", message: err instanceof Error ? err.message : String(err) }, () =>
        process.exit(1),
      );
    },
  );
});
