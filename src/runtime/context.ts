// The ExtensionContext handed to route handlers, hooks and jobs, built from the platform services.
// tx wraps platform.db.tx into a TxContext whose enqueue/emit write outbox rows in the same transaction; commit runs
// the same TxContext in the database's group commit (src/db/group-commit.ts), shared with the webhooks' req.commit.
import type { Conn, Db } from "../db/database.ts";
import { groupCommitOf } from "../db/group-commit.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../clock.ts";
import type { AuthUser } from "../http/types.ts";
import { insertOutbox } from "../queue/outbox.ts";
import { currentTraceparent, withSpan } from "../observability/tracing.ts";
import { HOOKS_QUEUE, HOOK_DEFAULTS, JOB_DEFAULTS, type Registry } from "./registry.ts";
import { settingsOf, type Env } from "./settings.ts";
import type { BlobStore, EnqueueOptions, EventName, EventPayloads, ExtensionContext, JobContext, JobDefinition, Sql, TxContext } from "./types.ts";

/** What a context is built from: the platform on the owner, or a db-less subset on a stateless worker. */
export interface ContextBase {
  config: Config;
  db?: Db;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  ports: Map<string, unknown>;
  /** The environment the configuration was read from (extension settings); process.env when absent. */
  env?: Env;
  /** The server's own HTTP app (set when an app is made on this platform). */
  loopback?: (request: Request) => Promise<Response>;
}

export class StatelessError extends Error {}

/** Write a job's outbox row on conn (inside the caller's transaction). Same key → no-op, same key returned. */
export function enqueueOn(c: Conn, reg: Registry, now: number, job: Pick<JobDefinition<unknown, unknown>, "name">, payload: unknown, opts: EnqueueOptions = {}): string {
  const def = reg.job(job);
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) throw new Error(`job "${def.name}": invalid payload: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ")}`);
  // time-ordered (UUIDv7): the outbox key index grows at its end instead of taking a random page per job
  const key = opts.key ?? Bun.randomUUIDv7();
  if (typeof key !== "string" || key.length < 1 || key.length > 255) throw new Error(`job "${def.name}": the key must be a string of 1-255 characters`);
  const queue = reg.queueOf(def);
  // tracing on: the row carries the context of its enqueue span, which the job's span continues
  withSpan(`enqueue ${def.name}`, { "kreditku.job.name": def.name, "kreditku.job.key": key, "kreditku.job.queue": queue }, () =>
    insertOutbox(c, {
      key,
      kind: "job",
      name: def.name,
      queue,
      payload: parsed.data,
      maxAttempts: Math.max(1, def.attempts ?? JOB_DEFAULTS.attempts),
      runAt: opts.runAt ? opts.runAt.getTime() : now,
      now,
      traceContext: currentTraceparent(),
    }),
  );
  return key;
}

/** Write one outbox row per hook subscribed to the event. The event must be declared, the payload valid. */
export function emitOn(c: Conn, reg: Registry, now: number, event: string, payload: unknown) {
  const parsed = reg.event(event).safeParse(payload);
  if (!parsed.success) throw new Error(`event "${event}": invalid payload: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ")}`);
  const hooks = reg.hooksByEvent.get(event) ?? [];
  if (hooks.length === 0) return;
  withSpan(`emit ${event}`, { "kreditku.event": event, "kreditku.hooks": hooks.length }, () => {
    const traceContext = currentTraceparent();
    for (const h of hooks) {
      insertOutbox(c, { key: Bun.randomUUIDv7(), kind: "hook", name: h.id, queue: HOOKS_QUEUE, payload, maxAttempts: HOOK_DEFAULTS.attempts, runAt: now, now, traceContext });
    }
  });
}

function sqlOf(conn: () => Conn): Sql {
  return {
    all: (sql, ...p) => conn().all(sql, ...p),
    get: (sql, ...p) => conn().get(sql, ...p),
    run: (sql, ...p) => conn().run(sql, ...p),
  } as Sql;
}

/** `wrote.outbox` turns true once enqueue/emit is called, so the caller nudges the runner only when it may have work. */
export function txContextOf(c: Conn, reg: Registry, clock: Clock, wrote?: { outbox: boolean }): TxContext {
  const now = () => clock.now().getTime();
  return {
    all: (sql, ...p) => c.all(sql, ...p),
    get: (sql, ...p) => c.get(sql, ...p),
    run: (sql, ...p) => c.run(sql, ...p),
    enqueue: (job, payload, opts) => {
      if (wrote) wrote.outbox = true;
      return enqueueOn(c, reg, now(), job, payload, opts);
    },
    emit: (event, payload) => {
      if (wrote) wrote.outbox = true;
      emitOn(c, reg, now(), event, payload);
    },
  } as TxContext;
}

export interface ContextOptions {
  user?: AuthUser;
  log?: Logger;
  /** Called after a write transaction that wrote outbox rows (enqueue/emit): the runner's post-commit nudge. */
  afterCommit?: () => void;
}

export function makeContext(base: ContextBase, reg: Registry, opts: ContextOptions = {}): ExtensionContext {
  const db = base.db;
  const noDb = (what: string): never => {
    throw new StatelessError(`${what} is not available here: this job runs on a stateless worker (runsOn 'any'); carry what it needs in the payload and change data in apply()`);
  };
  const tx = <T>(fn: (t: TxContext) => T): T => {
    if (!db) return noDb("ctx.tx");
    // Nudge the runner only when this transaction wrote outbox rows: a nudge costs the runner a claim query, and
    // most transactions (a webhook applying a payment, say) enqueue nothing. The runner's slow poll is the backstop.
    const wrote = { outbox: false };
    const out = db.tx((c) => fn(txContextOf(c, reg, base.clock, wrote)));
    if (wrote.outbox && opts.afterCommit) queueMicrotask(opts.afterCommit);
    return out;
  };
  // The group of the database (the webhooks' req.commit joins the same one), so the writes of one event-loop turn
  // share one BEGIN IMMEDIATE … COMMIT, each in its own savepoint, each answered after that COMMIT.
  const commit = <T>(fn: (t: TxContext) => T): Promise<T> => {
    if (!db) return Promise.reject(new StatelessError("ctx.commit is not available here: this job runs on a stateless worker (runsOn 'any'); carry what it needs in the payload and change data in apply()"));
    const wrote = { outbox: false };
    const afterCommit = opts.afterCommit;
    return groupCommitOf(db).run((c) => {
      const out = fn(txContextOf(c, reg, base.clock, wrote));
      // outbox rows written: wake the runner once the shared transaction committed (a microtask runs after the flush)
      if (wrote.outbox && afterCommit) queueMicrotask(afterCommit);
      return out;
    });
  };
  const ctx: ExtensionContext = {
    config: base.config,
    db: db ? sqlOf(() => db.read) : (new Proxy({}, { get: () => () => noDb("ctx.db") }) as Sql),
    read: (fn) => (db ? db.snapshot((c) => fn(c)) : noDb("ctx.read")),
    tx,
    commit,
    enqueue: (job, payload, o) => tx((t) => t.enqueue(job, payload, o)),
    hasJob: (job) => reg.jobs.has(job.name),
    emit: (event, payload) => tx((t) => t.emit(event, payload)),
    get blobs(): BlobStore {
      const b = base.ports.get("blobs") as BlobStore | undefined;
      if (!b) throw new Error('port "blobs" is not registered');
      return b;
    },
    user: opts.user,
    log: opts.log ?? base.log,
    metrics: base.metrics,
    clock: base.clock,
    port<T>(name: string): T {
      if (base.ports.has(name)) return base.ports.get(name) as T;
      const provided = reg.ports.get(name);
      if (!provided) throw new Error(`port "${name}" is not registered (known: ${[...new Set([...base.ports.keys(), ...reg.ports.keys()])].join(", ") || "none"})`);
      const made = provided.def(ctx);
      base.ports.set(name, made);
      return made as T;
    },
    settings: (def) => settingsOf(reg, base.config, base.env ?? process.env, def),
    loopback(request) {
      if (!base.loopback) throw new Error("no HTTP app runs in this process");
      return base.loopback(request);
    },
  };
  return ctx;
}

export function jobContextOf(ctx: ExtensionContext, jobId: string, attempt: number, signal: AbortSignal): JobContext {
  return Object.assign(Object.create(ctx), { jobId, attempt, signal, log: ctx.log.child({ jobId, attempt }) }) as JobContext;
}

export type { EventName, EventPayloads };
