// The built binary under test: start `kreditku serve` on a free port with a temporary depot (waiting for its
// "listening" log line), run a CLI command to completion, and remove every temporary folder afterwards.
// KREDITKU_BINARY picks the binary (default dist/kreditku).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { collectLines, waitForLog, type LogMatch } from "./logs.ts";

export const BINARY = process.env.KREDITKU_BINARY ? resolve(process.env.KREDITKU_BINARY) : resolve(import.meta.dir, "../../dist/kreditku");

export interface Running {
  url: string;
  port: number;
  depot: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number>;
  cleanup(): void;
}

/** Temporary folders made here, removed by cleanup() of a server whose depot is in one, and at exit. */
const made = new Set<string>();
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A new empty temporary folder (removed at process exit if no test removed it). */
export function tempDepot(prefix = "kreditku-e2e-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Remove a depot and, when it sits in a folder made by tempDepot, that folder too. */
export function removeDepot(depot: string) {
  const parent = dirname(depot);
  for (const root of made.has(depot) ? [depot] : made.has(parent) ? [parent] : [depot]) {
    rmSync(root, { recursive: true, force: true });
    made.delete(root);
  }
}

/** Run the binary once to completion (CLI commands). */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([BINARY, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

export interface Spawned {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs: string[];
  /** The line that matched. */
  line: string;
}

/** Spawn a process and wait until it logs a line matching `until` (its output keeps being collected in logs). */
export async function spawnUntilLog(
  cmd: string[],
  opts: { until: LogMatch; env?: Record<string, string>; cwd?: string; timeoutMs?: number; /** keep about this many recent lines */ keepLines?: number },
): Promise<Spawned> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, KREDITKU_LOG_LEVEL: "info", ...opts.env } });
  const logs: string[] = [];
  void collectLines([proc.stdout, proc.stderr], logs, undefined, opts.keepLines);
  const exited = proc.exited.then((code) => {
    throw new Error(`${cmd.join(" ")} exited with ${code} before logging ${String(opts.until)}:\n${logs.join("\n")}`);
  });
  try {
    const line = await Promise.race([waitForLog(logs, opts.until, opts.timeoutMs ?? 20_000), exited]);
    return { proc, logs, line };
  } catch (e) {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    throw e;
  } finally {
    exited.catch(() => {});
  }
}

export async function startBinary(opts: { depot?: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {}): Promise<Running> {
  const depot = opts.depot ?? tempDepot();
  const { proc, logs, line } = await spawnUntilLog([BINARY, "serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot, ...(opts.args ?? [])], {
    until: '"msg":"listening"',
    env: opts.env,
    timeoutMs: opts.timeoutMs,
  });
  const port = JSON.parse(line).port as number;
  return { ...serving(proc, port, depot), proc, logs };
}

/** A server started by startBinaryToFile: like Running, its output in a file instead of collected here. */
export interface ServingToFile extends Omit<Running, "proc" | "logs"> {
  proc: Subprocess;
  /** The file holding its stdout and stderr. */
  logFile: string;
}

/**
 * `kreditku serve` on a free port with its stdout and stderr written to a file (every log line is still formatted and
 * written, none is read back here): for benchmarks, where a log reader in the measuring process would take CPU from
 * the cores the server and the load generator share. Ready once /healthz answers 200.
 */
export async function startBinaryToFile(opts: { depot?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ServingToFile> {
  const depot = opts.depot ?? tempDepot();
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const logFile = join(depot, "..", `serve-${port}.log`);
  const proc = Bun.spawn([BINARY, "serve", "--port", String(port), "--host", "127.0.0.1", "--depot", depot], {
    stdout: Bun.file(logFile),
    stderr: Bun.file(logFile),
    stdin: "ignore",
    env: { ...process.env, KREDITKU_LOG_LEVEL: "info", ...opts.env },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`kreditku serve exited with ${proc.exitCode} before answering /healthz (log: ${logFile})`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`kreditku serve did not answer /healthz within the time (log: ${logFile})`);
    }
    await Bun.sleep(10);
  }
  const s = serving(proc, port, depot);
  return {
    ...s,
    proc,
    logFile,
    cleanup() {
      s.cleanup();
      rmSync(logFile, { force: true });
    },
  };
}

/** A served binary's address and its stop (a signal, then its exit code) and cleanup (killed, depot removed). */
function serving(proc: Subprocess, port: number, depot: string) {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    depot,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return proc.exited;
    },
    cleanup() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      removeDepot(depot);
    },
  };
}
