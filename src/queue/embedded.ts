// The embedded runner (no REDIS_URL): the serve process runs due outbox rows itself. Rows are claimed with a
// lease (state 'running', lease_until); a failed attempt is rescheduled with exponential backoff and jitter, the
// last one goes 'dead'. Woken right after a commit that wrote outbox rows, plus a slow poll. Batched: one pump per
// event-loop turn, one write transaction: the runs that finished since the last pump applied (or rescheduled), each
// apply in a savepoint of its own, then up to the free slots claimed in one statement. Once-only apply: a row's
// claim (state 'running') is its guard; its move to 'completed' goes with the apply.
import type { Conn, Db } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Clock } from "../clock.ts";
import { policyOf } from "../runtime/registry.ts";
import { anyDue, claimRows, markDead, markRetry, nextDueAt, releaseStaleLeases, type LeaseTable, type OutboxRow } from "./outbox.ts";
import { backoffDelay, describeError, type Canceller, type JobExecutor, type RunInput } from "./executor.ts";

export interface EmbeddedOptions {
  concurrency?: number;
  /** Slow poll interval (ms): picks up rows written by other processes (CLI retry) and expired leases. */
  pollMs?: number;
  /** Extra lease time beyond a job's timeout before another claim may take the row. */
  leaseGraceMs?: number;
}

/** A run in progress: `canceller` aborts it at shutdown (no AbortController and listener per run). */
interface Running {
  promise: Promise<void>;
  row: OutboxRow;
  startedAt: number;
  canceller: Canceller;
  /** Set when stop() aborted it: its failure is not recorded (the row runs again at the next start). */
  aborted: boolean;
}

type Outcome = { f: Finished; kind: "completed" | "retry" | "dead" | "superseded"; msg?: string; delay?: number; applyFailed?: boolean };
/** A batch's bookkeeping, done in a transaction: reported (logs, metrics, a nudge) after its commit. */
interface Settled {
  outcomes: Outcome[];
  wrote: boolean;
}

/** A finished run waiting for its bookkeeping (applied or rescheduled in the next batch transaction). */
interface Finished {
  row: OutboxRow;
  input: RunInput;
  ok: boolean;
  result: unknown;
  error: unknown;
  run: Running;
  done: () => void;
}

export class EmbeddedRunner {
  private running = new Map<number, Running>();
  private finished: Finished[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private pumpQueued = false;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseGraceMs: number;
  private readonly lease: LeaseTable;
  private readonly queueOf = new Map<string, string>();
  /** When the claim last looked for expired leases, and how often it looks while runs keep finishing. */
  private leaseScanAt = 0;
  private readonly leaseScanMs: number;

  constructor(
    private db: Db,
    private exec: JobExecutor,
    private log: Logger,
    private clock: Clock,
    opts: EmbeddedOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseGraceMs = opts.leaseGraceMs ?? 5000;
    this.leaseScanMs = Math.min(this.pollMs, 1000);
    // lease per job: its timeout plus the grace (one SQL CASE, so a batch is claimed by one statement)
    const byName: Record<string, number> = {};
    for (const name of exec.reg.jobs.keys()) byName[`job:${name}`] = policyOf(exec.reg, "job", name).timeoutMs + this.leaseGraceMs;
    for (const id of exec.reg.hooks.keys()) byName[`hook:${id}`] = policyOf(exec.reg, "hook", id).timeoutMs + this.leaseGraceMs;
    this.lease = { defaultMs: policyOf(exec.reg, "job", "").timeoutMs + this.leaseGraceMs, byName };
  }

  start() {
    const released = releaseStaleLeases(this.db, this.now());
    if (released) this.log.warn("outbox: rows left running by a previous process are due again", { rows: released });
    this.nudge();
  }

  private now() {
    return this.clock.now().getTime();
  }

  private queue(row: OutboxRow): string {
    const k = `${row.kind}:${row.name}`;
    let q = this.queueOf.get(k);
    if (q === undefined) this.queueOf.set(k, (q = this.exec.queueOf(row.kind, row.name)));
    return q;
  }

  /**
   * Look for due rows (called after a commit that may have written outbox rows, and when runs finish). Coalesced:
   * one pump per event-loop turn, after the turn's commits and finished runs, so they are handled in batches.
   */
  nudge = () => {
    if (this.stopped || this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(this.pump);
  };

  private pump = () => {
    this.pumpQueued = false;
    const all = this.finished;
    this.finished = [];
    // shutdown: a run aborted by stop() is left 'running' and released at the next start (no bookkeeping)
    const batch = this.stopped ? all.filter((f) => f.ok || !f.run.aborted) : all;
    // slots free once the finished runs are released
    const free = this.stopped ? 0 : this.concurrency - this.running.size + all.length;
    const now = this.now();
    let settled: Settled | null = null;
    let rows: OutboxRow[] = [];
    try {
      // nothing due and nothing finished (the common case for a poll): no write transaction at all; with finished
      // runs the transaction is opened anyway and the claim itself finds whether anything is due
      const due = free > 0 && (batch.length > 0 || anyDue(this.db, now));
      if (batch.length > 0 || due) {
        // expired leases: looked for at most every leaseScanMs while runs keep finishing (a poll always looks)
        const leases = batch.length === 0 || now - this.leaseScanAt >= this.leaseScanMs;
        // one transaction: the runs finished since the last pump applied or rescheduled (each apply in a savepoint),
        // then the next due rows claimed (in a savepoint: a failing claim leaves the bookkeeping standing)
        this.db.tx(() => {
          if (batch.length > 0) settled = this.bookkeep(batch, now);
          if (due) rows = this.claim(now, free, leases);
        });
      }
    } catch (err) {
      // the transaction failed as a whole (its COMMIT): nothing of it stands; bookkeeping and claim again, apart
      this.log.warn("outbox: batch transaction failed; bookkeeping and claim apart", { rows: batch.length, err: err as Error });
      settled = null;
      rows = [];
      if (batch.length > 0) {
        try {
          settled = this.bookkeep(batch, now);
        } catch (err) {
          // rows not marked stay 'running' until their lease expires (or the next start): they run again
          this.log.error("outbox: job bookkeeping failed", { rows: batch.length, err: err as Error });
        }
      }
      if (free > 0) {
        try {
          if (anyDue(this.db, now)) rows = this.claim(now, free);
        } catch {
          /* logged by claim */
        }
      }
    }
    if (settled) this.report(settled);
    this.release(all);
    for (const r of rows) this.launch(r);
    this.arm();
  };

  private claim(now: number, free: number, expiredLeases = true): OutboxRow[] {
    try {
      if (expiredLeases) this.leaseScanAt = now;
      return claimRows(this.db, now, free, this.lease, expiredLeases);
    } catch (err) {
      this.log.error("outbox: claim failed", { err: err as Error });
      return [];
    }
  }

  /** Sleep until the next pending row is due, at most pollMs. */
  private arm() {
    if (this.stopped) return;
    // every slot busy: the next run to finish pumps again (and arms then)
    if (this.running.size >= this.concurrency) return;
    let wait = this.pollMs;
    try {
      const next = nextDueAt(this.db);
      if (next !== null) wait = Math.max(0, Math.min(wait, next - this.now()));
    } catch {
      /* db closing */
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nudge();
    }, wait);
    this.timer.unref?.();
  }

  private launch(row: OutboxRow) {
    const run: Running = { promise: undefined as unknown as Promise<void>, row, startedAt: Date.now(), canceller: {}, aborted: false };
    this.running.set(row.id, run);
    run.promise = this.runRow(run).catch((err) => this.log.error("outbox: job bookkeeping failed", { key: row.key, err: err as Error }));
  }

  /** Run the handler; the bookkeeping happens in the next pump's batch (the promise settles after it). */
  private runRow(run: Running): Promise<void> {
    const { row } = run;
    const input: RunInput = { key: row.key, kind: row.kind, name: row.name, payload: undefined, attempt: row.attempts, canceller: run.canceller, trace: row.trace_context };
    return new Promise<void>((done) => {
      const finish = (ok: boolean, result: unknown, error: unknown) => {
        this.finished.push({ row, input, ok, result, error, run, done });
        if (this.stopped) this.pump(); // no more pumps are coming: settle now
        else this.nudge();
      };
      let exec: Promise<unknown>;
      try {
        input.payload = JSON.parse(row.payload);
        exec = this.exec.run(input);
      } catch (error) {
        exec = Promise.reject(error);
      }
      exec.then(
        (result) => finish(true, result, undefined),
        (error) => finish(false, undefined, error),
      );
    });
  }

  /**
   * The bookkeeping of a batch of finished runs, in one transaction (a savepoint inside the pump's): results applied
   * (each in a savepoint: a failing apply is rolled back alone and the job retried), failures rescheduled or dead.
   * When that fails as a whole, one transaction (savepoint) per run. Logs and metrics after the commit (report).
   */
  private bookkeep(batch: Finished[], now: number): Settled {
    const wrote = { outbox: false };
    const bookkeep = (single: boolean): Outcome[] => {
      const outcomes: Outcome[] = [];
      const one = (c: Conn, f: Finished) => {
        const { row } = f;
        let error = f.error;
        let applyFailed = false;
        if (f.ok) {
          try {
            const { input } = f;
            // the row is held by this claim: its move to 'completed' is the once-only guard (see applyInTx)
            const done = this.exec.applyInTx(this.db, c, { key: input.key, kind: input.kind, name: input.name, payload: input.payload, parsed: input.parsed, runSpan: input.runSpan, result: f.result, rowId: row.id, claimed: true }, now, wrote);
            outcomes.push({ f, kind: done ? "completed" : "superseded" });
            return;
          } catch (err) {
            // apply failed: retry the whole job later (its result was not applied)
            error = err;
            applyFailed = true;
          }
        }
        const msg = describeError(error);
        if (row.attempts >= row.max_attempts) {
          markDead(c, row.key, msg, now);
          outcomes.push({ f, kind: "dead", msg, applyFailed });
        } else {
          const delay = backoffDelay(policyOf(this.exec.reg, row.kind, row.name).backoff, row.attempts);
          // no longer running (another run of the row completed or rescheduled it): nothing to reschedule
          const again = markRetry(c, row.id, msg, now + delay, now);
          outcomes.push({ f, kind: again ? "retry" : "superseded", msg, delay, applyFailed });
        }
      };
      if (single) {
        for (const f of batch) {
          try {
            this.db.tx((c) => one(c, f));
          } catch (err) {
            this.log.error("outbox: job bookkeeping failed", { key: f.row.key, err: err as Error });
          }
        }
      } else {
        this.db.tx((c) => {
          for (const f of batch) one(c, f);
        });
      }
      return outcomes;
    };
    let outcomes: Outcome[];
    try {
      outcomes = bookkeep(false);
    } catch (err) {
      // the batch transaction failed as a whole: one transaction per run
      this.log.warn("outbox: batch bookkeeping failed; one transaction per job", { rows: batch.length, err: err as Error });
      wrote.outbox = false;
      outcomes = bookkeep(true);
    }
    return { outcomes, wrote: wrote.outbox };
  }

  /** After the commit: nudge when an apply enqueued, count and log each outcome. */
  private report({ outcomes, wrote }: Settled) {
    if (wrote) this.nudge(); // an apply enqueued or emitted
    for (const o of outcomes) {
      const { row } = o.f;
      const queue = this.queue(row);
      if (o.kind === "completed") {
        this.exec.completedOne(row.kind, row.name);
        this.log.info("job completed", { key: row.key, kind: row.kind, name: row.name, queue, attempt: row.attempts });
      } else if (o.kind === "superseded") {
        this.log.warn("job run superseded: its row was completed or rescheduled by another run (lease expired); this run's outcome is dropped", { key: row.key, name: row.name, queue, attempt: row.attempts });
      } else if (o.applyFailed) {
        this.log.error("job result could not be applied", { key: row.key, name: row.name, error: o.msg });
      } else if (o.kind === "dead") {
        this.exec.metrics.failed.inc({ queue });
        this.log.error("job dead", { key: row.key, kind: row.kind, name: row.name, queue, attempts: row.attempts, error: o.msg });
      } else if (o.kind === "retry") {
        this.exec.metrics.retried.inc({ queue });
        this.log.warn("job failed, will retry", { key: row.key, name: row.name, queue, attempt: row.attempts, retryInMs: o.delay, error: o.msg });
      }
    }
  }

  private release(batch: Finished[]) {
    for (const f of batch) {
      this.running.delete(f.row.id);
      f.done();
    }
  }

  /** Stop claiming; let running jobs finish within timeoutMs, then abort the rest (they run again at next start). */
  async stop(timeoutMs: number) {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const all = Promise.allSettled([...this.running.values()].map((r) => r.promise));
    const t = new Promise<void>((res) => setTimeout(res, timeoutMs).unref?.());
    await Promise.race([all, t]);
    const now = Date.now();
    for (const r of this.running.values()) {
      const queue = this.exec.queueOf(r.row.kind, r.row.name);
      this.exec.metrics.abandoned.inc({ queue });
      this.log.warn("job abandoned at shutdown: still running after the shutdown timeout; it runs again later", {
        name: r.row.name,
        key: r.row.key,
        queue,
        runningMs: now - r.startedAt,
        shutdownTimeoutMs: timeoutMs,
      });
      r.aborted = true;
      r.canceller.cancel?.(new Error("shutting down"));
    }
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.promise)), new Promise((res) => setTimeout(res, 200))]);
  }

  get active() {
    return this.running.size;
  }
}
