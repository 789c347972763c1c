// Jobs benchmark: jobs/s end to end (enqueue in a transaction → handler → result applied by the owner) for the
// embedded runner and BullMQ (in-process stateless workers, real Redis, private prefix), with a no-op and a 1 ms
// handler. Floor: single-row write transactions per second on the same database, measured in the same run; each
// figure is also printed as a ratio to it. Each case starts after a warm-up of 200 jobs; the
// CPU time per job (this process) is printed too: on a busy machine it moves far less than the rate. Bounded to ~20 s (plus the
// warm-ups). Run: bun run bench/jobs.ts
import { defineExtension, defineJob, z } from "../src/runtime/index.ts";
import { deleteRedisPrefix, queuePlatform, startTestRuntime, uniquePrefix, type Mode } from "../test/kit/queue.ts";

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
  try {
    // floor: one-row write transactions on this database
    p.db.writer.exec("CREATE TABLE bench_floor (i INTEGER NOT NULL) STRICT");
    const f0 = performance.now();
    let fn = 0;
    while (performance.now() - f0 < 300) for (let k = 0; k < 100; k++, fn++) p.db.tx((c) => c.run("INSERT INTO bench_floor (i) VALUES (?)", fn));
    const floor = fn / ((performance.now() - f0) / 1000);

    const running = await startTestRuntime(p, { extensions: [ext], jobs: [], concurrency: 16, workerConcurrency: 16 });
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
    await running.stop();
    const jobsPerSecond = completed / seconds;
    return { backend: mode, handler, jobs: completed, seconds: +seconds.toFixed(2), jobsPerSecond: Math.round(jobsPerSecond), floorTxPerSecond: Math.round(floor), ratioToFloor: +(jobsPerSecond / floor).toFixed(3), cpuUsPerJob: Math.round((cpu.user + cpu.system) / Math.max(1, completed)) };
  } finally {
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
  for (const mode of ["embedded", "bullmq"] as Mode[]) {
    for (const handler of ["noop", "1ms"] as const) {
      if (only && !only.includes(`${mode}:${handler}`)) continue;
      const r = await one(mode, handler, 4000, drain);
      out.push(r);
      console.log(
        `jobs ${r.backend.padEnd(8)} ${r.handler.padEnd(4)} ${String(r.jobsPerSecond).padStart(6)} jobs/s ${drain ? "drain" : "end to end"} (${r.jobs} jobs in ${r.seconds} s; floor ${r.floorTxPerSecond} tx/s, ratio ${r.ratioToFloor}; ${r.cpuUsPerJob} µs CPU per job)`,
      );
    }
  }
  return out;
}

if (import.meta.main) {
  await run();
  process.exit(0);
}
