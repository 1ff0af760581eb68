/**
 * The rendered Kubernetes manifests (deploy/k8s/) against the Kubernetes API schemas shipped by the
 * `kubernetes-models` package (its validators are ajv compiled from the Kubernetes OpenAPI definitions),
 * and against the Helm chart they were rendered from: the same values, every `.Values` path the
 * templates read defined, probes, drain, disruption budget and selectors that agree, and a paddock.yaml
 * that Paddock's own configuration schema accepts.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { validate as httpRoute } from "@kubernetes-models/gateway-api/_schemas/IoK8sSigsGatewayApiApisV1HTTPRoute";
import { Value } from "@sinclair/typebox/value";
import { validate as deployment } from "kubernetes-models/_schemas/IoK8sApiAppsV1Deployment";
import { validate as statefulSet } from "kubernetes-models/_schemas/IoK8sApiAppsV1StatefulSet";
import { validate as hpa } from "kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler";
import { validate as configMap } from "kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap";
import { validate as pvc } from "kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolumeClaim";
import { validate as secret } from "kubernetes-models/_schemas/IoK8sApiCoreV1Secret";
import { validate as service } from "kubernetes-models/_schemas/IoK8sApiCoreV1Service";
import { validate as serviceAccount } from "kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount";
import { validate as pdb } from "kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { ConfigSchema } from "../../src/config/schema.js";
import { assignShards } from "../../src/config/shards.js";
import { validateAgainst } from "../../src/config/validate.js";
import { HTTPROUTE_MATCHES_PER_ROUTE, httpRoutes } from "../../src/shards/routing-map.js";

type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML; each access is checked by the assertions
type Obj = any;

const SCHEMAS: Record<string, Validator> = {
  "v1/ConfigMap": configMap,
  "v1/PersistentVolumeClaim": pvc,
  "v1/Secret": secret,
  "v1/Service": service,
  "v1/ServiceAccount": serviceAccount,
  "apps/v1/Deployment": deployment,
  "apps/v1/StatefulSet": statefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": hpa,
  "policy/v1/PodDisruptionBudget": pdb,
  // the Gateway API's own schema (from its CRDs, compiled by @kubernetes-models/gateway-api); the CRD's CEL
  // rule "at most 128 matches per route" is not in it, so the tests check that count themselves
  "gateway.networking.k8s.io/v1/HTTPRoute": httpRoute,
};

const root = join(import.meta.dirname, "../..");
const chart = join(root, "deploy/helm/paddock");

async function manifests(sub = ""): Promise<{ file: string; doc: Obj }[]> {
  const dir = join(root, "deploy/k8s", sub);
  const out: { file: string; doc: Obj }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const d of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      expect(d.errors, file).toEqual([]);
      const doc = d.toJS() as Obj;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

function schemaErrors(doc: Obj): unknown[] {
  const check = SCHEMAS[`${doc.apiVersion}/${doc.kind}`];
  if (!check) return [`no schema for ${doc.apiVersion}/${doc.kind}`];
  return check(doc) ? [] : (check.errors ?? ["invalid"]);
}

const byKind = (docs: { doc: Obj }[], kind: string, name = "paddock"): Obj =>
  docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc;

describe("rendered Kubernetes manifests", () => {
  it("every object passes the Kubernetes schema of its kind", async () => {
    const docs = await manifests();
    expect(docs.map((d) => d.doc.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "HorizontalPodAutoscaler",
      "PersistentVolumeClaim",
      "PodDisruptionBudget",
      "Service",
      "Service",
      "ServiceAccount",
      "StatefulSet",
    ]);
    for (const { file, doc } of docs) expect(schemaErrors(doc), `${file}: ${doc.kind}`).toEqual([]);
  });

  it("the schemas catch a broken manifest (the check can fail)", async () => {
    const dep = structuredClone(byKind(await manifests(), "Deployment"));
    dep.spec.replicas = "three";
    dep.spec.template.spec.containers[0].ports[0].containerPort = "http";
    expect(schemaErrors(dep).length).toBeGreaterThan(0);
    expect(schemaErrors({ apiVersion: "v1", kind: "Service", metadata: { name: 1 } }).length).toBeGreaterThan(
      0,
    );
  });

  it("agree with the chart's values: replicas, resources, probes, drain", async () => {
    const values = parse(await readFile(join(chart, "values.yaml"), "utf8")) as Obj;
    const docs = await manifests();
    const dep = byKind(docs, "Deployment");
    const pod = dep.spec.template.spec;
    const [c] = pod.containers;
    expect(dep.spec.replicas).toBe(values.replicaCount);
    expect(dep.spec.replicas).toBeGreaterThanOrEqual(3);
    expect(c.resources).toEqual(values.resources);
    expect(c.livenessProbe.httpGet.path).toBe("/livez");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.livenessProbe.httpGet.port).toBe(c.ports[0].name);
    expect(c.lifecycle.preStop.exec.command).toEqual(["sleep", String(values.drainDelaySeconds)]);
    // SIGTERM comes after preStop; the grace period covers it and Paddock's drain (shutdownGraceMs 10 s)
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(values.drainDelaySeconds + 10);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.mountPath, m]));
    expect(mounts["/audit"].readOnly).toBeUndefined();
    expect(mounts["/config"].readOnly).toBe(true);
    expect(mounts["/secrets"].readOnly).toBe(true);
    const volumes = new Set(pod.volumes.map((v: Obj) => v.name));
    for (const m of c.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expect(env.REDIS_URL).toBe(values.redis.url);
    // every replica appends its own chain (audit-<instanceId>.jsonl) to the one shared audit volume
    expect(env.PADDOCK_AUDIT_DIR).toBeUndefined();
    expect(mounts["/audit"].name).toBe("audit");

    const hpaDoc = byKind(docs, "HorizontalPodAutoscaler");
    expect(hpaDoc.spec.minReplicas).toBe(values.autoscaling.minReplicas);
    expect(hpaDoc.spec.maxReplicas).toBe(values.autoscaling.maxReplicas);
    expect(hpaDoc.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: dep.metadata.name });
  });

  it("selectors of the Deployment, its pods, the Service and the disruption budget agree", async () => {
    const docs = await manifests();
    const dep = byKind(docs, "Deployment");
    const selector = dep.spec.selector.matchLabels;
    expect(dep.spec.template.metadata.labels).toMatchObject(selector);
    expect(byKind(docs, "Service").spec.selector).toEqual(selector);
    const budget = byKind(docs, "PodDisruptionBudget");
    expect(budget.spec.selector.matchLabels).toEqual(selector);
    expect(budget.spec.maxUnavailable).toBe(1);
    expect(byKind(docs, "Service").spec.ports[0].targetPort).toBe(
      dep.spec.template.spec.containers[0].ports[0].name,
    );
  });

  it("the ConfigMap's paddock.yaml is a valid Paddock configuration and its checksum rolls the pods", async () => {
    const docs = await manifests();
    const text = byKind(docs, "ConfigMap").data["paddock.yaml"] as string;
    const raw = parse(text) as Obj;
    expect(raw.audit.dir).toBe("/audit");
    const cfg = Value.Default(ConfigSchema, Value.Clone(raw));
    expect(validateAgainst(ConfigSchema, cfg)).toEqual([]);
    expect(raw.server.host).toBe("0.0.0.0");
    expect(raw.security.masterKeyFile).toBe("/secrets/master.key");
    const sum = createHash("sha256").update(text.replace(/\n$/, "")).digest("hex");
    expect(byKind(docs, "Deployment").spec.template.metadata.annotations["checksum/config"]).toBe(sum);
  });

  it("Redis keeps its data and never evicts (the order ledger's keys carry a TTL)", async () => {
    const docs = await manifests();
    const args = byKind(docs, "StatefulSet", "redis").spec.template.spec.containers[0].args as string[];
    expect(args[args.indexOf("--maxmemory-policy") + 1]).toBe("noeviction");
    expect(args[args.indexOf("--appendonly") + 1]).toBe("yes");
    const values = parse(await readFile(join(chart, "values.yaml"), "utf8")) as Obj;
    expect(values.redis.commonConfiguration).toMatch(/maxmemory-policy noeviction/);
    expect(values.redis.master.persistence.enabled).toBe(true);
  });
});

describe("Helm chart", () => {
  it("every .Values path a template reads is defined in values.yaml", async () => {
    const values = parse(await readFile(join(chart, "values.yaml"), "utf8")) as Obj;
    const dir = join(chart, "templates");
    const missing: string[] = [];
    for (const file of await readdir(dir)) {
      const text = await readFile(join(dir, file), "utf8");
      for (const [, path] of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        let at: Obj = values;
        for (const key of path!.split(".")) at = at === null || at === undefined ? undefined : at[key];
        if (at === undefined) missing.push(`${file}: .Values.${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("each template has its rendered counterpart in deploy/k8s (or deploy/k8s/sharded)", async () => {
    const kinds = new Set([...(await manifests()), ...(await manifests("sharded"))].map((d) => d.doc.kind));
    const dir = join(chart, "templates");
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".yaml"))) {
      const kind = /^kind: (\w+)$/m.exec(await readFile(join(dir, file), "utf8"))?.[1];
      if (kind === "Secret") continue; // the rendered set names an existing Secret (docs/deploy.md makes it)
      expect(kinds.has(kind ?? file), file).toBe(true);
    }
  });
});

describe("rendered sharded example (deploy/k8s/sharded: two shards of two replicas)", () => {
  const example = async (): Promise<Obj> =>
    parse(await readFile(join(chart, "examples/shards.yaml"), "utf8")) as Obj;
  const sharded = () => manifests("sharded");
  const named = (docs: { doc: Obj }[], kind: string) =>
    docs.filter((d) => d.doc.kind === kind).map((d) => d.doc.metadata.name as string);

  it("every object passes its schema: Kubernetes kinds and the Gateway API HTTPRoute", async () => {
    const docs = await sharded();
    expect(named(docs, "Deployment")).toEqual(["paddock-s1", "paddock-s2"]);
    expect(named(docs, "Service")).toEqual(["paddock", "paddock-s1", "paddock-s2"]);
    expect(named(docs, "PodDisruptionBudget")).toEqual(["paddock-s1", "paddock-s2"]);
    expect(named(docs, "HTTPRoute")).toEqual(["paddock-s1-0", "paddock-s2-0", "paddock"]);
    for (const { doc } of docs) expect(schemaErrors(doc), `${doc.kind} ${doc.metadata.name}`).toEqual([]);
    // the HTTPRoute schema can fail too
    const bad = structuredClone(byKind(docs, "HTTPRoute"));
    bad.spec.rules[0].matches[0].path.type = "Prefix";
    expect(schemaErrors(bad).length).toBeGreaterThan(0);
  });

  it("each shard's Deployment names its shard and is selected by its own Service; the main Service spans all", async () => {
    const docs = await sharded();
    const values = await example();
    const main = byKind(docs, "Service").spec.selector;
    for (const shard of values.shards) {
      const dep = byKind(docs, "Deployment", `paddock-${shard.id}`);
      const podLabels = dep.spec.template.metadata.labels;
      expect(dep.spec.replicas).toBe(shard.replicas);
      expect(dep.spec.selector.matchLabels["paddock.dev/shard"]).toBe(shard.id);
      expect(podLabels).toMatchObject(dep.spec.selector.matchLabels);
      expect(byKind(docs, "Service", `paddock-${shard.id}`).spec.selector).toEqual(
        dep.spec.selector.matchLabels,
      );
      expect(byKind(docs, "PodDisruptionBudget", `paddock-${shard.id}`).spec.selector.matchLabels).toEqual(
        dep.spec.selector.matchLabels,
      );
      expect(podLabels).toMatchObject(main); // the main Service reaches every shard's pods
      const env = Object.fromEntries(
        dep.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]),
      );
      expect(env.PADDOCK_SHARD).toBe(shard.id);
      expect(env.POD_IP).toEqual({ fieldRef: { fieldPath: "status.podIP" } });
      expect(env.PADDOCK_ADVERTISE_URL).toBe("http://$(POD_IP):8080");
      expect(env.REDIS_URL).toBeDefined(); // shards need the shared Redis
    }
  });

  it("the ConfigMap lists the shards of the values, and its paddock.yaml is valid", async () => {
    const docs = await sharded();
    const text = byKind(docs, "ConfigMap").data["paddock.yaml"] as string;
    const raw = parse(text) as Obj;
    const values = await example();
    expect(raw.shards).toEqual(values.shards.map((s: Obj) => ({ id: s.id, accounts: s.accounts })));
    expect(validateAgainst(ConfigSchema, Value.Default(ConfigSchema, Value.Clone(raw)))).toEqual([]);
    const sum = createHash("sha256").update(text.replace(/\n$/, "")).digest("hex");
    for (const name of named(docs, "Deployment")) {
      expect(byKind(docs, "Deployment", name).spec.template.metadata.annotations["checksum/config"]).toBe(
        sum,
      );
    }
  });

  it("the chart's HTTPRoutes are what `paddock shards map --format httproute` generates", async () => {
    const docs = await sharded();
    const values = await example();
    const layout = layoutOf(values.shards.map((s: Obj) => ({ id: s.id, accounts: s.accounts })));
    const generated = httpRoutes(layout, {
      listenPort: 8080,
      release: "paddock",
      servicePort: 8080,
      gateway: "paddock",
      source: "test",
    });
    const rendered = docs.filter((d) => d.doc.kind === "HTTPRoute").map((d) => d.doc);
    expect(rendered.map((r) => [r.metadata.name, r.spec])).toEqual(
      generated.map((g: Obj) => [g.metadata.name, g.spec]),
    );
    for (const r of rendered) {
      expect(r.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "paddock",
        "app.kubernetes.io/instance": "paddock",
      });
    }
  });

  it("a shard of 1,000 accounts gets 8 routes of at most 128 prefixes, each valid", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `acct-${String(i + 1).padStart(4, "0")}`);
    const layout = layoutOf([
      { id: "s1", accounts: ids.slice(0, 1000) },
      { id: "s2", accounts: [] as string[] },
    ]);
    const routes = httpRoutes(layout, {
      listenPort: 8080,
      release: "paddock",
      servicePort: 8080,
      gateway: "gw",
      source: "test",
    }) as Obj[];
    const s1 = routes.filter((r) => r.metadata.labels["paddock.dev/shard"] === "s1");
    expect(s1).toHaveLength(8);
    for (const r of routes) {
      expect(schemaErrors(r)).toEqual([]);
      const matches = r.spec.rules.reduce((n: number, rule: Obj) => n + rule.matches.length, 0);
      expect(matches).toBeLessThanOrEqual(HTTPROUTE_MATCHES_PER_ROUTE);
    }
    const prefixes = s1.flatMap((r) =>
      r.spec.rules.flatMap((rule: Obj) => rule.matches.map((m: Obj) => m.path.value)),
    );
    expect(prefixes).toEqual(ids.map((id) => `/v1/accounts/${id}`));
  });
});

/** The layout for shards listing their account ids (the accounts exist only as ids here). */
function layoutOf(shards: Array<{ id: string; accounts: string[] }>) {
  const accounts = shards.flatMap((s) => s.accounts.map((id) => ({ id, keyId: "k", secretKey: "s" })));
  const cfg = Value.Default(ConfigSchema, Value.Clone({ accounts, shards })) as Obj;
  const { layout, problems } = assignShards(cfg);
  expect(problems.filter((p) => !p.message.includes("lists no accounts"))).toEqual([]);
  return layout!;
}
