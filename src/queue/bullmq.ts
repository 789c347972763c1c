// The BullMQ backend (REDIS_URL set). On the owner (serve): a dispatcher turns outbox rows into BullMQ jobs
// (jobId = outbox key, so re-dispatch after a crash is a no-op), workers for the 'owner' and 'hooks' queues,
// and the results queue whose entries are applied in one transaction, at most once per key (job_results_applied).
// Stateless workers (`kreditku worker`) consume the queues of runsOn 'any' jobs and never open SQLite.
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from "bullmq";
import Redis from "ioredis";
import type { Db } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Clock } from "../clock.ts";
import { HOOKS_QUEUE, OWNER_QUEUE, RESULTS_QUEUE, policyOf, type Registry } from "../runtime/registry.ts";
import { markDead, markDispatched, pendingForDispatch, releaseStaleLeases, type OutboxRow } from "./outbox.ts";
import { describeError, type CompleteInput, type JobExecutor, type RunInput } from "./executor.ts";
import { dispatchedRows, lostJobs, requeueLost } from "./lost.ts";
import { jobIdOf, keyOfJobId } from "./job-id.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";
import { withTraceContext } from "../observability/tracing.ts";

export interface JobData {
  /** Outbox key; null for jobs created by a job scheduler (the BullMQ job id is the key then). */
  key: string | null;
  kind: "job" | "hook";
  name: string;
  payload: unknown;
  /** Tracing: traceparent of the span that wrote the outbox row (absent when tracing is off). */
  trace?: string | null;
}

export interface ResultData extends JobData {
  key: string;
  state: "completed" | "dead";
  result?: unknown;
  error?: string;
  attempts: number;
  /** Tracing: traceparent of the worker's handler span, the parent of the apply on the owner. */
  runSpan?: string | null;
}

export { jobIdOf } from "./job-id.ts";

export interface BullOptions {
  url: string;
  prefix: string;
  log: Logger;
  /** Job lock (and stalled-job check interval): how soon a job held by a dead process runs elsewhere. */
  lockMs?: number;
}

/** Worker options shared by every BullMQ worker: connection, prefix and the lock that bounds crash recovery. */
function workerOptions(o: BullOptions, concurrency: number) {
  const lock = o.lockMs ?? 30_000;
  return { connection: connectionOf(o.url), prefix: o.prefix, concurrency, lockDuration: lock, stalledInterval: lock };
}

const KEEP_COMPLETED = { age: 3600, count: 10_000 };
const KEEP_FAILED = { age: 7 * 24 * 3600 };
/** Options of a results-queue entry (a worker's report to the owner). */
const RESULT_OPTS = { attempts: 10, backoff: { type: "exponential" as const, delay: 500 }, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED };
/** Results fetched from Redis at once by the owner: the largest batch applied in one transaction. */
const RESULTS_CONCURRENCY = 32;

function asError(e: unknown): Error | undefined {
  if (e === undefined) return undefined;
  return e instanceof Error ? e : new Error(String(e));
}

export function connectionOf(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null };
}

export function jobOptions(reg: Registry, kind: "job" | "hook", name: string, attempts: number, delay = 0): JobsOptions {
  const p = policyOf(reg, kind, name);
  return {
    attempts: Math.max(1, attempts),
    backoff: { type: p.backoff.type, delay: p.backoff.delayMs, jitter: 0.2 },
    delay: Math.max(0, delay),
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/**
 * Id of the results-queue entry for one run of a job: a re-run of the same BullMQ job (stalled, worker crashed
 * after reporting) reuses it, so the report is added once; a job added afresh (`jobs retry`) gets a new one.
 */
function resultJobId(job: Job<JobData>, outcome: "ok" | "dead"): string {
  return `r-${jobIdOf(keyOf(job))}-${job.timestamp}-${outcome}`;
}

/**
 * A job without its data: Redis lost the job's hash but not its id in the wait list, and BullMQ's move to active
 * wrote a few fields into the vanished hash. Running it would run nothing (or the wrong thing) and report a key that
 * is not the row's; the workers skip it and the owner's lost-job check removes it and dispatches the row again.
 */
export function isHusk(data: Partial<JobData> | undefined): boolean {
  return !data || typeof data.name !== "string" || (data.kind !== "job" && data.kind !== "hook");
}

/** Skip a husk (see isHusk): logged, counted as lost, acknowledged without running. */
function skipHusk(job: Job, log: Logger, exec: JobExecutor): void {
  exec.metrics.husks.inc({ queue: job.queueName });
  log.warn("job without its data skipped: redis lost part of it; the lost-job check dispatches its row again", { queue: job.queueName, jobId: job.id, key: job.id ? keyOfJobId(job.id) : undefined });
}

/** Keys of a job as seen by a processor. */
function keyOf(job: Job<JobData>): string {
  return job.data.key ?? String(job.id);
}

/** Warn when Redis may evict BullMQ keys; returns the policy. */
export async function checkRedis(url: string, log: Logger): Promise<string | null> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    // bounded: start-up must not wait on a Redis that accepts connections but never answers
    const read = (async () => {
      await r.connect();
      return (await r.config("GET", "maxmemory-policy")) as string[];
    })();
    const res = await redisWithin(read, 3000, "maxmemory-policy");
    const policy = res?.[1] ?? null;
    if (policy !== "noeviction") log.warn("redis maxmemory-policy is not noeviction: queued jobs may be evicted", { policy });
    return policy;
  } catch (err) {
    log.warn("could not read redis maxmemory-policy", { err: err as Error });
    return null;
  } finally {
    r.disconnect();
  }
}

/** Connection errors repeat while Redis is down: log each source at most every 30 s. */
function throttled(log: Logger) {
  const last = new Map<string, number>();
  return (msg: string, source: string, err: unknown) => {
    const now = Date.now();
    if (now - (last.get(source) ?? 0) < 30_000) return;
    last.set(source, now);
    log.warn(msg, { source, err: err as Error });
  };
}

class Queues {
  private map = new Map<string, Queue>();
  private warn;
  constructor(private opts: BullOptions) {
    this.warn = throttled(opts.log);
  }
  get(name: string): Queue {
    let q = this.map.get(name);
    if (!q) {
      q = new Queue(name, { connection: connectionOf(this.opts.url), prefix: this.opts.prefix });
      q.on("error", (err) => this.warn("queue error", `queue:${name}`, err));
      this.map.set(name, q);
    }
    return q;
  }
  all() {
    return [...this.map.entries()];
  }
  async close() {
    await Promise.allSettled([...this.map.values()].map((q) => q.close()));
  }
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<"timeout">((res) => setTimeout(() => res("timeout"), ms).unref?.())]);

/** A Redis call bounded by `ms`: a timeout is DependencyUnavailable("redis"). */
async function redisWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const r = await within(p, ms);
  if (r === "timeout") {
    p.catch(() => undefined); // settles later (or never): nobody waits for it
    throw new DependencyUnavailable("redis", `${what}: no answer within ${ms} ms`);
  }
  return r as T;
}

/**
 * Collects the items handed in during one event-loop turn (up to `max`) and handles them together: `fn` gets the
 * batch and answers one outcome per item (an Error rejects that item's promise), or throws (rejects them all).
 * BullMQ processors await their item, so a job is acknowledged only after its batch went through.
 */
export class Batcher<T, R = void> {
  private items: T[] = [];
  private waiters: { resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private queued = false;
  constructor(
    private fn: (items: T[]) => Promise<(R | Error)[]> | (R | Error)[],
    private max = 500,
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.max) this.flush();
      else if (!this.queued) {
        this.queued = true;
        setImmediate(this.flush);
      }
    });
  }

  private flush = () => {
    this.queued = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    const settle = (out: (R | Error)[]) => waiters.forEach((w, i) => (out[i] instanceof Error ? w.reject(out[i]) : w.resolve(out[i] as R)));
    const fail = (err: unknown) => waiters.forEach((w) => w.reject(err));
    try {
      const out = this.fn(items);
      if (out instanceof Promise) out.then(settle, fail);
      else settle(out);
    } catch (err) {
      fail(err);
    }
  };
}

/** Jobs being processed by this process: named in the shutdown warning when they outlive the timeout. */
export class ActiveJobs {
  private map = new Map<string, { name: string; queue: string; key: string; startedAt: number }>();
  add(job: Job<JobData>) {
    const id = `${job.queueName}/${job.id}`;
    this.map.set(id, { name: job.data.name, queue: job.queueName, key: keyOf(job), startedAt: Date.now() });
    return () => this.map.delete(id);
  }
  /** Log (warn) every job still running: it is abandoned and runs again when its lock expires or at the next start. */
  reportAbandoned(log: Logger, metrics: JobExecutor["metrics"], timeoutMs: number) {
    const now = Date.now();
    for (const j of this.map.values()) {
      metrics.abandoned.inc({ queue: j.queue });
      log.warn("job abandoned at shutdown: still running after the shutdown timeout; it runs again later", {
        name: j.name,
        key: j.key,
        queue: j.queue,
        runningMs: now - j.startedAt,
        shutdownTimeoutMs: timeoutMs,
      });
    }
  }
}

/** Let active jobs finish within timeoutMs, then force (warning about each abandoned job); never wait long on an unreachable Redis. */
async function closeWorkers(workers: Worker[], timeoutMs: number, abandoned?: () => void) {
  if ((await within(Promise.allSettled(workers.map((w) => w.close())), timeoutMs)) === "timeout") {
    abandoned?.();
    await within(Promise.allSettled(workers.map((w) => w.close(true))), 1000);
  }
}

/**
 * Log a stalled job (its worker stopped renewing the lock: crashed, blocked, or lost Redis) and count it. A worker
 * queue is named after its job; on the owner's queues the name comes from the outbox row when a database is at hand.
 */
function onStalled(queue: string, jobId: string, log: Logger, exec: JobExecutor, db?: Db) {
  exec.metrics.stalled.inc({ queue });
  let name: string | undefined = queue === OWNER_QUEUE || queue === HOOKS_QUEUE ? undefined : queue;
  if (!name && db) {
    try {
      name = db.read.get<{ name: string }>("SELECT name FROM outbox WHERE key = ?", keyOfJobId(jobId))?.name;
    } catch {
      // the log line matters more than the name: database closing
    }
  }
  log.warn("job stalled: its worker stopped renewing the lock; it runs again", { queue, jobId, key: keyOfJobId(jobId), name });
}

/** The serve side of the BullMQ backend. */
export class BullOwner {
  readonly queues: Queues;
  private workers: Worker[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private dispatching = false;
  private again = false;
  private stopped = false;
  private redis: Redis;
  private warn;
  private scheduleTimer: ReturnType<typeof setTimeout> | null = null;
  private lostTimer: ReturnType<typeof setInterval> | null = null;
  private lostCursor = 0;
  private checkingLost = false;
  /** Set after a dispatch failed: the next one first pings (fails fast) instead of queueing commands for a dead Redis. */
  private redisSuspect = false;
  private sentinel = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  readonly active = new ActiveJobs();
  /** Results of the owner's own jobs and of stateless workers: applied in one transaction per batch. */
  private completions = new Batcher<CompleteInput, void>((items) => this.exec.completeMany(this.db, items).map(asError));
  private results = new Batcher<ResultData, void>((items) => this.applyResults(items));

  constructor(
    private db: Db,
    private exec: JobExecutor,
    private opts: BullOptions & {
      concurrency?: number;
      pollMs?: number;
      /** How often dispatched rows are checked against Redis for lost jobs (default 5 s; 0 disables). */
      lostCheckMs?: number;
      /** Only rows dispatched at least this long ago are checked (default 10 s). */
      lostAfterMs?: number;
      /** Rows checked per tick (default 500). */
      lostBatch?: number;
      /** A job finished in Redis this long ago whose row is still dispatched is lost: its outcome never came (default 60 s). */
      lostFinishedAfterMs?: number;
    },
    private clock: Clock,
  ) {
    this.queues = new Queues(opts);
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: false });
    this.redis.on("error", () => {});
    this.warn = throttled(opts.log);
  }

  private get log() {
    return this.opts.log;
  }

  async start() {
    await checkRedis(this.opts.url, this.log);
    // ioredis rejects connect() when the client is already connecting or connected; an outage surfaces in the commands
    await within(this.redis.connect().catch(() => undefined), 3000);
    // rows an embedded runner (before REDIS_URL was set) left running when it died: hand them to BullMQ
    releaseStaleLeases(this.db, this.clock.now().getTime());
    const conc = this.opts.concurrency ?? 4;
    for (const q of [OWNER_QUEUE, HOOKS_QUEUE]) {
      const w = new Worker<JobData>(q, (job) => this.processOwner(job), workerOptions(this.opts, conc));
      w.on("failed", (job, err) => job && this.onFailed(job, err));
      w.on("error", (err) => this.warn("worker error", `worker:${q}`, err));
      w.on("stalled", (jobId) => onStalled(q, jobId, this.log, this.exec, this.db));
      this.workers.push(w);
    }
    // results are applied in batches (one SQLite transaction for those that arrived in one event-loop turn); the
    // concurrency is how many results are fetched from Redis at once, i.e. the largest batch
    const results = new Worker<ResultData>(RESULTS_QUEUE, (job) => this.onResult(job), workerOptions(this.opts, RESULTS_CONCURRENCY));
    results.on("error", (err) => this.warn("worker error", `worker:${RESULTS_QUEUE}`, err));
    this.workers.push(results);
    this.installSchedules(); // in the background: start-up must not wait for Redis
    this.timer = setInterval(() => this.nudge(), this.opts.pollMs ?? 1000);
    this.timer.unref?.();
    this.nudge();
    const every = this.opts.lostCheckMs ?? 5000;
    if (every > 0) {
      this.lostTimer = setInterval(() => void this.checkLost(), every);
      this.lostTimer.unref?.();
    }
  }

  private get sentinelKey() {
    return `${this.opts.prefix}:kreditku:owner-sentinel`;
  }

  /**
   * One bounded pass of the lost-job check: a sentinel key written at start tells when Redis lost its data (the
   * job schedulers are installed again then); up to lostBatch dispatched rows older than lostAfterMs are looked up
   * (one pipelined script call each, rotating through the table) and those whose BullMQ job is lost (see lost.ts)
   * are dispatched again.
   * Returns the rows dispatched again.
   */
  async checkLost(): Promise<number> {
    if (this.checkingLost || this.stopped) return 0;
    this.checkingLost = true;
    try {
      const set = await redisWithin(this.redis.set(this.sentinelKey, this.sentinel, "NX"), 2000, "sentinel");
      if (set === "OK" && this.sentinelSeen) {
        this.log.error("redis lost its data (restarted empty or flushed): jobs handed to it are dispatched again", { prefix: this.opts.prefix });
        this.installSchedules();
      }
      this.sentinelSeen = true;
      const now = this.clock.now().getTime();
      const batch = this.opts.lostBatch ?? 500;
      let rows = dispatchedRows(this.db, now - (this.opts.lostAfterMs ?? 10_000), this.lostCursor, batch);
      if (rows.length < batch) this.lostCursor = 0;
      else this.lostCursor = rows[rows.length - 1]!.id;
      if (rows.length === 0) return 0;
      // a stateless worker's finished job may be gone while its result still waits on the results queue: such rows
      // wait for a later tick instead of running twice
      const lost = await redisWithin(lostJobs(this.redis, this.opts.prefix, rows, { remove: true, finishedGraceMs: this.opts.lostFinishedAfterMs }), 5000, "lost-job check");
      rows = requeueLost(this.db, lost, now);
      if (rows.length === 0) return 0;
      for (const r of rows) this.exec.metrics.redispatched.inc({ queue: r.queue, reason: "lost" });
      this.log.warn("jobs lost by redis are dispatched again", { rows: rows.length, keys: rows.slice(0, 10).map((r) => r.key) });
      this.nudge();
      return rows.length;
    } catch (err) {
      this.warn("lost-job check failed; will retry", "lost-check", err);
      return 0;
    } finally {
      this.checkingLost = false;
    }
  }
  private sentinelSeen = false;

  /** Job schedulers for scheduled jobs (retried every 5 s while Redis is unreachable). */
  private installSchedules() {
    const attempt = async () => {
      // drop schedulers of jobs that are no longer scheduled (or no longer exist) on the queues we own
      const wanted = new Set(this.exec.reg.scheduled().map((d) => `schedule-${d.name}`));
      for (const q of new Set([OWNER_QUEUE, ...this.exec.reg.workerQueues()])) {
        for (const s of await this.queues.get(q).getJobSchedulers()) {
          if (s.key.startsWith("schedule-") && !wanted.has(s.key)) await this.queues.get(q).removeJobScheduler(s.key);
        }
      }
      for (const def of this.exec.reg.scheduled()) {
        const kind = "job" as const;
        const opts = jobOptions(this.exec.reg, kind, def.name, def.attempts ?? 3);
        await this.queues.get(this.exec.reg.queueOf(def)).upsertJobScheduler(
          `schedule-${def.name}`,
          { pattern: def.schedule!, tz: def.tz },
          { name: def.name, data: { key: null, kind, name: def.name, payload: {} } satisfies JobData, opts: { attempts: opts.attempts, backoff: opts.backoff, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } },
        );
      }
    };
    attempt().then(
      () => this.log.debug("job schedulers installed"),
      (err) => {
        this.warn("could not install job schedulers; retrying", "schedules", err);
        if (!this.stopped) {
          this.scheduleTimer = setTimeout(() => this.installSchedules(), 5000);
          this.scheduleTimer.unref?.();
        }
      },
    );
  }

  /** Whether Redis answers a PING within timeoutMs. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    try {
      const p = this.redis.ping();
      p.catch(() => undefined);
      return (await within(p, timeoutMs)) === "PONG";
    } catch {
      return false;
    }
  }

  /** Hand pending outbox rows to BullMQ (called after commits and on a slow poll). */
  nudge = () => {
    if (this.stopped) return;
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    this.dispatch()
      .catch((err) => this.warn("outbox dispatch failed; will retry", "dispatch", err)) // at most every 30 s while Redis is away
      .finally(() => {
        this.dispatching = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.nudge();
        }
      });
  };

  private async dispatch() {
    if (this.redisSuspect && !(await this.ping())) throw new DependencyUnavailable("redis", "not answering");
    this.redisSuspect = true; // cleared when this dispatch completes
    for (;;) {
      this.again = false;
      const rows = pendingForDispatch(this.db, 500);
      if (rows.length === 0) return;
      const now = this.clock.now().getTime();
      const byQueue = new Map<string, OutboxRow[]>();
      for (const r of rows) {
        const list = byQueue.get(r.queue);
        if (list) list.push(r);
        else byQueue.set(r.queue, [r]);
      }
      for (const [queue, list] of byQueue) {
        const added = this.queues.get(queue).addBulk(
          list.map((r) => ({
            name: r.name,
            data: { key: r.key, kind: r.kind, name: r.name, payload: JSON.parse(r.payload), ...(r.trace_context ? { trace: r.trace_context } : {}) } satisfies JobData,
            opts: { ...jobOptions(this.exec.reg, r.kind, r.name, r.max_attempts, r.run_at - now), jobId: jobIdOf(r.key) },
          })),
        );
        // a late success is harmless: the rows stay pending and are added again with the same job ids (no-op)
        await redisWithin(added, 10_000, "dispatch");
      }
      markDispatched(this.db, rows.map((r) => r.id), now);
      if (rows.length < 500) {
        this.redisSuspect = false;
        return;
      }
    }
  }

  private async processOwner(job: Job<JobData>) {
    if (isHusk(job.data)) return skipHusk(job, this.log, this.exec);
    const done = this.active.add(job);
    try {
      const key = keyOf(job);
      const input: RunInput = { key, kind: job.data.kind, name: job.data.name, payload: job.data.payload, attempt: job.attemptsMade + 1, trace: job.data.trace };
      const result = await this.exec.run(input);
      await this.completions.push({ ...input, result });
    } finally {
      done();
    }
  }

  private onFailed(job: Job<JobData>, err: Error) {
    const queue = this.exec.queueOf(job.data.kind, job.data.name);
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) {
      this.exec.metrics.retried.inc({ queue });
      this.log.warn("job failed, will retry", { key: keyOf(job), name: job.data.name, queue, attempt: job.attemptsMade, error: describeError(err) });
      return;
    }
    this.exec.metrics.failed.inc({ queue });
    this.log.error("job dead", { key: keyOf(job), name: job.data.name, queue, attempts: job.attemptsMade, error: describeError(err) });
    try {
      this.db.tx((c) => markDead(c, keyOf(job), describeError(err), this.clock.now().getTime(), job.attemptsMade));
    } catch (e) {
      this.log.warn("could not mark job dead", { err: e as Error });
    }
  }

  /** A results-queue entry: applied in the batch of its event-loop turn; a husk (no data) is skipped. */
  private async onResult(job: Job<ResultData>) {
    if (isHusk(job.data) || typeof job.data.key !== "string") return skipHusk(job, this.log, this.exec);
    return this.results.push(job.data);
  }

  /** A result from a stateless worker: applied once, in one transaction with the completion mark. */
  applyResult(r: ResultData) {
    const err = this.applyResults([r])[0];
    if (err) throw err;
  }

  /**
   * Results from stateless workers, in one transaction: completed ones applied (once per key, each apply in a
   * savepoint), dead ones marked dead. One outcome per result: an Error fails that result's entry (BullMQ retries it).
   */
  applyResults(rs: ResultData[]): (Error | undefined)[] {
    const out: (Error | undefined)[] = new Array(rs.length).fill(undefined);
    const done: number[] = [];
    const dead: number[] = [];
    rs.forEach((r, i) => (r.state === "dead" ? dead : done).push(i));
    if (dead.length > 0) {
      const now = this.clock.now().getTime();
      try {
        this.db.tx((c) => {
          for (const i of dead) markDead(c, rs[i]!.key, rs[i]!.error ?? "failed", now, rs[i]!.attempts);
        });
        for (const i of dead) {
          const r = rs[i]!;
          this.exec.metrics.failed.inc({ queue: this.exec.queueOf(r.kind, r.name) });
          this.log.error("job dead", { key: r.key, name: r.name, attempts: r.attempts, error: r.error });
        }
      } catch (err) {
        for (const i of dead) out[i] = asError(err);
      }
    }
    if (done.length > 0) {
      const errors = this.exec.completeMany(this.db, done.map((i) => ({ ...rs[i]!, result: rs[i]!.result })));
      done.forEach((i, k) => {
        const r = rs[i]!;
        if (errors[k] !== undefined) out[i] = asError(errors[k]);
        else withTraceContext(r.runSpan, () => this.log.info("job completed", { key: r.key, name: r.name, queue: this.exec.queueOf(r.kind, r.name), attempts: r.attempts }));
      });
    }
    return out;
  }

  /** Jobs waiting or running per queue; DependencyUnavailable("redis") when Redis does not answer within timeoutMs. */
  async depth(timeoutMs = 1500): Promise<{ queue: string; n: number }[]> {
    if (!(await this.ping())) throw new DependencyUnavailable("redis", "not answering");
    const counts = Promise.all(
      this.queues
        .all()
        .filter(([name]) => name !== RESULTS_QUEUE)
        .map(async ([name, q]) => {
          const c = await q.getJobCounts("waiting", "active", "delayed", "prioritized");
          return { queue: name, n: Object.values(c).reduce((a, b) => a + b, 0) };
        }),
    );
    return redisWithin(counts, timeoutMs, "queue depth");
  }

  /** BullMQ worker connections per queue (owner, hooks and every runsOn 'any' queue): 0 means nobody consumes it. */
  async workerCounts(timeoutMs = 1500): Promise<{ queue: string; n: number }[]> {
    if (!(await this.ping())) throw new DependencyUnavailable("redis", "not answering");
    const names = [...new Set([OWNER_QUEUE, HOOKS_QUEUE, ...this.exec.reg.workerQueues()])];
    return redisWithin(Promise.all(names.map(async (queue) => ({ queue, n: await this.queues.get(queue).getWorkersCount() }))), timeoutMs, "worker count");
  }

  async stop(timeoutMs: number) {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    if (this.lostTimer) clearInterval(this.lostTimer);
    const up = await this.ping();
    await closeWorkers(this.workers, up ? timeoutMs : 0, () => this.active.reportAbandoned(this.log, this.exec.metrics, timeoutMs));
    await within(this.queues.close(), up ? 2000 : 100);
    this.redis.disconnect();
  }
}

/** Stateless workers for runsOn 'any' jobs: no SQLite; results go to the results queue for the owner. */
export class StatelessWorkers {
  private workers: Worker[] = [];
  private results: Queue;
  readonly active = new ActiveJobs();
  /** Results handed to the owner: one addBulk (one Redis round trip) per event-loop turn instead of one add each. */
  private reports = new Batcher<{ data: ResultData; jobId: string }, void>(async (items) => {
    await this.results.addBulk(items.map((r) => ({ name: "result", data: r.data, opts: { ...RESULT_OPTS, jobId: r.jobId } })));
    return items.map(() => undefined);
  });

  constructor(
    private exec: JobExecutor,
    private opts: BullOptions & { queues: string[]; concurrency: number },
  ) {
    this.results = new Queue(RESULTS_QUEUE, { connection: connectionOf(opts.url), prefix: opts.prefix });
    const warn = throttled(opts.log);
    this.results.on("error", (err) => warn("queue error", `queue:${RESULTS_QUEUE}`, err));
  }

  async start() {
    await checkRedis(this.opts.url, this.opts.log);
    const warn = throttled(this.opts.log);
    for (const q of this.opts.queues) {
      const w = new Worker<JobData>(q, (job) => this.process(job), workerOptions(this.opts, this.opts.concurrency));
      w.on("failed", (job, err) => job && this.onFailed(job, err));
      w.on("error", (err) => warn("worker error", `worker:${q}`, err));
      w.on("stalled", (jobId) => onStalled(q, jobId, this.opts.log, this.exec));
      this.workers.push(w);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  private async process(job: Job<JobData>) {
    if (isHusk(job.data)) return skipHusk(job, this.opts.log, this.exec);
    const done = this.active.add(job);
    try {
      return await this.processOnce(job);
    } finally {
      done();
    }
  }

  private async processOnce(job: Job<JobData>) {
    const key = keyOf(job);
    const input: RunInput = { key, kind: job.data.kind, name: job.data.name, payload: job.data.payload, attempt: job.attemptsMade + 1, trace: job.data.trace };
    const result = await this.exec.run(input);
    const data: ResultData = { ...job.data, key, state: "completed", result: result ?? null, attempts: job.attemptsMade + 1, ...(input.runSpan ? { runSpan: input.runSpan } : {}) };
    await this.reports.push({ data, jobId: resultJobId(job, "ok") });
    this.exec.metrics.completed.inc({ queue: job.queueName });
    withTraceContext(input.runSpan, () => this.opts.log.info("job completed", { key, name: job.data.name, queue: job.queueName, attempt: input.attempt }));
    return result ?? null;
  }

  private async onFailed(job: Job<JobData>, err: Error) {
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    const key = keyOf(job);
    if (!final) {
      this.exec.metrics.retried.inc({ queue: job.queueName });
      this.opts.log.warn("job failed, will retry", { key, name: job.data.name, queue: job.queueName, attempt: job.attemptsMade, error: describeError(err) });
      return;
    }
    this.exec.metrics.failed.inc({ queue: job.queueName });
    const data: ResultData = { ...job.data, key, state: "dead", error: describeError(err), attempts: job.attemptsMade };
    await this.reports
      .push({ data, jobId: resultJobId(job, "dead") })
      .catch((e) => this.opts.log.error("could not report a dead job", { key, err: e as Error }));
  }

  /** Readiness of a stateless worker: every BullMQ worker running and Redis answering. */
  async ready(): Promise<boolean> {
    if (!this.workers.every((w) => w.isRunning())) return false;
    const r = new Redis(this.opts.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 });
    r.on("error", () => {});
    try {
      // bounded: a Redis that accepts connections but never answers must not hold the probe
      const answer = (async () => {
        await r.connect();
        return (await r.ping()) === "PONG";
      })();
      answer.catch(() => undefined);
      return (await within(answer, 2000)) === true;
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }

  async close(timeoutMs: number) {
    await closeWorkers(this.workers, timeoutMs, () => this.active.reportAbandoned(this.opts.log, this.exec.metrics, timeoutMs));
    await within(this.results.close(), 2000);
  }
}
