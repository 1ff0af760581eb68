/**
 * The Grafana dashboard and the Prometheus alert rules: well formed, every PromQL expression parses
 * (the Prometheus project's own Lezer grammar), and every metric they query is one Paddock really
 * exports — read from the registry the gateway builds, not from a list kept by hand.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetrics } from "../../src/observability/metrics.js";
import { createStreamMetrics } from "../../src/streams/stream-metrics.js";

const root = join(import.meta.dirname, "../..");

/** Metric names a PromQL expression selects; throws on a syntax error. */
function metricsIn(expr: string): string[] {
  const names: string[] = [];
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "VectorSelector") {
        const text = expr.slice(node.from, node.to);
        const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)?.[0];
        if (name) names.push(name);
      }
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in: ${expr}`);
  return names;
}

async function exported(): Promise<Set<string>> {
  const metrics = createMetrics();
  createStreamMetrics(metrics.registry);
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
  }
  return names;
}

/** Grafana's `$__rate_interval` and template variables are not PromQL; give them a value first. */
const grafanaToPromql = (expr: string) =>
  expr
    .replaceAll("$__rate_interval", "5m")
    .replace(/"\$[a-z]+"/g, '".*"')
    .replace(/\$[a-z_]+/g, "5m");

describe("deploy/prometheus/alerts.yaml", () => {
  it("is a rule file whose alerts parse and query metrics Paddock exports", async () => {
    const doc = parse(await readFile(join(root, "deploy/prometheus/alerts.yaml"), "utf8")) as {
      groups: {
        name: string;
        rules: { alert: string; expr: string; for?: string; labels: { severity: string } }[];
      }[];
    };
    const names = await exported();
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "PaddockBudgetExhausted",
        "PaddockBreakerOpen",
        "PaddockAuditWriteFailures",
        "PaddockUpstream5xxRatio",
        "PaddockStreamSilence",
      ]),
    );
    for (const r of rules) {
      expect(r.alert).toMatch(/^Paddock[A-Za-z0-9]+$/);
      expect(["info", "warning", "critical"]).toContain(r.labels.severity);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
      const used = metricsIn(r.expr);
      expect(used.length, r.alert).toBeGreaterThan(0);
      for (const m of used) expect(names.has(m), `${r.alert}: ${m}`).toBe(true);
    }
  });

  it("the check catches a misspelt metric and broken PromQL", async () => {
    const names = await exported();
    expect(metricsIn("rate(paddock_http_request_total[5m])").every((m) => names.has(m))).toBe(false);
    expect(() => metricsIn("sum(rate(paddock_http_requests_total[5m])")).toThrow(/syntax/);
  });
});

describe("deploy/grafana/paddock.json", () => {
  it("is a dashboard whose panels query metrics Paddock exports", async () => {
    const dash = JSON.parse(await readFile(join(root, "deploy/grafana/paddock.json"), "utf8")) as {
      title: string;
      uid: string;
      schemaVersion: number;
      templating: { list: { name: string }[] };
      panels: {
        id: number;
        type: string;
        title: string;
        gridPos: { h: number; w: number; x: number; y: number };
        targets?: { refId: string; expr: string }[];
      }[];
    };
    expect(dash.uid).toBe("paddock-fleet");
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dash.templating.list.map((v) => v.name)).toContain("datasource");
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const names = await exported();
    const titles = dash.panels.map((p) => p.title.toLowerCase()).join(" | ");
    for (const topic of ["requests", "latency", "budget", "breaker", "halt", "stream clients", "audit lag"]) {
      expect(titles, topic).toContain(topic);
    }
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === "row") continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        for (const m of metricsIn(grafanaToPromql(t.expr)))
          expect(names.has(m), `${p.title}: ${m}`).toBe(true);
      }
    }
  });
});
