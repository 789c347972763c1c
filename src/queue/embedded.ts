// The embedded runner (no REDIS_URL): the serve process runs due outbox rows itself. Rows are claimed with a
// lease (state 'running', lease_until); a failed attempt is rescheduled with exponential backoff and jitter, the
// last one goes 'dead'. Woken right after a commit that wrote outbox rows, plus a slow poll.
import type { Db } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Clock } from "../clock.ts";
import { policyOf } from "../runtime/registry.ts";
import { claimDue, markDead, markRetry, nextDueAt, releaseStaleLeases, type OutboxRow } from "./outbox.ts";
import { backoffDelay, describeError, type JobExecutor, type RunInput } from "./executor.ts";

export interface EmbeddedOptions {
  concurrency?: number;
  /** Slow poll interval (ms): picks up rows written by other processes (CLI retry) and expired leases. */
  pollMs?: number;
  /** Extra lease time beyond a job's timeout before another claim may take the row. */
  leaseGraceMs?: number;
}

export class EmbeddedRunner {
  private running = new Map<number, { promise: Promise<void>; abort: AbortController; row: OutboxRow; startedAt: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private pumping = false;
  private again = false;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseGraceMs: number;

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
  }

  start() {
    const released = releaseStaleLeases(this.db, this.now());
    if (released) this.log.warn("outbox: rows left running by a previous process are due again", { rows: released });
    this.nudge();
  }

  private now() {
    return this.clock.now().getTime();
  }

  /** Look for due rows now (called after a commit that may have written outbox rows). */
  nudge = () => {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pump();
  };

  private pump() {
    this.pumping = true;
    try {
      do {
        this.again = false;
        const free = this.concurrency - this.running.size;
        if (free <= 0) break;
        const rows = claimDue(this.db, this.now(), free, (r) => policyOf(this.exec.reg, r.kind, r.name).timeoutMs + this.leaseGraceMs);
        for (const r of rows) this.launch(r);
        if (rows.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log.error("outbox: claim failed", { err: err as Error });
    } finally {
      this.pumping = false;
    }
    this.arm();
  }

  /** Sleep until the next pending row is due, at most pollMs. */
  private arm() {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    let wait = this.pollMs;
    try {
      const next = nextDueAt(this.db);
      if (next !== null) wait = Math.max(0, Math.min(wait, next - this.now()));
    } catch {
      /* db closing */
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nudge();
    }, wait);
    this.timer.unref?.();
  }

  private launch(row: OutboxRow) {
    const abort = new AbortController();
    const promise = this.runRow(row, abort.signal)
      .catch((err) => this.log.error("outbox: job bookkeeping failed", { key: row.key, err: err as Error }))
      .finally(() => {
      this.running.delete(row.id);
      this.nudge();
    });
    this.running.set(row.id, { promise, abort, row, startedAt: Date.now() });
  }

  private async runRow(row: OutboxRow, signal: AbortSignal) {
    const input: RunInput = { key: row.key, kind: row.kind, name: row.name, payload: JSON.parse(row.payload), attempt: row.attempts, signal, trace: row.trace_context };
    const queue = this.exec.queueOf(row.kind, row.name);
    let result: unknown;
    try {
      result = await this.exec.run(input);
    } catch (err) {
      if (this.stopped && signal.aborted) return; // shutdown: the row is released at the next start
      const msg = describeError(err);
      const now = this.now();
      if (row.attempts >= row.max_attempts) {
        this.db.tx((c) => markDead(c, row.key, msg, now));
        this.exec.metrics.failed.inc({ queue });
        this.log.error("job dead", { key: row.key, kind: row.kind, name: row.name, queue, attempts: row.attempts, error: msg });
      } else {
        const delay = backoffDelay(policyOf(this.exec.reg, row.kind, row.name).backoff, row.attempts);
        this.db.tx((c) => markRetry(c, row.id, msg, now + delay, now));
        this.exec.metrics.retried.inc({ queue });
        this.log.warn("job failed, will retry", { key: row.key, name: row.name, queue, attempt: row.attempts, retryInMs: delay, error: msg });
      }
      return;
    }
    try {
      this.exec.complete(this.db, { ...input, result });
      this.log.info("job completed", { key: row.key, kind: row.kind, name: row.name, queue, attempt: row.attempts });
    } catch (err) {
      const msg = describeError(err);
      const now = this.now();
      // apply failed: retry the whole job later (its result was not applied)
      if (row.attempts >= row.max_attempts) this.db.tx((c) => markDead(c, row.key, msg, now));
      else this.db.tx((c) => markRetry(c, row.id, msg, now + backoffDelay(policyOf(this.exec.reg, row.kind, row.name).backoff, row.attempts), now));
      this.log.error("job result could not be applied", { key: row.key, name: row.name, error: msg });
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
      r.abort.abort(new Error("shutting down"));
    }
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.promise)), new Promise((res) => setTimeout(res, 200))]);
  }

  get active() {
    return this.running.size;
  }
}
