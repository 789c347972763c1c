// GET /api/v1/jobs/{key}: how a client learns that queued work finished. A route that queues a job answers its key
// (e.g. the manual delinquency sweep's `jobKey`); the caller polls this route until `finished` is true: `completed`
// (done) or `dead` (gave up after its attempts; an admin can retry it). Staff only: jobs are queued by staff routes and
// by the system, never by borrowers. A completed row is kept until the outbox purge removes it (404 after that).
import { z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { problems } from "../http/problem.ts";
import { declareRoute, type RateLimitSpec } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import type { OutboxRow } from "./outbox.ts";
import { JobSchema, jobExample, jobOut } from "./admin-routes.ts";

const LIMIT: RateLimitSpec = { name: "job-status", key: "user", limit: 600, windowSeconds: 60 };

const JobStatus = JobSchema.extend({
  finished: z.boolean().openapi({ description: "true once the job is completed or dead: stop polling" }),
}).openapi("JobStatus");

const KeyParams = z.object({
  key: z.string().min(1).max(255).openapi({ param: { name: "key", in: "path" }, description: "the job key a route answered (e.g. the sweep's jobKey)", example: "delinquency-sweep:manual:2026-03-02:6f1c…" }),
});

export const jobStatusModule: AppModule = {
  register(app, platform) {
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "get",
        path: "/api/v1/jobs/{key}",
        tags: ["jobs"],
        summary: "The state of a queued job, by the key the route that queued it answered",
        description: "Staff (admin, finance, analyst). Poll until `finished`: `completed` is done, `dead` gave up (see lastError; POST /api/v1/admin/jobs/{id}/retry runs it again). 404 for an unknown key or a completed job the outbox purge has removed.",
        access: ["admin", "finance", "analyst"],
        rateLimit: LIMIT,
        request: { params: KeyParams },
        responses: {
          200: {
            description: "The job",
            schema: JobStatus,
            example: { ...jobExample, key: "delinquency-sweep:manual:2026-03-02:6f1c2d3e-0000-4000-8000-000000000001", name: "delinquency-sweep", state: "completed", attempts: 1, lastError: null, retryable: false, finished: true },
          },
          404: { description: "No job has this key" },
        },
        handler: (req) => {
          const row = platform.db.read.get<OutboxRow>("SELECT * FROM outbox WHERE key = ?", req.params.key);
          if (!row) throw problems.notFound("Job");
          const job = jobOut(row);
          return { status: 200, body: { ...job, finished: job.state === "completed" || job.state === "dead" } };
        },
      }),
    ]);
  },
};
