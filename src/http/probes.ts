// The probes: /healthz (the process answers), /readyz (database writable, migrations applied, every registered
// readiness check — Redis, S3 — answering within 2 s; 503 problem naming the failing ones) and /metrics
// (Prometheus text format).
import { z } from "@hono/zod-openapi";
import { declareRoute, type Route } from "./route.ts";
import type { Platform } from "./types.ts";
import { HttpProblem } from "./problem.ts";
import { pendingMigrations } from "../db/migrate.ts";

const Health = z.object({ status: z.literal("ok") }).openapi("Health", { example: { status: "ok" } });
const Ready = z
  .object({ status: z.literal("ready"), checks: z.record(z.string(), z.boolean()).openapi({ description: "Each check by name: database, migrations, and redis/s3 when configured" }) })
  .openapi("Readiness", { example: { status: "ready", checks: { database: true, migrations: true } } });

const METRICS_EXAMPLE = '# HELP http_request_duration_seconds HTTP request duration\n# TYPE http_request_duration_seconds histogram\nhttp_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1\n';

async function readiness(platform: Platform): Promise<Record<string, boolean>> {
  const checks: Record<string, boolean> = { database: platform.db.isWritable(), migrations: pendingMigrations(platform.db).length === 0 };
  for (const r of platform.readiness) {
    try {
      checks[r.name] = await Promise.race([Promise.resolve(r.check()), new Promise<boolean>((res) => setTimeout(() => res(false), 2000))]);
    } catch {
      checks[r.name] = false;
    }
  }
  return checks;
}

export const PROBES: Route<Platform>[] = [
  declareRoute({
    method: "get",
    path: "/healthz",
    summary: "Liveness: the process answers",
    tags: ["Probes"],
    access: "public",
    responses: { 200: { description: "Alive", schema: Health } },
    handler: () => ({ status: 200, body: { status: "ok" } }),
  }),
  declareRoute({
    method: "get",
    path: "/readyz",
    summary: "Readiness: database writable, migrations applied, Redis and S3 reachable when configured",
    tags: ["Probes"],
    access: "public",
    responses: {
      200: { description: "Ready", schema: Ready },
      503: { description: "Not ready: `checks` names each check and whether it passed", example: { type: "https://kreditku.dev/problems/not-ready", title: "Not ready", status: 503, detail: "failing: migrations", checks: { database: true, migrations: false } } },
    },
    handler: async (_req, platform) => {
      const checks = await readiness(platform);
      const failing = Object.keys(checks).filter((k) => !checks[k]);
      if (failing.length > 0) throw new HttpProblem(503, "not-ready", "Not ready", `failing: ${failing.join(", ")}`, { checks });
      return { status: 200, body: { status: "ready", checks } };
    },
  }),
  declareRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (text exposition format)",
    tags: ["Probes"],
    access: "public",
    responses: { 200: { description: "Metrics", contentType: "text/plain; version=0.0.4; charset=utf-8", schema: z.string(), example: METRICS_EXAMPLE } },
    handler: async (_req, platform) => ({ status: 200, body: await platform.metrics.text(), headers: { "Content-Type": platform.metrics.contentType } }),
  }),
];
