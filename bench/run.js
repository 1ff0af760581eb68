/**
 * `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (under 90 s): every
 * scenario of bench/scenarios/index.mjs against its baselines, one after the other, each with
 * its own fresh processes. Prints a line per scenario with its ratio to its baseline and writes
 * bench/RESULTS.md and bench/results.json (regenerated: never edit them by hand).
 *
 *   node bench/run.js [--quick] [--only name,name] [--rounds N] [--duration S]
 *                     [--out bench/RESULTS.md] [--json bench/results.json]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderResults } from "./lib/report.mjs";
import { ROOT } from "./lib/stack.mjs";
import { scenarios } from "./scenarios/index.mjs";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    rounds: { type: "string" },
    duration: { type: "string" },
    out: { type: "string", default: join(ROOT, "bench/RESULTS.md") },
    json: { type: "string", default: join(ROOT, "bench/results.json") },
  },
});

const settings = opts.quick
  ? { durationS: 1.5, warmupS: 0.25, rounds: 1 }
  : { durationS: 8, warmupS: 2, rounds: 2 };
if (opts.rounds) settings.rounds = Number(opts.rounds);
if (opts.duration) settings.durationS = Number(opts.duration);

const argv = process.argv.slice(2);
const command =
  process.env.npm_lifecycle_event === "bench"
    ? `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`
    : `node bench/run.js${argv.length ? ` ${argv.join(" ")}` : ""}`;

if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
  process.stdout.write("dist/ is missing: running npm run build first\n");
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
}

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const outDir = join(ROOT, "bench/out", `run-${stamp}`);
await mkdir(outDir, { recursive: true });

const only = opts.only ? new Set(opts.only.split(",")) : undefined;
const selected = scenarios().filter((s) => !only || only.has(s.name));
if (only && selected.length !== only.size) {
  const known = scenarios().map((s) => s.name);
  process.stderr.write(`--only: unknown scenario; known: ${known.join(", ")}\n`);
  process.exit(1);
}

const log = (line) => process.stdout.write(`${line}\n`);
const git = (...args) => {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
};
const startedAt = new Date();
const meta = {
  date: startedAt.toISOString(),
  command,
  quick: opts.quick,
  node: process.version,
  cores: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  memoryGB: Math.round(totalmem() / 2 ** 30),
  loadavgBefore: loadavg(),
  commit: git("rev-parse", "--short", "HEAD") || "unknown",
  srcChanged: git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length,
  ...settings,
};
log(
  `paddock bench (${opts.quick ? "quick" : "full"}): ${meta.cores} cores, Node ${meta.node}, logs in ${outDir}`,
);

// what scenarios share (ctx.once): built on first use, its processes stopped at the end of the run
const shared = new Map();
const sharedProcesses = [];
const once = (key, build) => {
  if (!shared.has(key)) {
    const sharedCtx = {
      ...settings,
      quick: opts.quick,
      outDir: join(outDir, "shared"),
      processes: sharedProcesses,
      log,
    };
    shared.set(
      key,
      mkdir(sharedCtx.outDir, { recursive: true }).then(() => build(sharedCtx)),
    );
  }
  return shared.get(key);
};

const results = [];
let failed = false;
for (const scenario of selected) {
  const ctx = {
    ...settings,
    quick: opts.quick,
    outDir: join(outDir, scenario.name),
    processes: [],
    state: {},
    log,
    once,
  };
  await mkdir(ctx.outDir, { recursive: true });
  const rounds = scenario.rounds ?? settings.rounds;
  const entry = {
    name: scenario.name,
    title: scenario.title,
    notes: scenario.notes,
    columns: scenario.columns,
  };
  const t0 = performance.now();
  try {
    log(`- ${scenario.name}: setting up`);
    await scenario.setup(ctx);
    const baseline = [];
    const load = [];
    for (let r = 0; r < rounds; r++) {
      log(`- ${scenario.name}: round ${r + 1}/${rounds}`);
      baseline.push(await scenario.baseline(ctx));
      load.push(await scenario.load(ctx));
    }
    const { rows, summary } = scenario.row({ baseline, load, ctx });
    Object.assign(entry, { rows, summary, raw: { baseline, load } });
    for (const s of summary) {
      const verdict = s.target ? ` [target ${s.target}: ${s.met ? "met" : "NOT met"}]` : "";
      log(`${scenario.name}: ${s.text}${verdict}`);
    }
  } catch (err) {
    failed = true;
    entry.error = err instanceof Error ? err.message : String(err);
    log(`${scenario.name}: FAILED: ${entry.error}`);
  } finally {
    for (const p of ctx.processes.reverse()) await p.stop();
  }
  entry.seconds = (performance.now() - t0) / 1000;
  results.push(entry);
}

for (const p of sharedProcesses.reverse()) await p.stop();
meta.loadavgAfter = loadavg();
meta.seconds = (Date.now() - startedAt.getTime()) / 1000;
await writeFile(opts.json, `${JSON.stringify({ meta, scenarios: results }, null, 2)}\n`);
await writeFile(opts.out, renderResults(meta, results));
log(`wrote ${opts.out} and ${opts.json} in ${meta.seconds.toFixed(0)} s`);
process.exitCode = failed ? 1 : 0;
