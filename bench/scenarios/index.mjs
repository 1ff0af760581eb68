/**
 * The scenario registry. A scenario is one small module exporting an object:
 *
 *   {
 *     name: "kebab-name",            // --only selects by name
 *     title: "what is measured",
 *     notes: ["settings the table depends on", ...],
 *     columns: ["header", ...],
 *     rounds?: 1,                    // fixed round count (default: the runner's)
 *     setup(ctx),                    // start processes (register them on ctx.processes), fill ctx.state
 *     baseline(ctx) -> measurement,  // what it is compared with; run once per round,
 *     load(ctx) -> measurement,      //   alternating with load() so drift hits both alike
 *     row({ baseline: [per round], load: [per round], ctx })
 *       -> { rows: [[cell, ...]], summary: [{ text, ratio, target?, met? }] }
 *   }
 *
 * ctx: { quick, durationS, warmupS, rounds, outDir, processes, state, log }. Loads run in
 * bench/load-worker.mjs through runLoad() (bench/lib/load.mjs); servers via bench/lib/stack.mjs.
 * To add one: write bench/scenarios/<name>.mjs and list it below.
 */
import { fleet } from "./fleet.mjs";
import { orders } from "./orders.mjs";
import { passThrough } from "./pass-through.mjs";

export function scenarios() {
  return [
    passThrough({ connections: 100, pacedRate: 1000 }),
    passThrough({ connections: 1000, pacedRate: 1000 }),
    orders({ connections: 10, pacedRate: 100 }),
    fleet({ accounts: 1000 }),
  ];
}
