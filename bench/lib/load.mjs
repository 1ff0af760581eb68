/** Runs one load in a forked bench/load-worker.mjs and measures the servers' CPU time meanwhile. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuMs } from "./processes.mjs";

const WORKER = fileURLToPath(new URL("../load-worker.mjs", import.meta.url));

/**
 * @param spec see bench/load-worker.mjs
 * @param cpuPids processes whose CPU time (utime+stime) is read when the measured part starts and ends
 * @returns the worker's result plus `cpuMs: {[pid]: ms}` and `cpuUsPerRequest` of the first pid
 */
export function runLoad(spec, cpuPids = []) {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let before = null;
    let settled = false;
    child.on("message", (msg) => {
      if (msg.type === "started") {
        before = cpuPids.map((pid) => cpuMs(pid));
      } else if (msg.type === "result") {
        const after = cpuPids.map((pid) => cpuMs(pid));
        const cpu = cpuPids.map((pid, i) => ({ pid, ms: after[i] - (before?.[i] ?? after[i]) }));
        const r = msg.result;
        settled = true;
        resolve({
          ...r,
          cpu,
          cpuUsPerRequest: cpu.length && r.requests > 0 ? (cpu[0].ms * 1000) / r.requests : Number.NaN,
        });
      } else if (msg.type === "error") {
        settled = true;
        reject(new Error(`load worker: ${msg.message}`));
      }
    });
    child.once("exit", (code) => {
      if (!settled) reject(new Error(`load worker exited with ${code} before answering`));
    });
    child.send(spec);
  });
}
