// Admin HTTP routes over the outbox (the dashboard's Jobs page): list rows, a summary of states per queue and job,
// and retry of a dead or failed job — the same operations as `kreditku jobs list|retry` (src/queue/ops.ts).
import { z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { declareRoute, type RateLimitSpec } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import { audit, metaOf } from "../auth/audit.ts";
import { getRuntime } from "../runtime/runtime.ts";
import { depthByQueue, listRows, outboxLagMs, type ListState, type OutboxRow } from "./outbox.ts";

const LIMIT: RateLimitSpec = { name: "admin-jobs", key: "user", limit: 120, windowSeconds: 60 };

export const JOB_STATES = ["pending", "failed", "running", "dispatched", "completed", "dead"] as const satisfies readonly ListState[];
type JobState = (typeof JOB_STATES)[number];

/** The state shown to people: a pending row that already failed an attempt is `failed` (waiting for its retry). */
export function displayState(r: Pick<OutboxRow, "state" | "last_error">): JobState {
  return r.state === "pending" && r.last_error ? "failed" : r.state;
}
const retryable = (r: Pick<OutboxRow, "state" | "last_error">) => r.state === "dead" || displayState(r) === "failed";

export const JobSchema = z
  .object({
    id: z.number().int().openapi({ example: 42 }),
    key: z.string().openapi({ example: "disburse:0193a1b2-0000-7000-8000-0000000000b1" }),
    kind: z.enum(["job", "hook"]),
    name: z.string().openapi({ example: "disburse" }),
    queue: z.string().openapi({ example: "owner" }),
    state: z.enum(JOB_STATES),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().nullable().openapi({ example: "gateway timeout" }),
    retryable: z.boolean().openapi({ description: "dead or failed: POST …/retry runs it again with a fresh attempt count" }),
    runAt: z.string().openapi({ example: "2026-03-01T08:00:00.000Z" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("OutboxJob");

const iso = (ms: number) => new Date(ms).toISOString();
export function jobOut(r: OutboxRow): z.infer<typeof JobSchema> {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    name: r.name,
    queue: r.queue,
    state: displayState(r),
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    retryable: retryable(r),
    runAt: iso(r.run_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const JobListSchema = z.object({ items: z.array(JobSchema), nextCursor: z.string().nullable() }).openapi("OutboxJobList");

const ListQuery = z.object({
  state: z.enum(JOB_STATES).optional().openapi({ param: { name: "state", in: "query" }, description: "`failed` = pending again after an error" }),
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ param: { name: "limit", in: "query" }, example: 25 }),
  cursor: z.string().max(64).optional().openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});

const encodeCursor = (id: number) => Buffer.from(`o:${id}`).toString("base64url");
function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const m = /^o:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new HttpProblem(400, "bad-cursor", "Bad cursor", "The cursor is not one this API returned");
  return Number(m[1]);
}

const Counts = z.object(Object.fromEntries(JOB_STATES.map((s) => [s, z.number().int()])) as Record<JobState, z.ZodNumber>);
const SummarySchema = z
  .object({
    mode: z.enum(["embedded", "bullmq"]).openapi({ description: "embedded runner, or BullMQ when REDIS_URL is set" }),
    total: z.number().int(),
    byState: Counts,
    byJob: z.array(z.object({ queue: z.string(), name: z.string(), kind: z.enum(["job", "hook"]), total: z.number().int() }).merge(Counts)),
    queueDepth: z.array(z.object({ queue: z.string(), depth: z.number().int() })).openapi({ description: "rows pending, running or dispatched, by queue" }),
    outboxLagSeconds: z.number().openapi({ description: "age of the oldest due row not yet run or dispatched", example: 0 }),
    generatedAt: z.string(),
  })
  .openapi("OutboxSummary");

const zero = (): Record<JobState, number> => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;

const IdParams = z.object({
  id: z.string().min(1).max(255).openapi({ param: { name: "id", in: "path" }, description: "the outbox row id, or its key", example: "42" }),
});

export const jobExample: z.infer<typeof JobSchema> = {
  id: 42,
  key: "disburse:0193a1b2-0000-7000-8000-0000000000b1",
  kind: "job",
  name: "disburse",
  queue: "owner",
  state: "dead",
  attempts: 5,
  maxAttempts: 5,
  lastError: "gateway timeout",
  retryable: true,
  runAt: "2026-03-01T08:00:00.000Z",
  createdAt: "2026-03-01T07:59:00.000Z",
  updatedAt: "2026-03-01T08:05:00.000Z",
};
const counts = (o: Partial<Record<JobState, number>>) => ({ ...zero(), ...o });

export const jobsAdminModule: AppModule = {
  register(app, platform) {
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "get",
        path: "/api/v1/admin/jobs",
        tags: ["jobs"],
        summary: "Outbox rows (jobs and hook runs), newest first, optionally by state (cursor pagination)",
        access: ["admin"],
        rateLimit: LIMIT,
        request: { query: ListQuery },
        responses: {
          200: { description: "A page of jobs", schema: JobListSchema, example: { items: [jobExample], nextCursor: "bzo0Mg" } },
          400: { description: "The cursor is not one this API returned", example: { type: "https://kreditku.dev/problems/bad-cursor", title: "Bad cursor", status: 400, detail: "The cursor is not one this API returned" } },
        },
        handler: (req) => {
          const q = req.query;
          const rows = listRows(platform.db, q.state, q.limit + 1, decodeCursor(q.cursor));
          const more = rows.length > q.limit;
          const items = rows.slice(0, q.limit);
          return { status: 200, body: { items: items.map(jobOut), nextCursor: more ? encodeCursor(items[items.length - 1].id) : null } };
        },
      }),
      declareRoute({
        method: "get",
        path: "/api/v1/admin/jobs/summary",
        tags: ["jobs"],
        summary: "Counts of outbox rows by state and by queue/job, queue depths and the outbox lag",
        access: ["admin"],
        rateLimit: LIMIT,
        responses: {
          200: {
            description: "The summary",
            schema: SummarySchema,
            example: {
              mode: "embedded",
              total: 12,
              byState: counts({ completed: 10, pending: 1, dead: 1 }),
              byJob: [{ queue: "owner", name: "disburse", kind: "job", total: 12, ...counts({ completed: 10, pending: 1, dead: 1 }) }],
              queueDepth: [{ queue: "owner", depth: 1 }],
              outboxLagSeconds: 0,
              generatedAt: "2026-03-02T03:00:00.000Z",
            },
          },
        },
        handler: () => {
          const now = platform.clock.now().getTime();
          const rows = platform.db.read.all<{ queue: string; name: string; kind: "job" | "hook"; s: JobState; n: number }>(
            `SELECT queue, name, kind, CASE WHEN state = 'pending' AND last_error IS NOT NULL THEN 'failed' ELSE state END AS s, count(*) AS n
             FROM outbox GROUP BY queue, name, kind, s ORDER BY queue, name`,
          );
          const byState = zero();
          const byJob = new Map<string, { queue: string; name: string; kind: "job" | "hook"; total: number } & Record<JobState, number>>();
          let total = 0;
          for (const r of rows) {
            byState[r.s] += r.n;
            total += r.n;
            const k = `${r.queue}\u0000${r.name}\u0000${r.kind}`;
            let j = byJob.get(k);
            if (!j) byJob.set(k, (j = { queue: r.queue, name: r.name, kind: r.kind, total: 0, ...zero() }));
            j[r.s] += r.n;
            j.total += r.n;
          }
          return {
            status: 200,
            body: {
              mode: platform.config.redisUrl ? ("bullmq" as const) : ("embedded" as const),
              total,
              byState,
              byJob: [...byJob.values()],
              queueDepth: depthByQueue(platform.db).map((d) => ({ queue: d.queue, depth: d.n })),
              outboxLagSeconds: outboxLagMs(platform.db, now) / 1000,
              generatedAt: iso(now),
            },
          };
        },
      }),
      declareRoute({
        method: "post",
        path: "/api/v1/admin/jobs/{id}/retry",
        tags: ["jobs"],
        summary: "Run a dead or failed job again, now, with a fresh attempt count",
        description: "Admin. 404 when no row has this id or key; 409 `job-not-retryable` unless it is dead or failed. Accepts Idempotency-Key.",
        access: ["admin"],
        rateLimit: LIMIT,
        idempotent: true,
        request: { params: IdParams },
        responses: {
          200: { description: "The job, due again", schema: JobSchema, example: { ...jobExample, state: "pending", attempts: 0, lastError: null, retryable: false } },
          404: { description: "No job has this id or key" },
          409: {
            description: "`job-not-retryable`: only dead or failed jobs can be retried; or a request with this Idempotency-Key is still running",
            example: { type: "https://kreditku.dev/problems/job-not-retryable", title: "Job not retryable", status: 409, detail: "Job 42 is completed; only dead or failed jobs can be retried", state: "completed" },
          },
        },
        handler: async (req) => {
          const { id } = req.params;
          const find = () =>
            (/^\d+$/.test(id) ? platform.db.read.get<OutboxRow>("SELECT * FROM outbox WHERE id = ?", Number(id)) : null) ??
            platform.db.read.get<OutboxRow>("SELECT * FROM outbox WHERE key = ?", id);
          const row = find();
          if (!row) throw problems.notFound("Job");
          const notRetryable = (r: OutboxRow) =>
            new HttpProblem(409, "job-not-retryable", "Job not retryable", `Job ${r.id} is ${displayState(r)}; only dead or failed jobs can be retried`, { state: displayState(r) });
          if (!retryable(row)) throw notRetryable(row);
          const now = platform.clock.now();
          // ops.ts (BullMQ, ioredis) is imported when a retry runs, not when the app is built
          const done = await (await import("./ops.ts")).retryJobs(platform.db, platform.config, { id: row.id }, now.getTime());
          const after = platform.db.read.get<OutboxRow>("SELECT * FROM outbox WHERE id = ?", row.id);
          if (!after) throw problems.notFound("Job");
          if (done.length === 0) throw notRetryable(after); // it changed state in between (claimed, completed, purged)
          const user = req.user!;
          platform.db.tx((w) =>
            audit(w, { event: "job.retried", userId: user.id, actorId: user.id, ...metaOf(req), at: now, details: { jobId: row.id, key: row.key, name: row.name, previousState: displayState(row) } }),
          );
          getRuntime(platform).nudge();
          return { status: 200, body: jobOut(after) };
        },
      }),
    ]);
  },
};
