// Redis lost or down, on a redis-server of the test's own: a flush in the middle of a burst loses the BullMQ jobs
// (and results) of dispatched rows — the owner notices, dispatches them again, and every job's effect is applied
// exactly once; `jobs redispatch` does the same on demand. With Redis stopped, /readyz stays 200 (redis degraded)
// and /metrics answers within its bound from the last values; a job stalled by its worker is logged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Queue, Worker } from "bullmq";
import Redis from "ioredis";
import { createServer, type Socket } from "node:net";
import { defineExtension, defineJob, z } from "../runtime/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import { createApp } from "../http/app.ts";
import { deleteRedisPrefix, startTestRuntime, uniquePrefix, waitFor } from "../../test/kit/queue.ts";
import { testPlatform, type TestPlatform } from "../../test/kit/app.ts";
import { startOwnRedis, type OwnRedis } from "../../test/kit/redis.ts";
import { redispatchLost, retryJobs } from "./ops.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";
import { jobsCommand } from "../cli/jobs.ts";
import { BullOwner, connectionOf, jobIdOf, StatelessWorkers } from "./bullmq.ts";
import { JobExecutor } from "./executor.ts";
import { JobMetrics } from "./metrics.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";

const effectJobs = () => {
  const apply = (_r: unknown, p: { id: string }, t: { run(sql: string, ...a: unknown[]): unknown }) => {
    t.run("INSERT INTO t_effects (id) VALUES (?)", p.id);
  };
  const anyJob = defineJob({
    name: "loss.any",
    payload: z.object({ id: z.string() }),
    runsOn: "any",
    attempts: 5,
    backoff: { type: "fixed", delayMs: 50 },
    async handler() {
      await Bun.sleep(3);
      return { ok: true };
    },
    apply,
  });
  const ownerJob = defineJob({
    name: "loss.owner",
    payload: z.object({ id: z.string() }),
    runsOn: "owner",
    attempts: 5,
    backoff: { type: "fixed", delayMs: 50 },
    async handler() {
      await Bun.sleep(3);
      return { ok: true };
    },
    apply,
  });
  const ext = defineExtension({
    name: "loss",
    jobs: [anyJob, ownerJob],
    init(ctx) {
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS t_effects (id TEXT NOT NULL) STRICT"));
    },
  });
  return { ext, anyJob, ownerJob };
};

const n = (p: TestPlatform, sql: string, ...args: (string | number)[]) => p.db.read.get<{ n: number }>(sql, ...args)?.n ?? 0;

let redis: OwnRedis;
beforeAll(async () => {
  redis = await startOwnRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe("Redis loses its data", () => {
  test("flushed in the middle of a burst: every job completes, each effect applied exactly once", async () => {
    const { ext, anyJob, ownerJob } = effectJobs();
    const p = testPlatform({ clock: "system", logLevel: "info", config: { queuePrefix: uniquePrefix("loss"), redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const running = await startTestRuntime(p, { extensions: [ext], jobs: [], lostCheckMs: 200, lostAfterMs: 500, workerConcurrency: 4 });
    try {
      const ctx = running.rt.context();
      const TOTAL = 400;
      for (let b = 0; b < TOTAL / 20; b++) {
        ctx.tx((t) => {
          for (let i = 0; i < 20; i++) {
            const id = `j${b * 20 + i}`;
            t.enqueue(i % 2 ? anyJob : ownerJob, { id }, { key: `loss-${id}` });
          }
        });
      }
      await waitFor(() => n(p, "SELECT count(*) AS n FROM t_effects") >= 40, 15_000, "part of the burst applied");
      await redis.flush();
      const doneAtFlush = n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'");
      expect(doneAtFlush).toBeLessThan(TOTAL); // the flush really lands mid-burst
      await waitFor(() => n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'") === TOTAL, 40_000, "every job completed");
      expect(n(p, "SELECT count(*) AS n FROM t_effects")).toBe(TOTAL);
      expect(n(p, "SELECT count(DISTINCT id) AS n FROM t_effects")).toBe(TOTAL);
      const text = await p.metrics.text();
      const redispatched = [...text.matchAll(/^jobs_redispatched_total\{[^}]*reason="lost"[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
      expect(redispatched).toBeGreaterThan(0);
      expect(text).toMatch(/^queue_workers\{queue="loss.any"\} [1-9]\d*$/m); // the stateless workers
      expect(text).toMatch(/^queue_workers\{queue="owner"\} [1-9]\d*$/m);
      expect(p.logLines.some((l) => l.includes("jobs lost by redis are dispatched again"))).toBe(true);
    } finally {
      await running.stop();
      p.close();
    }
  }, 90_000);

  test("`jobs redispatch`: dispatched rows whose job is gone are pending again; a row whose job exists is left alone", async () => {
    const { ext, anyJob } = effectJobs();
    const prefix = uniquePrefix("redispatch");
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const rt = new Runtime(p, { extensions: [ext], jobs: [] }); // not started: no dispatcher
    const ctx = rt.context();
    const keys = ["rd-1", "rd-2", "rd-3"].map((k) => ctx.enqueue(anyJob, { id: k }, { key: k }));
    const old = Date.now() - 60_000;
    p.db.tx((c) => c.run("UPDATE outbox SET state = 'dispatched', updated_at = ?", old));
    const q = new Queue("loss.any", { connection: connectionOf(redis.url), prefix });
    try {
      await q.add("loss.any", { key: "rd-3", kind: "job", name: "loss.any", payload: { id: "rd-3" } }, { jobId: jobIdOf("rd-3") });
      const dry = await redispatchLost(p.db, p.config, { dryRun: true });
      expect(dry.checked).toBe(3);
      expect(dry.lost.map((r) => r.key).sort()).toEqual(["rd-1", "rd-2"]);
      expect(n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'dispatched'")).toBe(3);
      const res = await redispatchLost(p.db, p.config);
      expect(res.lost.map((r) => r.key).sort()).toEqual(["rd-1", "rd-2"]);
      const states = p.db.read.all<{ key: string; state: string }>("SELECT key, state FROM outbox ORDER BY key");
      expect(states).toEqual([
        { key: keys[0]!, state: "pending" },
        { key: keys[1]!, state: "pending" },
        { key: keys[2]!, state: "dispatched" },
      ]);
    } finally {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      p.close();
    }
  });
});

describe("the owner's lost-job check", () => {
  test("a worker job gone from Redis while its result still waits is not run twice; once the result is applied it is; others' results and ids left without an entry hold nothing back", async () => {
    const { ext } = effectJobs();
    const prefix = uniquePrefix("lost-guard");
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const rt = new Runtime(p, { extensions: [ext], jobs: [], lostCheckMs: 0, pollMs: 60_000 });
    const results = new Queue("results", { connection: connectionOf(redis.url), prefix });
    try {
      await rt.start();
      const owner = rt.backend as BullOwner;
      // rows handed over a minute ago whose jobs are not in Redis (as after a flush, or a finished job removed)
      p.db.tx((c) => {
        c.run("INSERT INTO outbox (key, kind, name, queue, payload, state, max_attempts, run_at, created_at, updated_at) VALUES ('g-any', 'job', 'loss.any', 'loss.any', '{\"id\":\"g-any\"}', 'dispatched', 3, 1, 1, 1)");
        c.run("INSERT INTO outbox (key, kind, name, queue, payload, state, max_attempts, run_at, created_at, updated_at) VALUES ('g-own', 'job', 'loss.owner', 'owner', '{\"id\":\"g-own\"}', 'dispatched', 3, 1, 1, 1)");
      });
      const mine = `r-${jobIdOf("g-any")}-1796000000000-ok`;
      await results.add("result", { pending: true }, { jobId: mine, delay: 600_000 });
      await results.add("result", { pending: true }, { jobId: `r-${jobIdOf("other")}-1796000000000-ok`, delay: 600_000 });
      expect(await owner.checkLost()).toBe(1); // the owner's row only: a result may still be on its way for the other
      expect(p.db.read.get<{ state: string }>("SELECT state FROM outbox WHERE key = 'g-any'")?.state).toBe("dispatched");
      await waitFor(() => n(p, "SELECT count(*) AS n FROM t_effects WHERE id = 'g-own'") === 1, 10_000, "the owner's job run again and applied");
      await results.remove(mine);
      const raw = new Redis(redis.url);
      await raw.rpush(`${prefix}:results:active`, mine); // an id whose entry Redis lost
      raw.disconnect();
      expect(await owner.checkLost()).toBe(1); // no result pending any more: the worker job is handed over again
      const anyQueue = new Queue("loss.any", { connection: connectionOf(redis.url), prefix });
      try {
        await waitFor(async () => (await anyQueue.getJob(jobIdOf("g-any"))) !== undefined, 10_000, "the worker job back in Redis");
      } finally {
        await anyQueue.close();
      }
    } finally {
      await rt.stop(1000);
      await results.obliterate({ force: true }).catch(() => undefined);
      await results.close();
      p.close();
    }
  }, 30_000);
});

describe("Redis loses part of a job", () => {
  /** Stateless workers like `kreditku worker`, for the 'any' queues of this runtime. */
  const workersFor = async (p: TestPlatform, rt: Runtime) => {
    const exec = new JobExecutor(rt.reg, { config: p.config, log: p.log, metrics: p.metrics, clock: systemClock, ports: new Map() }, new JobMetrics(new Metrics({ defaultMetrics: false })));
    const w = new StatelessWorkers(exec, { url: redis.url, prefix: p.config.queuePrefix, log: p.log, queues: rt.reg.workerQueues(), concurrency: 2 });
    await w.start();
    return { w, exec };
  };
  const stateOf = (p: TestPlatform, key: string) => p.db.read.get<{ state: string }>("SELECT state FROM outbox WHERE key = ?", key)?.state;
  const ageRows = (p: TestPlatform) => p.db.tx((c) => c.run("UPDATE outbox SET updated_at = ? WHERE state = 'dispatched'", Date.now() - 60_000));

  test("its hash lost while its id waits: the worker gets a job without data, skips it (the row is not marked dead); the owner dispatches the row again and it is applied once", async () => {
    const { ext, anyJob } = effectJobs();
    const prefix = uniquePrefix("husk");
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const rt = new Runtime(p, { extensions: [ext], jobs: [], lostCheckMs: 0, pollMs: 60_000 });
    const q = new Queue("loss.any", { connection: connectionOf(redis.url), prefix });
    let workers: Awaited<ReturnType<typeof workersFor>> | null = null;
    try {
      await rt.start();
      const owner = rt.backend as BullOwner;
      rt.context().enqueue(anyJob, { id: "h1" }, { key: "husk-1" });
      await waitFor(() => stateOf(p, "husk-1") === "dispatched", 10_000, "handed to BullMQ");
      const raw = new Redis(redis.url);
      await raw.del(`${prefix}:loss.any:${jobIdOf("husk-1")}`); // the hash gone, the id still in the wait list
      raw.disconnect();
      workers = await workersFor(p, rt);
      await waitFor(async () => (await q.getJob(jobIdOf("husk-1")))?.finishedOn !== undefined, 10_000, "the husk taken and acknowledged");
      expect((await q.getJob(jobIdOf("husk-1")))?.data).toEqual({}); // what BullMQ hands a worker after such a loss
      await Bun.sleep(200); // a report of the husk, had there been one, would have reached the owner by now
      expect(stateOf(p, "husk-1")).toBe("dispatched");
      expect(n(p, "SELECT count(*) AS n FROM t_effects")).toBe(0);
      expect(await workers.exec.metrics.husks.get()).toMatchObject({ values: [{ value: 1, labels: { queue: "loss.any" } }] });
      ageRows(p);
      expect(await owner.checkLost()).toBe(1);
      await waitFor(() => stateOf(p, "husk-1") === "completed", 10_000, "run again and applied");
      expect(n(p, "SELECT count(*) AS n FROM t_effects WHERE id = 'h1'")).toBe(1);
      expect((await q.getJob(jobIdOf("husk-1")))?.data).toMatchObject({ key: "husk-1", name: "loss.any" });
    } finally {
      await workers?.w.close(1000);
      await rt.stop(1000);
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      p.close();
    }
  }, 30_000);

  test("a worker job finished while its result was lost: after the grace the row is dispatched again and applied once; `jobs redispatch --dry-run` lists it first", async () => {
    const { ext, anyJob } = effectJobs();
    const prefix = uniquePrefix("lost-result");
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const q = new Queue("loss.any", { connection: connectionOf(redis.url), prefix });
    const first = new Runtime(p, { extensions: [ext], jobs: [], lostCheckMs: 0, pollMs: 60_000 });
    let rt: Runtime | null = null;
    let workers: Awaited<ReturnType<typeof workersFor>> | null = null;
    try {
      await first.start();
      first.context().enqueue(anyJob, { id: "r1" }, { key: "lost-result-1" });
      await waitFor(() => stateOf(p, "lost-result-1") === "dispatched", 10_000, "handed to BullMQ");
      await first.stop(1000); // the owner away: the result waits in Redis
      workers = await workersFor(p, first);
      await waitFor(async () => (await q.getJob(jobIdOf("lost-result-1")))?.finishedOn !== undefined, 10_000, "run by the worker");
      await workers.w.close(1000);
      workers = null;
      await deleteRedisPrefix(`${prefix}:results`, redis.url); // the result lost
      ageRows(p);
      rt = new Runtime(p, { extensions: [ext], jobs: [], lostCheckMs: 0, pollMs: 60_000, lostFinishedAfterMs: 60_000 });
      await rt.start();
      const owner = rt.backend as BullOwner;
      expect(await owner.checkLost()).toBe(0); // finished a moment ago: its result may still be on its way
      expect((await redispatchLost(p.db, p.config, { dryRun: true })).lost).toEqual([]);
      await rt.stop(1000);
      rt = new Runtime(p, { extensions: [ext], jobs: [], lostCheckMs: 0, pollMs: 60_000, lostFinishedAfterMs: 100 });
      await rt.start();
      await Bun.sleep(150);
      expect((await redispatchLost(p.db, p.config, { dryRun: true, finishedGraceMs: 100 })).lost.map((r) => r.key)).toEqual(["lost-result-1"]);
      expect(await (rt.backend as BullOwner).checkLost()).toBe(1);
      workers = await workersFor(p, rt);
      await waitFor(() => stateOf(p, "lost-result-1") === "completed", 10_000, "run again and applied");
      expect(n(p, "SELECT count(*) AS n FROM t_effects WHERE id = 'r1'")).toBe(1);
    } finally {
      await workers?.w.close(1000);
      await rt?.stop(1000);
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      p.close();
    }
  }, 30_000);
});

describe("kreditku jobs redispatch", () => {
  test("lists (--dry-run) and dispatches again the rows whose job Redis lost", async () => {
    const { ext, ownerJob } = effectJobs();
    const prefix = uniquePrefix("cli-redispatch");
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const ctx = new Runtime(p, { extensions: [ext], jobs: [] }).context();
    ctx.enqueue(ownerJob, { id: "c1" }, { key: "cli-1" });
    p.db.tx((c) => c.run("UPDATE outbox SET state = 'dispatched', updated_at = ?", Date.now() - 60_000));
    const out: string[] = [];
    const log = console.log;
    const saved = { url: process.env.REDIS_URL, prefix: process.env.KREDITKU_QUEUE_PREFIX };
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    process.env.REDIS_URL = redis.url;
    process.env.KREDITKU_QUEUE_PREFIX = prefix;
    try {
      expect(await jobsCommand.run(["redispatch", "--dry-run", "--depot", p.depot])).toBe(0);
      expect(JSON.parse(out.at(-1)!)).toEqual({ checked: 1, lost: 1, keys: ["cli-1"] });
      expect(await jobsCommand.run(["redispatch", "--depot", p.depot])).toBe(0);
      expect(JSON.parse(out.at(-1)!)).toEqual({ checked: 1, redispatched: 1, keys: ["cli-1"] });
      expect(p.db.read.get<{ state: string }>("SELECT state FROM outbox WHERE key = 'cli-1'")?.state).toBe("pending");
      await expect(jobsCommand.run(["redispatch", "extra", "--depot", p.depot])).rejects.toThrow(/unexpected argument/);
    } finally {
      console.log = log;
      if (saved.url === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved.url;
      if (saved.prefix === undefined) delete process.env.KREDITKU_QUEUE_PREFIX;
      else process.env.KREDITKU_QUEUE_PREFIX = saved.prefix;
      p.close();
    }
  });
});

describe("Redis down", () => {
  test("/readyz stays 200 (redis degraded) and /metrics answers within 2 s from the last values; jobs resume after Redis returns empty", async () => {
    const { ext, anyJob, ownerJob } = effectJobs();
    const p = testPlatform({ clock: "system", logLevel: "info", config: { queuePrefix: uniquePrefix("down"), redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const running = await startTestRuntime(p, { extensions: [ext], jobs: [], lostCheckMs: 200, lostAfterMs: 500, workerConcurrency: 4 });
    const app = createApp(p);
    try {
      const ctx = running.rt.context();
      ctx.tx((t) => t.enqueue(ownerJob, { id: "before" }, { key: "down-before" }));
      await waitFor(() => n(p, "SELECT count(*) AS n FROM t_effects") === 1, 10_000, "first job");
      const up = await app.request("/readyz");
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ status: "ready", checks: { redis: true } });
      const first = await app.request("/metrics");
      expect(await first.text()).toMatch(/^redis_up 1$/m);

      await redis.stop();
      // jobs enqueued while Redis is down wait in the outbox
      ctx.tx((t) => {
        t.enqueue(ownerJob, { id: "during-1" }, { key: "down-during-1" });
        t.enqueue(anyJob, { id: "during-2" }, { key: "down-during-2" });
      });
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const r = await app.request("/readyz");
        expect(performance.now() - t0).toBeLessThan(2500);
        expect(r.status).toBe(200);
        expect(await r.json()).toMatchObject({ status: "degraded", checks: { database: true, migrations: true, redis: "degraded" } });
        const t1 = performance.now();
        const m = await app.request("/metrics");
        expect(performance.now() - t1).toBeLessThan(2000);
        expect(m.status).toBe(200);
        const text = await m.text();
        expect(text).toMatch(/^redis_up 0$/m);
        expect(text).toMatch(/^metrics_collect_stale\{metric="queue_depth"\} 1$/m);
        expect(text).toMatch(/^queue_depth\{queue="owner"\} \d+$/m); // the last value, served
      }
      // the webhook/OTP side of the API (SQLite only) keeps answering
      expect((await app.request("/healthz")).status).toBe(200);
      // repairs answer promptly instead of hanging: nothing is changed while Redis is away
      p.db.tx((c) => c.run("UPDATE outbox SET state = 'dead' WHERE key = 'down-before'"));
      const t2 = performance.now();
      expect(await retryJobs(p.db, p.config, { idOrKey: "down-before" }).catch((e) => e)).toBeInstanceOf(DependencyUnavailable);
      expect(await redispatchLost(p.db, p.config).catch((e) => e)).toBeInstanceOf(DependencyUnavailable);
      expect(performance.now() - t2).toBeLessThan(5000);
      expect(p.db.read.get<{ state: string }>("SELECT state FROM outbox WHERE key = 'down-before'")?.state).toBe("dead");
      p.db.tx((c) => c.run("UPDATE outbox SET state = 'completed' WHERE key = 'down-before'"));

      await redis.start(); // back, empty
      await waitFor(() => n(p, "SELECT count(*) AS n FROM t_effects") === 3, 30_000, "jobs enqueued during the outage applied");
      await waitFor(async () => /^metrics_collect_stale\{metric="queue_depth"\} 0$/m.test(await (await app.request("/metrics")).text()), 10_000, "queue_depth fresh again");
      expect(n(p, "SELECT count(DISTINCT id) AS n FROM t_effects")).toBe(3);
    } finally {
      await running.stop();
      p.close();
    }
  }, 90_000);
});

describe("a Redis that accepts connections but never answers", () => {
  test("serve starts, /readyz is 200 degraded and /metrics answers, each within its bound; shutdown does not hang", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => {
      sockets.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((res) => silent.listen(0, "127.0.0.1", res));
    const url = `redis://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const { ext } = effectJobs();
    const p = testPlatform({ clock: "system", logLevel: "silent", config: { queuePrefix: uniquePrefix("silent"), redisUrl: url }, prefix: "kreditku-loss-" });
    const rt = new Runtime(p, { extensions: [ext], jobs: [] });
    const app = createApp(p);
    try {
      const t0 = performance.now();
      await rt.start();
      expect(performance.now() - t0).toBeLessThan(8000);
      const t1 = performance.now();
      const r = await app.request("/readyz");
      expect(performance.now() - t1).toBeLessThan(2500);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: "degraded", checks: { redis: "degraded" } });
      const t2 = performance.now();
      const m = await app.request("/metrics");
      expect(performance.now() - t2).toBeLessThan(2000);
      expect(await m.text()).toMatch(/^redis_up 0$/m);
      const t3 = performance.now();
      await rt.stop(2000);
      expect(performance.now() - t3).toBeLessThan(6000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      p.close();
    }
  }, 40_000);
});

describe("stalled jobs", () => {
  test("a job whose worker stops renewing its lock is logged as stalled, with its queue and id, and counted", async () => {
    const prefix = uniquePrefix("stall");
    const hang = defineJob({
      name: "loss.hang",
      payload: z.object({ id: z.string() }),
      runsOn: "any",
      attempts: 3,
      async handler(_p, ctx) {
        await new Promise<void>((res) => ctx.signal.addEventListener("abort", () => res()));
      },
    });
    const p = testPlatform({ clock: "system", logLevel: "info", config: { queuePrefix: prefix, redisUrl: redis.url }, prefix: "kreditku-loss-" });
    const rt = new Runtime(p, { extensions: [defineExtension({ name: "stall", jobs: [hang] })], jobs: [] });
    const mk = () => {
      const metrics = new Metrics({ defaultMetrics: false });
      const exec = new JobExecutor(rt.reg, { config: p.config, log: p.log, metrics, clock: systemClock, ports: new Map() }, new JobMetrics(metrics));
      return { metrics, w: new StatelessWorkers(exec, { url: redis.url, prefix, log: p.log, queues: ["loss.hang"], concurrency: 1, lockMs: 500 }) };
    };
    // a worker process that dies holding a job: it takes the job, then stops renewing its lock (force close)
    const a = new Worker("loss.hang", () => new Promise(() => {}), { connection: connectionOf(redis.url), prefix, lockDuration: 500, stalledInterval: 500 });
    a.on("error", () => {});
    const q = new Queue("loss.hang", { connection: connectionOf(redis.url), prefix });
    let b: ReturnType<typeof mk> | null = null;
    try {
      await q.add("loss.hang", { key: "stall-1", kind: "job", name: "loss.hang", payload: { id: "s" } }, { jobId: jobIdOf("stall-1"), attempts: 3 });
      await waitFor(async () => (await q.getActiveCount()) === 1, 5000, "job active");
      await a.close(true);
      b = mk();
      await b.w.start();
      await waitFor(() => p.logLines.find((l) => l.includes("job stalled")), 10_000, "stalled log line");
      const line = JSON.parse(p.logLines.find((l) => l.includes("job stalled"))!);
      expect(line).toMatchObject({ level: "warn", queue: "loss.hang", jobId: jobIdOf("stall-1"), name: "loss.hang" });
      expect(await b.metrics.text()).toMatch(/^jobs_stalled_total\{queue="loss.hang"\} 1$/m);
    } finally {
      await b?.w.close(0);
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      p.close();
    }
  }, 30_000);
});
