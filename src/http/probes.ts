// The probes: /healthz (the process answers), /readyz (database writable, migrations applied, every registered
// readiness check — Redis, S3 — run in parallel, each bounded by 2 s; 503 problem naming the failing ones, but a
// failing degradable check — Redis, S3: only some requests need them — answers 200 `degraded`) and /metrics
// (Prometheus text format; every gauge read bounded, see observability/metrics.ts).
import { z } from "@hono/zod-openapi";
import { declareRoute, type Route } from "./route.ts";
import type { Platform } from "./types.ts";
import { HttpProblem } from "./problem.ts";
import { pendingMigrations } from "../db/migrate.ts";

const Health = z.object({ status: z.literal("ok") }).openapi("Health", { example: { status: "ok" } });
const CheckResult = z.union([z.boolean(), z.literal("degraded")]);
const Ready = z
  .object({
    status: z.enum(["ready", "degraded"]).openapi({ description: "`degraded`: a dependency only some requests need (Redis, S3) is not answering; the process still serves" }),
    checks: z.record(z.string(), CheckResult).openapi({ description: "Each check by name: database, migrations, and redis/s3 when configured (`\"degraded\"` when a degradable check fails)" }),
  })
  .openapi("Readiness", { example: { status: "degraded", checks: { database: true, migrations: true, redis: "degraded" } } });

const METRICS_EXAMPLE = '# HELP http_request_duration_seconds HTTP request duration\n# TYPE http_request_duration_seconds histogram\nhttp_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1\n';

const CHECK_TIMEOUT_MS = 2000;

async function bounded(check: () => Promise<boolean> | boolean): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([Promise.resolve().then(check), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), CHECK_TIMEOUT_MS)))]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function readiness(platform: Platform): Promise<Record<string, boolean | "degraded">> {
  const checks: Record<string, boolean | "degraded"> = { database: platform.db.isWritable(), migrations: pendingMigrations(platform.db).length === 0 };
  const results = await Promise.all(platform.readiness.map((r) => bounded(() => r.check())));
  platform.readiness.forEach((r, i) => (checks[r.name] = results[i] ? true : r.degradable ? "degraded" : false));
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
      200: { description: "Ready, or degraded: Redis or S3 not answering (jobs wait in the outbox, document uploads answer 503), everything else served", schema: Ready },
      503: { description: "Not ready: `checks` names each check and whether it passed", example: { type: "https://kreditku.dev/problems/not-ready", title: "Not ready", status: 503, detail: "failing: migrations", checks: { database: true, migrations: false } } },
    },
    handler: async (_req, platform) => {
      const checks = await readiness(platform);
      const failing = Object.keys(checks).filter((k) => checks[k] === false);
      if (failing.length > 0) throw new HttpProblem(503, "not-ready", "Not ready", `failing: ${failing.join(", ")}`, { checks });
      const degraded = Object.values(checks).includes("degraded");
      return { status: 200, body: { status: degraded ? ("degraded" as const) : ("ready" as const), checks } };
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
