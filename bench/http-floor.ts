// bench/http-floor: /healthz through kreditku's full middleware stack (the built binary) against a bare
// Bun.serve returning the same JSON, measured in one run with the same load generator. Prints the ratio.
import { startBinary } from "../test/kit/binary.ts";
import { fmt, load, type LoadResult } from "./load.ts";

export async function startFloor(opts: { depot?: string; loanId?: string; webhookSecret?: string } = {}) {
  const scratch = opts.depot ? `${opts.depot}/floor-scratch.db` : undefined;
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (opts.depot && opts.loanId) Object.assign(env, { FLOOR_DB: `${opts.depot}/data/main.db`, FLOOR_LOAN: opts.loanId, FLOOR_SCRATCH_DB: scratch! });
  if (opts.depot && opts.webhookSecret) Object.assign(env, { FLOOR_SCRATCH_DB: scratch!, FLOOR_WEBHOOK_SECRET: opts.webhookSecret });
  const proc = Bun.spawn([process.execPath, "run", `${import.meta.dir}/floor-server.ts`], { stdout: "pipe", stderr: "inherit", env });
  const reader = proc.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("floor server did not start");
    buf += new TextDecoder().decode(value);
  }
  const port = JSON.parse(buf.split("\n")[0]).port as number;
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.kill() };
}

export async function run(opts: { durationMs?: number } = {}) {
  const durationMs = opts.durationMs ?? Number(process.env.BENCH_DURATION_MS ?? 4000);
  const floor = await startFloor();
  const srv = await startBinary({ env: { KREDITKU_LOG_LEVEL: "info" } });
  try {
    const base: LoadResult = await load(() => new Request(`${floor.url}/healthz`), { durationMs });
    const full: LoadResult = await load(() => new Request(`${srv.url}/healthz`), { durationMs });
    const result = {
      bench: "http-floor",
      floor: base,
      kreditku: full,
      rpsRatio: full.rps / base.rps,
      p99Ratio: full.p99ms / base.p99ms,
    };
    console.log(`http-floor  floor (bare Bun.serve): ${fmt(base)}`);
    console.log(`http-floor  kreditku /healthz:      ${fmt(full)}`);
    console.log(`http-floor  ratio: ${(result.rpsRatio * 100).toFixed(1)} % of floor throughput, p99 ×${result.p99Ratio.toFixed(2)}`);
    return result;
  } finally {
    floor.stop();
    await srv.stop();
    srv.cleanup();
  }
}

if (import.meta.main) await run();
