// One contract suite for both job backends: embedded (SQLite outbox runner) and BullMQ on the real Redis
// (private prefix, its keys deleted afterwards).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineExtension, defineHook, defineJob, z } from "../runtime/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import { retryJobs } from "./ops.ts";
import { deleteRedisPrefix, queuePlatform, startTestRuntime, uniquePrefix, waitFor, type Mode } from "../../test/kit/queue.ts";
import type { Platform } from "../http/types.ts";

function testExtension(calls: Map<string, number>) {
  const bump = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const double = defineJob({
    name: "t.double",
    payload: z.object({ id: z.string(), n: z.number().int() }),
    runsOn: "any",
    attempts: 3,
    backoff: { type: "fixed", delayMs: 20 },
    handler(p, ctx) {
      bump(`double:${p.id}`);
      expect(() => ctx.db.get("SELECT 1")).toThrow(/stateless worker/);
      return { doubled: p.n * 2 };
    },
    apply(result, payload, t) {
      t.run("INSERT INTO t_results (id, value) VALUES (?, ?)", payload.id, result.doubled);
      t.emit("application.submitted", { applicationId: payload.id, userId: "u-apply" });
    },
  });
  const flaky = defineJob({
    name: "t.flaky",
    payload: z.object({ id: z.string(), failTimes: z.number().int() }),
    runsOn: "owner",
    attempts: 4,
    backoff: { type: "exponential", delayMs: 20 },
    handler(p, ctx) {
      bump(`flaky:${p.id}`);
      if (ctx.attempt <= p.failTimes) throw new Error(`flaky failure ${ctx.attempt}`);
      ctx.tx((t) => t.run("INSERT INTO t_results (id, value) VALUES (?, ?)", p.id, ctx.attempt));
    },
  });
  const doomed = defineJob({
    name: "t.doomed",
    payload: z.object({ id: z.string() }),
    runsOn: "any",
    attempts: 2,
    backoff: { type: "fixed", delayMs: 20 },
    handler(p) {
      bump(`doomed:${p.id}`);
      throw new Error("always fails");
    },
  });
  const slow = defineJob({
    name: "t.slow",
    payload: z.object({ id: z.string() }),
    runsOn: "owner",
    attempts: 1,
    timeoutMs: 150,
    async handler(p, ctx) {
      bump(`slow:${p.id}`);
      await new Promise<void>((res) => ctx.signal.addEventListener("abort", () => res()));
      bump(`slow-aborted:${p.id}`);
    },
  });
  const sleepy = defineJob({
    name: "t.sleepy",
    payload: z.object({ id: z.string() }),
    runsOn: "owner",
    async handler(p) {
      bump(`sleepy-start:${p.id}`);
      await Bun.sleep(300);
      bump(`sleepy-end:${p.id}`);
    },
  });
  const tick = defineJob({
    name: "t.tick",
    payload: z.object({}),
    runsOn: "owner",
    schedule: "* * * * * *",
    handler() {
      bump("tick");
    },
  });
  const jobs = { double, flaky, doomed, slow, sleepy, tick };
  const ext = defineExtension({
    name: "contract",
    jobs: Object.values(jobs),
    events: { "application.submitted": z.object({ applicationId: z.string(), userId: z.string() }) },
    hooks: [
      defineHook({
        event: "application.submitted",
        handler(p, ctx) {
          bump(`hook:${p.applicationId}`);
          ctx.tx((t) => t.run("INSERT INTO t_hooks (id, user_id) VALUES (?, ?)", p.applicationId, p.userId));
        },
      }),
    ],
    init(ctx) {
      ctx.tx((t) => {
        t.run("CREATE TABLE IF NOT EXISTS t_results (id TEXT NOT NULL, value INTEGER NOT NULL) STRICT");
        t.run("CREATE TABLE IF NOT EXISTS t_hooks (id TEXT NOT NULL, user_id TEXT NOT NULL) STRICT");
      });
    },
  });
  return { ext, jobs };
}

const count = (p: Platform, sql: string, ...args: any[]) => (p.db.read.get<{ n: number }>(sql, ...args)?.n ?? 0);
const outboxState = (p: Platform, key: string) => p.db.read.get<{ state: string; attempts: number; last_error: string | null }>("SELECT state, attempts, last_error FROM outbox WHERE key = ?", key);

for (const mode of ["embedded", "bullmq"] as Mode[]) {
  describe(`job backend contract: ${mode}`, () => {
    const prefix = uniquePrefix("test-contract");
    const calls = new Map<string, number>();
    const { ext, jobs: { double, flaky, doomed, slow, sleepy } } = testExtension(calls);
    let p: ReturnType<typeof queuePlatform>;
    let running: Awaited<ReturnType<typeof startTestRuntime>>;
    let rt: Runtime;
    let preKey = "";

    beforeAll(async () => {
      p = queuePlatform(mode, prefix);
      // crash between commit and dispatch: rows committed while no runner/dispatcher is alive
      const before = new Runtime(p, { extensions: [ext], jobs: [] });
      const ctx = before.context();
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS t_results (id TEXT NOT NULL, value INTEGER NOT NULL) STRICT"));
      preKey = ctx.enqueue(double, { id: "pre-crash", n: 21 });
      if (mode === "embedded") {
        // a row claimed by a process that died (state running, lease not yet expired)
        ctx.enqueue(flaky, { id: "stale-lease", failTimes: 0 }, { key: "stale-lease" });
        p.db.tx((c) => c.run("UPDATE outbox SET state = 'running', attempts = 1, lease_until = ? WHERE key = 'stale-lease'", Date.now() + 60_000));
      }
      running = await startTestRuntime(p, { extensions: [ext], jobs: [] });
      rt = running.rt;
    });

    afterAll(async () => {
      await running?.stop();
      p?.cleanup();
      if (mode === "bullmq") await deleteRedisPrefix(prefix);
    });

    test("a row committed before the runner started (crash between commit and dispatch) is delivered", async () => {
      await waitFor(() => count(p, "SELECT count(*) AS n FROM t_results WHERE id = 'pre-crash'") === 1, 8000, "pre-crash result");
      await waitFor(() => outboxState(p, preKey)?.state === "completed", 3000, "completed mark");
      if (mode === "embedded") await waitFor(() => count(p, "SELECT count(*) AS n FROM t_results WHERE id = 'stale-lease'") === 1, 3000, "stale lease row");
    });

    test("enqueue in a rolled-back transaction enqueues nothing", async () => {
      const ctx = rt.context();
      expect(() =>
        ctx.tx((t) => {
          t.enqueue(double, { id: "rolled-back", n: 1 });
          t.emit("application.submitted", { applicationId: "rolled-back", userId: "u" });
          throw new Error("abort the transaction");
        }),
      ).toThrow("abort the transaction");
      expect(count(p, "SELECT count(*) AS n FROM outbox WHERE payload LIKE '%rolled-back%'")).toBe(0);
      await Bun.sleep(300);
      expect(calls.get("double:rolled-back")).toBeUndefined();
      expect(calls.get("hook:rolled-back")).toBeUndefined();
    });

    test("a job runs after commit, its result is applied once, and apply's events reach hooks", async () => {
      const ctx = rt.context();
      const t0 = performance.now();
      const key = ctx.tx((t) => t.enqueue(double, { id: "d1", n: 5 }));
      await waitFor(() => count(p, "SELECT count(*) AS n FROM t_results WHERE id = 'd1' AND value = 10") === 1, 5000, "d1 applied");
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(mode === "embedded" ? 500 : 1500); // the poll is 5 s: only the post-commit nudge is this fast
      await waitFor(() => outboxState(p, key)?.state === "completed", 3000, "d1 completed");
      await waitFor(() => count(p, "SELECT count(*) AS n FROM t_hooks WHERE id = 'd1'") === 1, 5000, "hook from apply");
    });

    test("the same key enqueued twice is one job; a result delivered twice is applied once", async () => {
      const ctx = rt.context();
      const k1 = ctx.enqueue(double, { id: "dup", n: 2 }, { key: "dup-key" });
      const k2 = ctx.tx((t) => t.enqueue(double, { id: "dup", n: 2 }, { key: "dup-key" }));
      expect(k1).toBe("dup-key");
      expect(k2).toBe("dup-key");
      expect(count(p, "SELECT count(*) AS n FROM outbox WHERE key = 'dup-key'")).toBe(1);
      await waitFor(() => outboxState(p, "dup-key")?.state === "completed", 5000, "dup completed");
      // redelivery of the same result (worker crashed after reporting it): no second effect
      rt.exec.complete(p.db, { key: "dup-key", kind: "job", name: "t.double", payload: { id: "dup", n: 2 }, result: { doubled: 4 } });
      expect(count(p, "SELECT count(*) AS n FROM t_results WHERE id = 'dup'")).toBe(1);
      expect(calls.get("double:dup")).toBe(1);
    });

    test("duplicate dispatch of a row runs it once", async () => {
      const ctx = rt.context();
      const key = ctx.enqueue(double, { id: "redispatch", n: 3 });
      await waitFor(() => outboxState(p, key)?.state === "completed", 5000, "completed");
      // the dispatcher crashed after handing the row over but before marking it: the row is offered again
      p.db.tx((c) => c.run("UPDATE outbox SET state = ? WHERE key = ?", mode === "bullmq" ? "pending" : "completed", key));
      rt.nudge();
      await Bun.sleep(400);
      expect(calls.get("double:redispatch")).toBe(1);
      expect(count(p, "SELECT count(*) AS n FROM t_results WHERE id = 'redispatch'")).toBe(1);
    });

    test("failures are retried with backoff, then succeed", async () => {
      const key = rt.context().enqueue(flaky, { id: "flaky", failTimes: 2 });
      await waitFor(() => outboxState(p, key)?.state === "completed", 8000, "flaky completed");
      expect(calls.get("flaky:flaky")).toBe(3);
      expect(p.db.read.get<{ value: number }>("SELECT value FROM t_results WHERE id = 'flaky'")?.value).toBe(3);
      expect(await p.metrics.text()).toMatch(/jobs_retried_total\{queue="owner"\} [1-9]/);
    });

    test("the last failed attempt leaves the job dead with its error", async () => {
      const key = rt.context().enqueue(doomed, { id: "doomed" });
      const row = await waitFor(() => (outboxState(p, key)?.state === "dead" ? outboxState(p, key) : null), 8000, "dead");
      expect(row.attempts).toBe(2);
      expect(row.last_error).toContain("always fails");
      expect(calls.get("doomed:doomed")).toBe(2);
      // `kreditku jobs retry <key>`: runs again with a fresh attempt count
      expect((await retryJobs(p.db, p.config, { idOrKey: key })).map((r) => r.key)).toEqual([key]);
      expect(outboxState(p, key)?.state).toBe("pending");
      rt.nudge();
      await waitFor(() => calls.get("doomed:doomed") === 4 && outboxState(p, key)?.state === "dead", 8000, "dead again after retry");
      expect(outboxState(p, key)?.attempts).toBe(2);
    });

    test("a job over its timeout is aborted through its signal", async () => {
      const key = rt.context().enqueue(slow, { id: "slow" });
      const row = await waitFor(() => (outboxState(p, key)?.state === "dead" ? outboxState(p, key) : null), 5000, "timed out");
      expect(row.last_error).toContain("timed out after 150 ms");
      expect(calls.get("slow-aborted:slow")).toBe(1);
    });

    test("events emitted in a transaction run their hooks after commit, not inside it", () => {
      const ctx = rt.context();
      ctx.tx((t) => {
        t.emit("application.submitted", { applicationId: "ev1", userId: "u1" });
        expect(calls.get("hook:ev1")).toBeUndefined();
      });
      return waitFor(() => count(p, "SELECT count(*) AS n FROM t_hooks WHERE id = 'ev1' AND user_id = 'u1'") === 1, 5000, "hook ran");
    });

    test("cron schedules fire", async () => {
      await waitFor(() => (calls.get("tick") ?? 0) >= 1, 3500, "a scheduled tick");
    });

    test("shutdown lets a running job finish", async () => {
      const key = rt.context().enqueue(sleepy, { id: "shutdown" });
      await waitFor(() => calls.get("sleepy-start:shutdown") === 1, 5000, "sleepy started");
      await running.stop();
      expect(calls.get("sleepy-end:shutdown")).toBe(1);
      expect(outboxState(p, key)?.state).toBe("completed");
    });

    test("metrics: counters, durations, outbox lag, queue depth", async () => {
      const m = await p.metrics.text();
      expect(m).toMatch(/jobs_completed_total\{queue="t.double"\} [1-9]/);
      expect(m).toMatch(/jobs_failed_total\{queue="t.doomed"\} [1-9]/);
      expect(m).toContain("job_duration_seconds_bucket");
      expect(m).toContain("outbox_lag_seconds");
      expect(m).toContain("queue_depth");
    });
  });
}
