// End-to-end harness: start the built binary (dist/kreditku) on a free port with a temporary depot.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const BINARY = process.env.KREDITKU_BINARY ? resolve(process.env.KREDITKU_BINARY) : resolve(import.meta.dir, "../dist/kreditku");

export interface Running {
  url: string;
  port: number;
  depot: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number>;
  cleanup(): void;
}

export function tempDepot(prefix = "kreditku-e2e-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run the binary once to completion (CLI commands). */
export async function runCli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([BINARY, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

export async function startBinary(opts: { depot?: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {}): Promise<Running> {
  const depot = opts.depot ?? tempDepot();
  const proc = Bun.spawn([BINARY, "serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot, ...(opts.args ?? [])], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    env: { ...process.env, KREDITKU_LOG_LEVEL: "info", ...opts.env },
  });
  const logs: string[] = [];
  let port = 0;
  const ready = new Promise<number>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`binary did not start in time:\n${logs.join("\n")}`)), opts.timeoutMs ?? 20000);
    const read = async (stream: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          logs.push(line);
          if (!port && line.includes('"msg":"listening"')) {
            port = JSON.parse(line).port;
            clearTimeout(timer);
            resolveReady(port);
          }
        }
      }
    };
    read(proc.stdout);
    read(proc.stderr);
    proc.exited.then((code) => {
      if (!port) {
        clearTimeout(timer);
        reject(new Error(`binary exited with ${code} before listening:\n${logs.join("\n")}`));
      }
    });
  });
  await ready;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    depot,
    proc,
    logs,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return proc.exited;
    },
    cleanup() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(depot, { recursive: true, force: true });
    },
  };
}
