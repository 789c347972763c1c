// The embedded runner's once-only apply: a row's claim (state 'running') is its guard. A run whose lease expired while
// it was still going is superseded by the run of the new claim: its result is dropped, the row's result applied once.
// A completed row is final: a late failure of a superseded run does not reschedule it.
import { describe, expect, test } from "bun:test";
import { defineExtension, defineJob, z } from "../runtime/index.ts";
import { queuePlatform, startTestRuntime, waitFor } from "../../test/kit/queue.ts";

function slowFirstRun(runs: Map<string, number>, opts: { firstFails: boolean }) {
  const bump = (k: string) => runs.set(k, (runs.get(k) ?? 0) + 1);
  const job = defineJob({
    name: "lease.slow",
    payload: z.object({ id: z.string() }),
    runsOn: "owner",
    attempts: 5,
    timeoutMs: 10_000,
    backoff: { type: "fixed", delayMs: 10 },
    async handler(p, ctx) {
      bump(`run:${p.id}`);
      // the first run outlives its lease (50 ms here): the row is claimed again and run by a second run meanwhile
      if (ctx.attempt === 1) {
        await Bun.sleep(400);
        if (opts.firstFails) throw new Error("first run fails late");
      }
      return { attempt: ctx.attempt };
    },
    apply(r, p, t) {
      bump(`apply:${p.id}`);
      t.run("INSERT INTO t_lease (id, attempt) VALUES (?, ?)", p.id, r.attempt);
    },
  });
  const ext = defineExtension({
    name: "lease",
    jobs: [job],
    init(ctx) {
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS t_lease (id TEXT NOT NULL, attempt INTEGER NOT NULL) STRICT"));
    },
  });
  return { ext, job };
}

describe("embedded runner: a run superseded after its lease expired", () => {
  for (const firstFails of [false, true]) {
    test(`the second claim's run applies once; the first run's late ${firstFails ? "failure" : "result"} is dropped`, async () => {
      const runs = new Map<string, number>();
      const { ext, job } = slowFirstRun(runs, { firstFails });
      const p = queuePlatform("embedded");
      // lease = the job's timeout (10 s) + grace: 50 ms, polled every 20 ms so the expired lease is claimed again
      const running = await startTestRuntime(p, { extensions: [ext], jobs: [], concurrency: 4, embedded: { pollMs: 20, leaseGraceMs: 50 - 10_000 } });
      try {
        const key = running.rt.context().enqueue(job, { id: "s1" });
        await waitFor(() => runs.get("run:s1") === 2, 5000, "second run");
        await waitFor(() => p.db.read.get<{ state: string }>("SELECT state FROM outbox WHERE key = ?", key)?.state === "completed", 5000, "completed");
        // the first run finishes after the second one applied: nothing more happens
        await Bun.sleep(600);
        expect(runs.get("run:s1")).toBe(2);
        expect(runs.get("apply:s1")).toBe(1);
        expect(p.db.read.all("SELECT id, attempt FROM t_lease")).toEqual([{ id: "s1", attempt: 2 }]);
        const row = p.db.read.get<{ state: string; attempts: number; last_error: string | null }>("SELECT state, attempts, last_error FROM outbox WHERE key = ?", key);
        expect(row).toEqual({ state: "completed", attempts: 2, last_error: null });
      } finally {
        await running.stop();
        p.cleanup();
      }
    }, 20_000);
  }
});
