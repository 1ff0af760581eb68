/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) as Markdown: the top functions by self
 * time, self time by area (Paddock's own folders, each dependency, Node internals, GC), and the
 * top Paddock functions by total (inclusive) time.
 *
 *   node bench/profile-summary.mjs FILE.cpuprofile [--top 25] [--title "..."] > bench/PROFILE.md
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/** Where a frame's code lives: "paddock:<folder>", a package name, "node:<module>" or a V8 pseudo-frame. */
export function areaOf(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native/V8)";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
  }
  const dist = /\/dist\/([^/]+)(\/|\.js)/.exec(path);
  if (dist) return `paddock:${dist[1]}`;
  if (path.startsWith("node:")) return `node:${path.slice(5).split("/")[0]}`;
  return path.split("/").slice(-2).join("/");
}

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "")
    .replace(/^.*\/dist\//, "dist/");

/** Self and total time per function (name + location), and self time per area, in ms. */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    return `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
  };
  const self = new Map();
  const total = new Map();
  const areas = new Map();
  const info = new Map();
  let sampled = 0;
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    sampled += ms;
    const key = keyOf(node);
    add(self, key, ms);
    add(areas, areaOf(node.callFrame.url, node.callFrame.functionName), ms);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      const k = keyOf(n);
      if (!info.has(k)) info.set(k, areaOf(n.callFrame.url, n.callFrame.functionName));
      if (seen.has(k)) continue;
      seen.add(k);
      add(total, k, ms);
    }
    if (!info.has(key)) info.set(key, areaOf(node.callFrame.url, node.callFrame.functionName));
  });
  return { sampled, self, total, areas, info };
}

export function toMarkdown(s, { top = 25, title = "CPU profile" } = {}) {
  const idle = (s.self.get("(idle) :0") ?? 0) + 0;
  const busy = s.sampled - idle;
  const pct = (ms, of) => `${((100 * ms) / of).toFixed(1)} %`;
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const lines = [
    `# ${title}`,
    "",
    `Sampled ${(s.sampled / 1000).toFixed(1)} s, of which ${(busy / 1000).toFixed(1)} s busy (not idle). ` +
      "Percentages are of busy time.",
    "",
    `## Top ${top} functions by self time`,
    "",
    "| # | function (file:line) | area | self ms | self % | total % |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  sorted(s.self)
    .filter(([k]) => !k.startsWith("(idle)"))
    .slice(0, top)
    .forEach(([k, ms], i) => {
      lines.push(
        `| ${i + 1} | \`${k}\` | ${s.info.get(k)} | ${ms.toFixed(0)} | ${pct(ms, busy)} | ${pct(s.total.get(k) ?? 0, busy)} |`,
      );
    });
  lines.push("", "## Self time by area", "", "| area | self ms | self % |", "| --- | --- | --- |");
  for (const [area, ms] of sorted(s.areas)
    .filter(([a]) => a !== "(idle)")
    .slice(0, 20)) {
    lines.push(`| ${area} | ${ms.toFixed(0)} | ${pct(ms, busy)} |`);
  }
  lines.push(
    "",
    `## Top ${top} Paddock functions by total time (self + callees)`,
    "",
    "| function (file:line) | area | total % |",
    "| --- | --- | --- |",
  );
  for (const [k, ms] of sorted(s.total)
    .filter(([k]) => s.info.get(k)?.startsWith("paddock:"))
    .slice(0, top)) {
    lines.push(`| \`${k}\` | ${s.info.get(k)} | ${pct(ms, busy)} |`);
  }
  lines.push("");
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, title: { type: "string", default: "CPU profile" } },
  });
  if (!positionals[0]) {
    process.stderr.write("usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--title T]\n");
    process.exit(1);
  }
  const profile = JSON.parse(readFileSync(positionals[0], "utf8"));
  process.stdout.write(toMarkdown(summarise(profile), { top: Number(values.top), title: values.title }));
}
