/**
 * Child processes of a benchmark run: the simulator, the gateway, the bare proxy and the DIY gateway
 * each run in their own process; the parent only orchestrates and reads /proc for CPU time, RSS and
 * sockets.
 */
import { spawn } from "node:child_process";
import { openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Clock ticks per second for /proc/PID/stat (sysconf(_SC_CLK_TCK) is 100 on Linux). */
const CLK_TCK = 100;

/**
 * Starts `node <args>` with stdout+stderr appended to `logFile`, and waits until `ready()`
 * resolves truthy (polled every 10 ms; `onPoll(pid, elapsedMs)` is called at each poll) or the
 * process exits.
 */
export async function startNode({
  name,
  args,
  logFile,
  nodeArgs = [],
  ready,
  onPoll,
  timeoutMs = 60_000,
  cwd,
}) {
  const fd = openSync(logFile, "a");
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", fd, fd], cwd });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const deadline = startedAt + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited early (${JSON.stringify(exited)}); see ${logFile}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} not ready after ${timeoutMs} ms; see ${logFile}`);
    }
    onPoll?.(child.pid, performance.now() - startedAt);
    if (await ready().catch(() => false)) break;
    await sleep(10);
  }
  const readyMs = performance.now() - startedAt;
  return {
    name,
    pid: child.pid,
    readyMs,
    logFile,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
    async stop(graceMs = 5000) {
      if (exited) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the command name (field 2) may hold spaces: fields are counted after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** Resident set size of a process, in bytes (VmRSS). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open TCP sockets of a process (its socket fds). */
export function socketCount(pid) {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(join(`/proc/${pid}/fd`, fd)).startsWith("socket:")) n++;
    } catch {
      // the fd closed between the listing and the readlink
    }
  }
  return n;
}

/** Resolves true once `url` answers with a status below 500 (200 only when `exact`). */
export async function answers(url, { exact = false, headers } = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return exact ? res.status === 200 : res.status < 500;
}
