// depot/data/serve.pid: written by `serve` once it listens, removed on shutdown. Restore refuses to swap the
// database while the pid in it is alive and is a kreditku serve process (a stale file after a crash is ignored).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const pidFileOf = (depot: string) => join(depot, "data", "serve.pid");

export interface ServePid {
  pid: number;
  host: string;
  startedAt: string;
  port?: number;
}

export function writeServePid(depot: string, info: { port?: number } = {}) {
  const file = pidFileOf(depot);
  const body: ServePid = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), port: info.port };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(body) + "\n", { mode: 0o644 });
  renameSync(tmp, file);
}

/** Remove the pid file if it is still ours. */
export function removeServePid(depot: string) {
  const file = pidFileOf(depot);
  try {
    const cur = JSON.parse(readFileSync(file, "utf8")) as ServePid;
    if (cur.pid === process.pid) rmSync(file, { force: true });
  } catch {
    /* gone or unreadable: nothing to do */
  }
}

/** Whether a process with this pid is alive (EPERM: alive, another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The serve process running on this depot, or null (no file, dead pid, or a pid reused by something else). A file
 * written on another machine (a shared volume) cannot be checked and counts as running, unless `thisHostOnly`.
 */
export function runningServer(depot: string, opts: { thisHostOnly?: boolean } = {}): ServePid | null {
  const file = pidFileOf(depot);
  if (!existsSync(file)) return null;
  let info: ServePid;
  try {
    info = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  if (!Number.isInteger(info?.pid) || info.pid <= 0 || info.pid === process.pid) return null;
  // A pid file from another machine (shared volume) cannot be checked here: treat it as running.
  if (info.host && info.host !== hostname()) return opts.thisHostOnly ? null : info;
  if (!alive(info.pid)) return null;
  try {
    const cmd = readFileSync(`/proc/${info.pid}/cmdline`, "utf8");
    if (!cmd.split("\0").includes("serve")) return null;
  } catch {
    /* no /proc: trust the live pid */
  }
  return info;
}
