// Jobs benchmark: jobs/s end to end (enqueue in a transaction → handler → result applied by the owner) for the
// embedded runner and BullMQ (in-process stateless workers, real Redis, private prefix), with a no-op and a 1 ms
// handler. Floor: single-row write transactions per second on the same database, measured in the same run; each
// figure is also printed as a ratio to it. Each case starts after a warm-up of 200 jobs; the
// CPU time per job (this process) is printed too: on a busy machine it moves far less than the rate. Bounded to ~20 s (plus the
// warm-ups). Run: bun run bench/jobs.ts
// BullMQ cases also print Redis's own CPU per job (INFO cpu). KREDITKU_BENCH_JOBS_WORKERS=2 runs the BullMQ cases with
// that many separate worker processes (StatelessWorkers, the code of `kreditku worker`) instead of in-process ones,
// and prints the owner's, the workers' and Redis's CPU per job apart.
import Redis from "ioredis";
import { defineExtension, defineJob, z } from "../src/runtime/index.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { Registry } from "../src/runtime/registry.ts";
import { JobExecutor } from "../src/queue/executor.ts";
import { JobMetrics } from "../src/queue/metrics.ts";
import { StatelessWorkers } from "../src/queue/bullmq.ts";
import { Metrics } from "../src/observability/metrics.ts";
import { systemClock } from "../src/clock.ts";
import { REDIS_URL, deleteRedisPrefix, queuePlatform, startTestRuntime, uniquePrefix, type Mode } from "../test/kit/queue.ts";

export interface JobsBenchResult {
  backend: Mode;
  handler: "noop" | "1ms";
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  floorTxPerSecond: number;
  ratioToFloor: number;
  /** CPU time of this process (user + system: enqueue, owner, in-process workers; not Redis) per job, µs. */
  cpuUsPerJob: number;
  /** BullMQ: Redis's own CPU time (INFO cpu) per job, µs (other clients of the same Redis count too). */
  redisCpuUsPerJob?: number;
  /** BullMQ with separate worker processes: how many, and their CPU time per job, µs (all of them together). */
  workerProcesses?: number;
  workersCpuUsPerJob?: number;
}

/** Redis's CPU time so far (user + system of the server and its threads), µs. */
async function redisCpuUs(r: Redis): Promise<number> {
  const info = await r.info("cpu");
  const field = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return Math.round((field("used_cpu_user") + field("used_cpu_sys")) * 1e6);
}

/** Separate worker processes (this file again, see workerMain): started, ready, and stopped with their CPU time. */
function spawnWorkers(n: number, prefix: string, concurrency: number) {
  const procs = Array.from({ length: n }, () =>
    // KREDITKU_BENCH_JOBS_WORKER_PROF=DIR: each worker process writes a CPU profile there
    Bun.spawn([process.execPath, ...(process.env.KREDITKU_BENCH_JOBS_WORKER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.KREDITKU_BENCH_JOBS_WORKER_PROF}`] : []), "run", import.meta.path], {
      env: { ...process.env, KREDITKU_BENCH_JOBS_WORKER: prefix, KREDITKU_BENCH_JOBS_WORKER_CONCURRENCY: String(concurrency) },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const lines = procs.map((p) => {
    const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    return async (): Promise<string> => {
      for (;;) {
        const i = buf.indexOf("\n");
        if (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          return line;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("bench worker exited");
        buf += value;
      }
    };
  });
  return {
    ready: () => Promise.all(lines.map(async (next) => expectLine(await next(), "ready"))),
    /** CPU time of every worker since it was ready, µs; stops them. */
    async stop(): Promise<number> {
      for (const p of procs) {
        p.stdin.write("cpu\n");
        p.stdin.flush();
      }
      const cpu = await Promise.all(lines.map(async (next) => Number(expectLine(await next(), "cpu "))));
      for (const p of procs) p.stdin.end();
      await Promise.all(procs.map((p) => p.exited));
      return cpu.reduce((a, b) => a + b, 0);
    },
    kill() {
      for (const p of procs) p.kill();
    },
  };
}

function expectLine(line: string, start: string): string {
  if (!line.startsWith(start)) throw new Error(`bench worker said "${line}", expected "${start}…"`);
  return line.slice(start.length);
}

/** A worker process: the bench job's queue on stateless workers until stdin closes; "cpu" answers its CPU time. */
async function workerMain(prefix: string, concurrency: number) {
  const p = queuePlatform("bullmq", prefix);
  const reg = new Registry([ext], []);
  const exec = new JobExecutor(reg, { config: p.config, log: p.log, metrics: p.metrics, clock: systemClock, ports: new Map() }, new JobMetrics(new Metrics({ defaultMetrics: false })));
  const workers = new StatelessWorkers(exec, { url: REDIS_URL, prefix, log: p.log, queues: reg.workerQueues(), concurrency });
  await workers.start();
  const cpu0 = process.cpuUsage();
  console.log("ready");
  for await (const chunk of Bun.stdin.stream().pipeThrough(new TextDecoderStream())) {
    if (chunk.includes("cpu")) {
      const c = process.cpuUsage(cpu0);
      console.log(`cpu ${c.user + c.system}`);
    }
  }
  await workers.close(2000);
  p.cleanup();
}

const work = defineJob({
  name: "bench.work",
  payload: z.object({ i: z.number().int(), sleepMs: z.number().int() }),
  runsOn: "any",
  attempts: 3,
  async handler(p) {
    if (p.sleepMs) await Bun.sleep(p.sleepMs);
    return { i: p.i };
  },
  apply(r, _p, t) {
    t.run("INSERT INTO bench_done (i) VALUES (?)", r.i);
  },
});

const ext = defineExtension({
  name: "bench",
  jobs: [work],
  init(ctx) {
    ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS bench_done (i INTEGER NOT NULL) STRICT"));
  },
});

async function one(mode: Mode, handler: "noop" | "1ms", budgetMs: number, drain = 0): Promise<JobsBenchResult> {
  const prefix = uniquePrefix("bench-jobs");
  const p = queuePlatform(mode, prefix);
  let workers: ReturnType<typeof spawnWorkers> | null = null;
  try {
    // floor: one-row write transactions on this database
    p.db.writer.exec("CREATE TABLE bench_floor (i INTEGER NOT NULL) STRICT");
    const f0 = performance.now();
    let fn = 0;
    while (performance.now() - f0 < 300) for (let k = 0; k < 100; k++, fn++) p.db.tx((c) => c.run("INSERT INTO bench_floor (i) VALUES (?)", fn));
    const floor = fn / ((performance.now() - f0) / 1000);

    const separate = mode === "bullmq" ? workerProcesses : 0;
    let running: { rt: Runtime; stop(): Promise<void> };
    if (separate > 0) {
      // the owner alone here (like serve); the 'any' queue on separate worker processes
      const rt = new Runtime(p, { extensions: [ext], jobs: [], concurrency: 16, pollMs: 5000, embedded: { pollMs: 5000 } });
      await rt.start();
      running = { rt, stop: () => rt.stop(3000) };
      // KREDITKU_BENCH_JOBS_WORKER_CONCURRENCY: each worker process's concurrency (default 16, like the in-process ones)
      workers = spawnWorkers(separate, prefix, Number(process.env.KREDITKU_BENCH_JOBS_WORKER_CONCURRENCY) || 16);
      await workers.ready();
    } else {
      running = await startTestRuntime(p, { extensions: [ext], jobs: [], concurrency: 16, workerConcurrency: 16 });
    }
    const redis = mode === "bullmq" ? new Redis(REDIS_URL, { maxRetriesPerRequest: 2 }) : null;
    const ctx = running.rt.context();
    const sleepMs = handler === "1ms" ? 1 : 0;
    const done = () => p.db.read.get<{ n: number }>("SELECT count(*) AS n FROM bench_done")!.n;
    // warm-up (not timed): 200 jobs through the whole path, so connections, Lua scripts and workers' first blocking
    // fetches are behind us and the figure is the steady state
    for (let k = 0; k < 200; k++) ctx.tx((t) => t.enqueue(work, { i: -1 - k, sleepMs }));
    const w0 = performance.now();
    while (done() < 200 && performance.now() - w0 < 30_000) await Bun.sleep(5);
    p.db.tx((c) => c.run("DELETE FROM bench_done"));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const redis0 = redis ? await redisCpuUs(redis) : 0;
    let enqueued = 0;
    if (drain > 0) {
      // drain: `drain` jobs enqueued in one transaction, timed until all are applied (or 30 s)
      ctx.tx((t) => {
        for (; enqueued < drain; enqueued++) t.enqueue(work, { i: enqueued, sleepMs });
      });
      while (done() < enqueued && performance.now() - t0 < 30_000) await Bun.sleep(5);
    } else {
      // enqueue in batches (one transaction per job) while the backend drains, for budgetMs
      while (performance.now() - t0 < budgetMs * 0.6) {
        for (let k = 0; k < 200; k++) ctx.tx((t) => t.enqueue(work, { i: enqueued++, sleepMs }));
        await Bun.sleep(1);
        if (enqueued - done() > 5000) await Bun.sleep(20);
      }
      while (done() < enqueued && performance.now() - t0 < budgetMs) await Bun.sleep(5);
    }
    const seconds = (performance.now() - t0) / 1000;
    const completed = done();
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = redis ? (await redisCpuUs(redis)) - redis0 : 0;
    redis?.disconnect();
    // the workers' CPU from their start (warm-up included: a slight overstatement)
    const workersCpu = workers ? await workers.stop() : 0;
    workers = null;
    await running.stop();
    const jobsPerSecond = completed / seconds;
    const per = (us: number) => Math.round(us / Math.max(1, completed));
    return {
      backend: mode,
      handler,
      jobs: completed,
      seconds: +seconds.toFixed(2),
      jobsPerSecond: Math.round(jobsPerSecond),
      floorTxPerSecond: Math.round(floor),
      ratioToFloor: +(jobsPerSecond / floor).toFixed(3),
      cpuUsPerJob: per(cpu.user + cpu.system),
      ...(redis ? { redisCpuUsPerJob: per(redisCpu) } : {}),
      ...(separate > 0 ? { workerProcesses: separate, workersCpuUsPerJob: per(workersCpu) } : {}),
    };
  } finally {
    workers?.kill();
    p.cleanup();
    if (mode === "bullmq") await deleteRedisPrefix(prefix);
  }
}

export async function run(): Promise<JobsBenchResult[]> {
  const out: JobsBenchResult[] = [];
  // KREDITKU_BENCH_JOBS=embedded:noop,bullmq:noop runs only those cases (profiling)
  const only = process.env.KREDITKU_BENCH_JOBS?.split(",").filter(Boolean);
  // KREDITKU_BENCH_JOBS_DRAIN=3000: instead, time the drain of that many jobs enqueued at once (backend alone)
  const drain = Number(process.env.KREDITKU_BENCH_JOBS_DRAIN ?? 0) || 0;
  // KREDITKU_BENCH_JOBS_WORKERS=2: BullMQ cases with that many separate worker processes
  workerProcesses = Math.max(0, Number(process.env.KREDITKU_BENCH_JOBS_WORKERS ?? 0) || 0);
  for (const mode of ["embedded", "bullmq"] as Mode[]) {
    for (const handler of ["noop", "1ms"] as const) {
      if (only && !only.includes(`${mode}:${handler}`)) continue;
      const r = await one(mode, handler, 4000, drain);
      out.push(r);
      console.log(
        `jobs ${r.backend.padEnd(8)} ${r.handler.padEnd(4)} ${String(r.jobsPerSecond).padStart(6)} jobs/s ${drain ? "drain" : "end to end"} (${r.jobs} jobs in ${r.seconds} s; floor ${r.floorTxPerSecond} tx/s, ratio ${r.ratioToFloor}; ${r.cpuUsPerJob} µs CPU per job` +
          (r.workerProcesses ? ` in the owner, ${r.workersCpuUsPerJob} µs in ${r.workerProcesses} worker processes` : "") +
          (r.redisCpuUsPerJob !== undefined ? `, ${r.redisCpuUsPerJob} µs in Redis` : "") +
          ")",
      );
    }
  }
  return out;
}

let workerProcesses = 0;

if (import.meta.main) {
  const workerPrefix = process.env.KREDITKU_BENCH_JOBS_WORKER;
  if (workerPrefix) await workerMain(workerPrefix, Number(process.env.KREDITKU_BENCH_JOBS_WORKER_CONCURRENCY) || 16);
  else await run();
  process.exit(0);
}
