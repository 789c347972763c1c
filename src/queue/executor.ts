// Runs one job or hook: payload validation, JobContext, per-job timeout (AbortSignal), and on the owner the
// result applied with the completion mark in one transaction (a result is applied at most once per key).
import type { Conn, Db } from "../db/database.ts";
import type { ExtensionContext, InstalledJob } from "../runtime/types.ts";
import { jobContextOf, makeContext, txContextOf, type ContextBase } from "../runtime/context.ts";
import { policyOf, type Registry } from "../runtime/registry.ts";
import { completeClaimed, isCompleted, markCompleted, recordApplied } from "./outbox.ts";
import type { JobMetrics } from "./metrics.ts";
import { currentTraceparent, withSpan } from "../observability/tracing.ts";

export class JobTimeoutError extends Error {}
export class UnknownJobError extends Error {}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Delay before the next attempt: exponential (delay × 2^(attempt-1)) or fixed, with ±20 % jitter. */
export function backoffDelay(backoff: { type: "exponential" | "fixed"; delayMs: number }, attempt: number, rnd = Math.random): number {
  const base = backoff.type === "fixed" ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, attempt - 1);
  return Math.max(0, Math.round(base * (0.8 + 0.4 * rnd())));
}

/**
 * Job deadlines on one shared timer: a FIFO per timeout length (deadlines of one length are added in time order, so
 * each FIFO is sorted) and one setTimeout armed for the earliest head. Cancelling is lazy (a flag), so a job costs
 * no timer of its own; the timer is cleared when no deadline is live.
 */
interface Deadline {
  at: number;
  fire: (() => void) | null;
}
class Deadlines {
  private fifos = new Map<number, { items: Deadline[]; head: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private armedAt = Infinity;
  private live = 0;

  add(ms: number, fire: () => void): Deadline {
    const d: Deadline = { at: performance.now() + ms, fire };
    let f = this.fifos.get(ms);
    if (!f) this.fifos.set(ms, (f = { items: [], head: 0 }));
    f.items.push(d);
    this.live++;
    if (d.at < this.armedAt) this.arm(d.at);
    return d;
  }

  cancel(d: Deadline) {
    if (d.fire === null) return;
    d.fire = null;
    if (--this.live === 0) this.disarm();
  }

  private disarm() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedAt = Infinity;
    for (const f of this.fifos.values()) {
      f.items.length = 0;
      f.head = 0;
    }
  }

  private arm(at: number) {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - performance.now()));
  }

  private expire() {
    this.timer = null;
    this.armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const f of this.fifos.values()) {
      while (f.head < f.items.length) {
        const d = f.items[f.head]!;
        if (d.fire !== null && d.at > now) break;
        f.head++;
        const fire = d.fire;
        if (fire) {
          d.fire = null;
          this.live--;
          fire();
        }
      }
      if (f.head > 1024 && f.head * 2 > f.items.length) {
        f.items.splice(0, f.head);
        f.head = 0;
      }
      // skip cancelled heads so the next wake-up is for a live deadline
      while (f.head < f.items.length && f.items[f.head]!.fire === null) f.head++;
      if (f.head < f.items.length) next = Math.min(next, f.items[f.head]!.at);
    }
    if (this.live > 0 && next < Infinity) this.arm(next);
    else if (this.live === 0) this.disarm();
  }
}
const deadlines = new Deadlines();

/**
 * A handle to abort one run from outside without an AbortController and a listener per run (the embedded runner's
 * shutdown): the run sets `cancel` while it is going and clears it when it settles.
 */
export interface Canceller {
  cancel?: (reason: unknown) => void;
}

/**
 * Run fn with an AbortSignal that fires after timeoutMs; rejects with JobTimeoutError at the deadline. `outer` (a
 * signal, or a Canceller) aborts it earlier: the signal fires and the promise rejects with the reason.
 */
export function withTimeout<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T> | T, outer?: AbortSignal | Canceller): Promise<T> {
  const ac = new AbortController();
  const signal = outer instanceof AbortSignal ? outer : undefined;
  const canceller = outer instanceof AbortSignal ? undefined : outer;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      deadlines.cancel(deadline);
      if (signal) signal.removeEventListener("abort", onOuter);
      else if (canceller) canceller.cancel = undefined;
    };
    const abortWith = (reason: unknown) => {
      if (settled) return;
      settle();
      ac.abort(reason);
      reject(reason ?? new Error("aborted"));
    };
    const onOuter = () => abortWith(signal?.reason);
    const deadline = deadlines.add(timeoutMs, () => {
      if (settled) return;
      const err = new JobTimeoutError(`timed out after ${timeoutMs} ms`);
      settle();
      ac.abort(err);
      reject(err);
    });
    if (signal) {
      if (signal.aborted) return onOuter();
      signal.addEventListener("abort", onOuter, { once: true });
    } else if (canceller) canceller.cancel = abortWith;
    let out: Promise<T> | T;
    try {
      out = fn(ac.signal);
    } catch (err) {
      if (!settled) {
        settle();
        reject(err);
      }
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (v) => {
          if (settled) return;
          settle();
          resolve(v);
        },
        (err) => {
          if (settled) return;
          settle();
          reject(err);
        },
      );
    } else {
      settle();
      resolve(out);
    }
  });
}

export interface RunInput {
  key: string;
  kind: "job" | "hook";
  name: string;
  payload: unknown;
  attempt: number;
  signal?: AbortSignal;
  /** Instead of `signal`: set by the run to abort it (the embedded runner's shutdown). */
  canceller?: Canceller;
  /** Tracing: the traceparent stored with the row (the span that enqueued it); none starts a new trace. */
  trace?: string | null;
  /** Tracing: set by run() to the traceparent of the handler's span, the parent of the apply. */
  runSpan?: string | null;
  /** Set by run(): the payload as parsed by the job's schema (the apply reuses it instead of parsing again). */
  parsed?: unknown;
}

/** A finished run whose result the owner applies. */
export interface CompleteInput {
  key: string;
  kind: "job" | "hook";
  name: string;
  payload: unknown;
  result: unknown;
  runSpan?: string | null;
  parsed?: unknown;
  /** The outbox row's id when known (embedded runner): the completion mark then finds the row by primary key. */
  rowId?: number;
  /**
   * Embedded runner: the row is held by this runner's claim (state 'running'). Its move to 'completed' is then the
   * once-only guard (a completed row never runs or completes again), instead of a job_results_applied entry.
   */
  claimed?: boolean;
}

export class JobExecutor {
  /** The context of owner-side work (db + tx); on a stateless worker a db-less context. */
  readonly ctx: ExtensionContext;
  readonly statelessCtx: ExtensionContext;

  constructor(
    readonly reg: Registry,
    readonly base: ContextBase,
    readonly metrics: JobMetrics,
    private afterCommit?: () => void,
  ) {
    this.ctx = makeContext(base, reg, { afterCommit, log: base.log.child({ component: "jobs" }) });
    this.statelessCtx = makeContext({ ...base, db: undefined }, reg, { log: base.log.child({ component: "jobs" }) });
  }

  queueOf(kind: "job" | "hook", name: string) {
    if (kind === "hook") return "hooks";
    const j = this.reg.jobs.get(name);
    return j ? this.reg.queueOf(j) : name;
  }

  /** Run the handler; returns the (unapplied) result. Throws on failure or timeout. */
  async run(input: RunInput): Promise<unknown> {
    return withSpan(
      `${input.kind} ${input.name}`,
      { "kreditku.job.name": input.name, "kreditku.job.kind": input.kind, "kreditku.job.key": input.key, "kreditku.job.attempt": input.attempt },
      () => {
        input.runSpan = currentTraceparent();
        return this.runHandler(input);
      },
      { parent: input.trace ?? null },
    );
  }

  private async runHandler(input: RunInput): Promise<unknown> {
    const policy = policyOf(this.reg, input.kind, input.name);
    const queue = this.queueOf(input.kind, input.name);
    const started = performance.now();
    let outcome = "failed";
    try {
      let result: unknown;
      if (input.kind === "hook") {
        const h = this.reg.hooks.get(input.name);
        if (!h) throw new UnknownJobError(`unknown hook "${input.name}"`);
        await withTimeout(policy.timeoutMs, (signal) => h.hook.handler(input.payload, jobContextOf(this.ctx, input.key, input.attempt, signal)), input.signal ?? input.canceller);
      } else {
        const def = this.reg.jobs.get(input.name);
        if (!def) throw new UnknownJobError(`unknown job "${input.name}"`);
        const payload = def.payload.parse(input.payload);
        input.parsed = payload;
        const base = def.runsOn === "any" ? this.statelessCtx : this.ctx;
        result = await withTimeout(policy.timeoutMs, (signal) => def.handler(payload, jobContextOf(base, input.key, input.attempt, signal)), input.signal ?? input.canceller);
      }
      outcome = "completed";
      return result;
    } finally {
      this.metrics.duration.observe({ queue, outcome }, (performance.now() - started) / 1000);
    }
  }

  /** Owner only: apply the result (once per key) and mark the row completed, in one transaction. */
  complete(db: Db, input: CompleteInput) {
    const err = this.completeMany(db, [input])[0];
    if (err !== undefined) throw err;
  }

  /**
   * Owner only: apply many results (each once per key) and mark their rows completed, all in one transaction. An
   * apply that throws is rolled back alone (savepoint) and its error returned in its slot (undefined: completed).
   * When the batch transaction itself fails, every item is tried again in a transaction of its own.
   */
  completeMany(db: Db, items: CompleteInput[]): unknown[] {
    const errors: unknown[] = new Array(items.length).fill(undefined);
    if (items.length === 0) return errors;
    const wrote = { outbox: false };
    const now = this.base.clock.now().getTime();
    try {
      db.tx((c) => {
        for (let i = 0; i < items.length; i++) {
          try {
            this.applyInTx(db, c, items[i]!, now, wrote);
          } catch (err) {
            errors[i] = err ?? new Error("apply failed");
          }
        }
      });
    } catch {
      wrote.outbox = false;
      for (let i = 0; i < items.length; i++) {
        errors[i] = undefined;
        try {
          db.tx((c) => this.applyInTx(db, c, items[i]!, now, wrote));
        } catch (err) {
          errors[i] = err ?? new Error("apply failed");
        }
      }
    }
    if (wrote.outbox) this.afterCommit?.(); // an apply enqueued or emitted
    for (let i = 0; i < items.length; i++) if (errors[i] === undefined) this.completedOne(items[i]!.kind, items[i]!.name);
    return errors;
  }

  /** Count a completed job (after its transaction committed). */
  completedOne(kind: "job" | "hook", name: string) {
    this.metrics.completed.inc({ queue: this.queueOf(kind, name) });
  }

  /**
   * Owner only, inside the caller's write transaction on `c`: apply the result (once per key) and mark the row
   * completed. An apply runs in a savepoint: when it throws, its writes are rolled back and the error rethrown, the
   * rest of the caller's transaction stands. `wrote.outbox` turns true when it enqueued/emitted. Once per key: a row
   * held by the embedded runner's claim (`claimed`) is applied only by its move from 'running' to 'completed' (false
   * is returned when the row was no longer running: another run finished or rescheduled it, nothing done); any other
   * result (BullMQ, possibly delivered twice) through job_results_applied, and never for a row already completed.
   */
  applyInTx(db: Db, c: Conn, input: CompleteInput, now: number, wrote: { outbox: boolean }): boolean {
    const def: InstalledJob | undefined = input.kind === "job" ? this.reg.jobs.get(input.name) : undefined;
    const apply = def?.apply;
    const claimed = input.claimed === true && input.rowId !== undefined;
    // tracing on: a child of the handler's span (run here or on a worker: its context came with the result)
    return withSpan(
      `apply ${input.name}`,
      { "kreditku.job.name": input.name, "kreditku.job.key": input.key },
      () => {
        if (claimed) {
          if (!apply) return completeClaimed(c, input.rowId!, now);
          return db.tx((sc) => {
            if (!completeClaimed(sc, input.rowId!, now)) return false;
            const payload = input.parsed !== undefined ? input.parsed : def.payload.parse(input.payload);
            apply(input.result, payload, txContextOf(sc, this.reg, this.base.clock, wrote), this.ctx);
            return true;
          });
        }
        if (!apply) {
          markCompleted(c, input.key, now, input.rowId);
          return true;
        }
        db.tx((sc) => {
          // the row's move to 'completed' first (one statement): none moved means a completed row (applied before)
          // or no row at all (a scheduler's job, a purged row); then job_results_applied decides
          const moved = markCompleted(sc, input.key, now, input.rowId, true);
          if ((moved || !isCompleted(sc, input.key, input.rowId)) && recordApplied(sc, input.key, now)) {
            const payload = input.parsed !== undefined ? input.parsed : def.payload.parse(input.payload);
            apply(input.result, payload, txContextOf(sc, this.reg, this.base.clock, wrote), this.ctx);
          }
        });
        return true;
      },
      input.runSpan ? { parent: input.runSpan } : {},
    );
  }
}
