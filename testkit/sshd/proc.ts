/**
 * Tiny /proc readers for the test hosts: who is running, who is whose child,
 * and "is this still the very process I started" (pid + start time, so a
 * recycled pid is never mistaken for ours).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Single-letter state from /proc/PID/stat ("R", "S", "Z", ...). */
  state: string;
  /** Executable name as the kernel reports it (at most 15 chars). */
  comm: string;
  /** Start time in clock ticks since boot; with pid, identifies a process. */
  startTime: string;
}

/** Identity of one process: pid plus start time. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export function readProcess(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..." where comm may contain spaces and parens.
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = stat.slice(close + 2).split(" ");
  return {
    pid,
    comm: stat.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    startTime: rest[19],
  };
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** All descendants of `pid` (children, grandchildren, ...), not `pid` itself. */
export function descendantsOf(pid: number): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of listProcesses()) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of byParent.get(next) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** The pid namespace of `pid` ("pid:[4026531836]"), or undefined if it is gone. */
export function pidNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Every process whose pid namespace is `namespace`. */
export function processesInPidNamespace(namespace: string): ProcessInfo[] {
  return listProcesses().filter((p) => pidNamespaceOf(p.pid) === namespace);
}

/** True while this exact process exists and is not a zombie. */
export function isRunning(id: ProcessIdentity): boolean {
  const info = readProcess(id.pid);
  return info !== undefined && info.startTime === id.startTime && info.state !== "Z";
}

/** True while this exact process exists at all (running or zombie). */
export function exists(id: ProcessIdentity): boolean {
  const info = readProcess(id.pid);
  return info !== undefined && info.startTime === id.startTime;
}
