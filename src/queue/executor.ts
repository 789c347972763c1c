// Runs one job or hook: payload validation, JobContext, per-job timeout (AbortSignal), and on the owner the
// result applied with the completion mark in one transaction (a result is applied at most once per key).
import type { Db } from "../db/database.ts";
import type { ExtensionContext, InstalledJob } from "../runtime/types.ts";
import { jobContextOf, makeContext, txContextOf, type ContextBase } from "../runtime/context.ts";
import { policyOf, type Registry } from "../runtime/registry.ts";
import { markCompleted, recordApplied } from "./outbox.ts";
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

/** Run fn with an AbortSignal that fires after timeoutMs; rejects with JobTimeoutError at the deadline. */
export async function withTimeout<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T> | T, outer?: AbortSignal): Promise<T> {
  const ac = new AbortController();
  let onOuter = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    onOuter = () => {
      ac.abort(outer?.reason);
      reject(outer?.reason ?? new Error("aborted"));
    };
    if (outer?.aborted) onOuter();
    outer?.addEventListener("abort", onOuter, { once: true });
    timer = setTimeout(() => {
      const err = new JobTimeoutError(`timed out after ${timeoutMs} ms`);
      ac.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(ac.signal)), deadline]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuter);
  }
}

export interface RunInput {
  key: string;
  kind: "job" | "hook";
  name: string;
  payload: unknown;
  attempt: number;
  signal?: AbortSignal;
  /** Tracing: the traceparent stored with the row (the span that enqueued it); none starts a new trace. */
  trace?: string | null;
  /** Tracing: set by run() to the traceparent of the handler's span, the parent of the apply. */
  runSpan?: string | null;
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
        await withTimeout(policy.timeoutMs, (signal) => h.hook.handler(input.payload, jobContextOf(this.ctx, input.key, input.attempt, signal)), input.signal);
      } else {
        const def = this.reg.jobs.get(input.name);
        if (!def) throw new UnknownJobError(`unknown job "${input.name}"`);
        const payload = def.payload.parse(input.payload);
        const base = def.runsOn === "any" ? this.statelessCtx : this.ctx;
        result = await withTimeout(policy.timeoutMs, (signal) => def.handler(payload, jobContextOf(base, input.key, input.attempt, signal)), input.signal);
      }
      outcome = "completed";
      return result;
    } finally {
      this.metrics.duration.observe({ queue, outcome }, (performance.now() - started) / 1000);
    }
  }

  /** Owner only: apply the result (once per key) and mark the row completed, in one transaction. */
  complete(db: Db, input: { key: string; kind: "job" | "hook"; name: string; payload: unknown; result: unknown; runSpan?: string | null }) {
    // tracing on: a child of the handler's span (run here or on a worker: its context came with the result)
    withSpan(`apply ${input.name}`, { "kreditku.job.name": input.name, "kreditku.job.key": input.key }, () => this.completeTx(db, input), input.runSpan ? { parent: input.runSpan } : {});
  }

  private completeTx(db: Db, input: { key: string; kind: "job" | "hook"; name: string; payload: unknown; result: unknown }) {
    const def: InstalledJob | undefined = input.kind === "job" ? this.reg.jobs.get(input.name) : undefined;
    const now = this.base.clock.now().getTime();
    const wrote = { outbox: false };
    db.tx((c) => {
      if (def?.apply && recordApplied(c, input.key, now)) {
        def.apply(input.result, def.payload.parse(input.payload), txContextOf(c, this.reg, this.base.clock, wrote), this.ctx);
      }
      markCompleted(c, input.key, now);
    });
    if (wrote.outbox) this.afterCommit?.(); // apply enqueued or emitted
    this.metrics.completed.inc({ queue: this.queueOf(input.kind, input.name) });
  }
}
