// Jobs handled in batches (one claim statement, one transaction for the results of a batch): a batch where some jobs
// fail (handler or apply) and the others succeed applies exactly the good ones and retries the rest; a crash between
// dispatch and apply dispatches again without applying twice; Redis losing our keys in the middle of batches still
// ends with every effect applied exactly once. BullMQ on the shared Redis under a private prefix (deleted after).
import { describe, expect, test } from "bun:test";
import { defineExtension, defineJob, z } from "../runtime/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import { deleteRedisPrefix, queuePlatform, startTestRuntime, uniquePrefix, waitFor, type Mode } from "../../test/kit/queue.ts";
import type { TestPlatform } from "../../test/kit/app.ts";
import { BullOwner, type ResultData } from "./bullmq.ts";

function batchJobs(runs: Map<string, number>) {
  const bump = (k: string) => runs.set(k, (runs.get(k) ?? 0) + 1);
  // `failApply` fails its first apply after writing (the write must be rolled back): embedded, the job runs again;
  // BullMQ with a stateless worker, the result is delivered again;
  // `failHandler` fails every run of the handler (dead after its attempts)
  const mk = (name: string, runsOn: "any" | "owner") =>
    defineJob({
      name,
      payload: z.object({ id: z.string(), failApply: z.boolean().optional(), failHandler: z.boolean().optional() }),
      runsOn,
      attempts: 2,
      backoff: { type: "fixed", delayMs: 30 },
      handler(p, ctx) {
        bump(`run:${p.id}`);
        if (p.failHandler) throw new Error(`handler of ${p.id} fails`);
        return { id: p.id, attempt: ctx.attempt };
      },
      apply(r, p, t) {
        bump(`apply:${p.id}`);
        t.run("INSERT INTO t_batch (id, attempt) VALUES (?, ?)", p.id, r.attempt);
        if (p.failApply && runs.get(`apply:${p.id}`) === 1) throw new Error(`apply of ${p.id} fails`);
      },
    });
  const anyJob = mk("batch.any", "any");
  const ownerJob = mk("batch.owner", "owner");
  const ext = defineExtension({
    name: "batch",
    jobs: [anyJob, ownerJob],
    init(ctx) {
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS t_batch (id TEXT NOT NULL, attempt INTEGER NOT NULL) STRICT"));
    },
  });
  return { ext, anyJob, ownerJob };
}

const n = (p: TestPlatform, sql: string, ...args: (string | number)[]) => p.db.read.get<{ n: number }>(sql, ...args)?.n ?? 0;

/** Count outermost write transactions on the platform's database from now on. */
function countTransactions(p: TestPlatform) {
  const db = p.db;
  const tx = db.tx.bind(db);
  const counter = { n: 0 };
  db.tx = (<T>(fn: Parameters<typeof tx<T>>[0]) => {
    if (!db.inTransaction) counter.n++;
    return tx(fn);
  }) as typeof db.tx;
  return counter;
}

for (const mode of ["embedded", "bullmq"] as Mode[]) {
  describe(`job batches (${mode})`, () => {
    test("a batch where one handler and one apply fail: the others are applied once, the failures retried alone", async () => {
      const runs = new Map<string, number>();
      const { ext, anyJob, ownerJob } = batchJobs(runs);
      const prefix = uniquePrefix("batch");
      const p = queuePlatform(mode, prefix);
      const running = await startTestRuntime(p, { extensions: [ext], jobs: [], concurrency: 16, workerConcurrency: 16 });
      try {
        const job = mode === "embedded" ? ownerJob : anyJob;
        const txs = countTransactions(p);
        running.rt.context().tx((t) => {
          for (let i = 0; i < 10; i++) t.enqueue(job, { id: `ok${i}` }, { key: `batch-ok${i}` });
          t.enqueue(job, { id: "bad-apply", failApply: true }, { key: "batch-bad-apply" });
          t.enqueue(job, { id: "bad-handler", failHandler: true }, { key: "batch-bad-handler" });
        });
        await waitFor(() => n(p, "SELECT count(*) AS n FROM outbox WHERE state IN ('completed', 'dead')") === 12, 15_000, "every job completed or dead");
        // the good ones and the retried apply: each effect once, the failed apply's write rolled back
        expect(p.db.read.all<{ id: string; attempt: number }>("SELECT id, attempt FROM t_batch WHERE id = 'bad-apply'")).toEqual([{ id: "bad-apply", attempt: mode === "embedded" ? 2 : 1 }]);
        expect(n(p, "SELECT count(*) AS n FROM t_batch")).toBe(11);
        expect(n(p, "SELECT count(DISTINCT id) AS n FROM t_batch")).toBe(11);
        expect(n(p, "SELECT count(*) AS n FROM t_batch WHERE id LIKE 'ok%' AND attempt = 1")).toBe(10);
        for (let i = 0; i < 10; i++) expect(runs.get(`run:ok${i}`)).toBe(1);
        expect(runs.get("apply:bad-apply")).toBe(2);
        expect(runs.get("run:bad-apply")).toBe(mode === "embedded" ? 2 : 1);
        expect(n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'")).toBe(11);
        const dead = p.db.read.get<{ state: string; attempts: number; last_error: string }>("SELECT state, attempts, last_error FROM outbox WHERE key = 'batch-bad-handler'");
        expect(dead?.state).toBe("dead");
        expect(dead?.last_error).toContain("handler of bad-handler fails");
        expect(runs.get("run:bad-handler")).toBe(2);
        // batched: a claim and a result transaction per job would be ≥ 14 here
        expect(txs.n).toBeLessThanOrEqual(10);
      } finally {
        await running.stop();
        p.cleanup();
        if (mode === "bullmq") await deleteRedisPrefix(prefix);
      }
    }, 30_000);
  });
}

describe("BullMQ owner: results applied in batches", () => {
  test("one batch of results with a duplicate, a failing apply and a dead job: each outcome in its slot, effects once", async () => {
    const runs = new Map<string, number>();
    const { ext } = batchJobs(runs);
    const prefix = uniquePrefix("batch-results");
    const p = queuePlatform("bullmq", prefix);
    const rt = new Runtime(p, { extensions: [ext], jobs: [] });
    try {
      await rt.start();
      const owner = rt.backend as BullOwner;
      const ctx = rt.context();
      for (const id of ["r1", "r2", "r3", "r4"]) ctx.tx((t) => t.run("INSERT INTO outbox (key, kind, name, queue, payload, state, max_attempts, run_at, created_at, updated_at) VALUES (?, 'job', 'batch.any', 'batch.any', ?, 'dispatched', 2, 0, 0, 0)", `res-${id}`, JSON.stringify({ id })));
      const r = (id: string, extra: Partial<ResultData> = {}): ResultData => ({ key: `res-${id}`, kind: "job", name: "batch.any", payload: { id }, state: "completed", result: { id, attempt: 1 }, attempts: 1, ...extra });
      const out = owner.applyResults([r("r1"), r("r2", { payload: { id: "r2", failApply: true } }), r("r3", { state: "dead", error: "boom", attempts: 2 }), r("r1"), r("r4")]);
      expect(out.map((e) => (e ? e.message : null))).toEqual([null, "apply of r2 fails", null, null, null]);
      expect(p.db.read.all<{ id: string }>("SELECT id FROM t_batch ORDER BY id")).toEqual([{ id: "r1" }, { id: "r4" }]);
      const states = Object.fromEntries(p.db.read.all<{ key: string; state: string }>("SELECT key, state FROM outbox WHERE key LIKE 'res-%'").map((x) => [x.key, x.state]));
      expect(states).toEqual({ "res-r1": "completed", "res-r2": "dispatched", "res-r3": "dead", "res-r4": "completed" });
      // the failed result is delivered again (BullMQ retries it) with a result that applies: applied once
      expect(owner.applyResults([r("r2", { result: { id: "r2", attempt: 2 }, payload: { id: "r2", failApply: true } }), r("r1")])).toEqual([undefined, undefined]);
      expect(p.db.read.all<{ id: string; attempt: number }>("SELECT id, attempt FROM t_batch ORDER BY id")).toEqual([
        { id: "r1", attempt: 1 },
        { id: "r2", attempt: 2 },
        { id: "r4", attempt: 1 },
      ]);
    } finally {
      await rt.stop(2000);
      p.cleanup();
      await deleteRedisPrefix(prefix);
    }
  }, 20_000);

  test("a crash between dispatch and apply: the rows are dispatched again on restart and each result applied once", async () => {
    const runs = new Map<string, number>();
    const { ext, anyJob } = batchJobs(runs);
    const prefix = uniquePrefix("batch-crash");
    const p = queuePlatform("bullmq", prefix);
    const TOTAL = 60;
    try {
      // serve #1 hands the rows to BullMQ, then dies before any result is applied (no worker ran yet)
      const first = new Runtime(p, { extensions: [ext], jobs: [], pollMs: 100 });
      await first.start();
      first.context().tx((t) => {
        for (let i = 0; i < TOTAL; i++) t.enqueue(anyJob, { id: `c${i}` }, { key: `crash-c${i}` });
      });
      await waitFor(() => n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'dispatched'") === TOTAL, 10_000, "rows dispatched");
      await first.stop(1000);
      // the crash lost the dispatch marks of half the rows (committed in Redis, not in SQLite): pending again
      p.db.tx((c) => c.run("UPDATE outbox SET state = 'pending' WHERE key IN (SELECT key FROM outbox ORDER BY id LIMIT ?)", TOTAL / 2));
      // serve #2 plus workers: the pending rows are added again with the same job ids (no-ops), every job runs once
      const second = await startTestRuntime(p, { extensions: [ext], jobs: [], workerConcurrency: 8 });
      try {
        await waitFor(() => n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'") === TOTAL, 20_000, "every job completed");
        expect(n(p, "SELECT count(*) AS n FROM t_batch")).toBe(TOTAL);
        expect(n(p, "SELECT count(DISTINCT id) AS n FROM t_batch")).toBe(TOTAL);
        for (let i = 0; i < TOTAL; i++) expect(runs.get(`run:c${i}`)).toBe(1);
      } finally {
        await second.stop();
      }
    } finally {
      p.cleanup();
      await deleteRedisPrefix(prefix);
    }
  }, 40_000);

  test("our Redis keys lost in the middle of batches: every job completes, each effect applied exactly once", async () => {
    const runs = new Map<string, number>();
    const { ext, anyJob, ownerJob } = batchJobs(runs);
    const prefix = uniquePrefix("batch-flush");
    const p = queuePlatform("bullmq", prefix);
    const running = await startTestRuntime(p, { extensions: [ext], jobs: [], lostCheckMs: 200, lostAfterMs: 300, workerConcurrency: 16, concurrency: 16 });
    const TOTAL = 600;
    try {
      const ctx = running.rt.context();
      for (let b = 0; b < TOTAL / 100; b++) {
        ctx.tx((t) => {
          for (let i = 0; i < 100; i++) {
            const id = `f${b * 100 + i}`;
            t.enqueue(i % 3 ? anyJob : ownerJob, { id }, { key: `flush-${id}` });
          }
        });
      }
      await waitFor(() => n(p, "SELECT count(*) AS n FROM t_batch") >= 50, 20_000, "part of the burst applied");
      await deleteRedisPrefix(prefix); // like a FLUSHALL, for our keys only
      expect(n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'")).toBeLessThan(TOTAL); // really mid-burst
      await waitFor(() => n(p, "SELECT count(*) AS n FROM outbox WHERE state = 'completed'") === TOTAL, 60_000, "every job completed");
      expect(n(p, "SELECT count(*) AS n FROM t_batch")).toBe(TOTAL);
      expect(n(p, "SELECT count(DISTINCT id) AS n FROM t_batch")).toBe(TOTAL);
    } finally {
      await running.stop();
      p.cleanup();
      await deleteRedisPrefix(prefix);
    }
  }, 90_000);
});
