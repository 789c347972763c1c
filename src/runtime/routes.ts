// Mounts every extension route on the OpenAPIHono app with createRoute: zod-validated body/query/params
// (422 problem through the app's defaultHook), documented responses, bearerAuth security for non-public routes,
// guarded by requireAccess, Idempotency-Key and rate limits when the route asks for them.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { App } from "../http/app.ts";
import type { AppEnv } from "../http/types.ts";
import { requireAccess } from "../auth/guard.ts";
import { idempotency } from "../http/middleware.ts";
import { clientIp, rateLimit } from "../http/rate-limit.ts";
import type { RouteDefinition, RouteRequest, RouteResult } from "./types.ts";
import type { Runtime } from "./runtime.ts";
import { limitStreams } from "./streams.ts";
import { toResponse } from "./response.ts";
import { mountWebhooks } from "./webhooks.ts";
import { allowLargeBodies } from "../http/app.ts";

const PROBLEM = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .openapi("Problem");

function requestOf(c: Context<AppEnv>, route: RouteDefinition): RouteRequest<any, any, any> {
  const valid = (target: string) => (c.req as any).valid(target);
  return {
    body: route.request?.body && !route.request.multipart ? valid("json") : undefined,
    query: route.request?.query ? valid("query") : c.req.query(),
    params: route.request?.params ? valid("param") : c.req.param(),
    headers: c.req.raw.headers,
    user: c.get("user"),
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? "",
    formData: () => c.req.formData(),
    signal: c.req.raw.signal,
  };
}

function rateLimitOf(route: RouteDefinition): MiddlewareHandler<AppEnv> {
  const rl = route.rateLimit!;
  return rateLimit({
    name: `${route.method.toUpperCase()} ${route.path}`,
    limit: rl.limit,
    windowSeconds: rl.windowSeconds,
    key: (c) => {
      if (rl.key === "ip") return clientIp(c as Context<AppEnv>);
      if (rl.key === "user") return c.get("user")?.id ?? `ip:${clientIp(c as Context<AppEnv>)}`;
      return rl.key(requestOf(c as Context<AppEnv>, { ...route, request: undefined }));
    },
  });
}

export function mountRoute(app: App, runtime: Runtime, extension: string, route: RouteDefinition) {
  const middleware: MiddlewareHandler<AppEnv>[] = [requireAccess(route.access)];
  if (route.rateLimit) middleware.push(rateLimitOf(route));
  if (route.idempotent) middleware.push(idempotency());
  const req = route.request ?? {};
  const responses: Record<string, any> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const ct = r.contentType ?? (Number(status) >= 400 ? "application/problem+json" : "application/json");
    const schema = r.schema ?? (Number(status) >= 400 ? PROBLEM : undefined);
    responses[status] = { description: r.description, ...(schema || r.example !== undefined ? { content: { [ct]: { schema: schema ?? {}, ...(r.example !== undefined ? { example: r.example } : {}) } } } : {}) };
  }
  if (!route.access || route.access !== "public") {
    responses["401"] ??= { description: "Missing or invalid access token", content: { "application/problem+json": { schema: PROBLEM } } };
    if (route.access !== "authenticated") responses["403"] ??= { description: "The caller's role may not do this", content: { "application/problem+json": { schema: PROBLEM } } };
  }
  if (req.body || req.query || req.params) responses["422"] ??= { description: "Validation failed", content: { "application/problem+json": { schema: PROBLEM } } };
  const body = req.multipart
    ? { content: { "multipart/form-data": { schema: { type: "object", additionalProperties: true } } }, required: true }
    : req.body
      ? { content: { "application/json": { schema: req.body } }, required: true }
      : undefined;
  const def = createRoute({
    method: route.method,
    path: route.path,
    summary: route.summary,
    description: route.description,
    tags: route.tags ?? [extension],
    operationId: `${extension}.${route.method}${route.path.replace(/[^A-Za-z0-9]+/g, "_")}`,
    ...(route.access === "public" ? {} : { security: [{ bearerAuth: [] }] }),
    middleware: middleware as any,
    request: { ...(body ? { body } : {}), ...(req.query ? { query: req.query } : {}), ...(req.params ? { params: req.params } : {}) } as any,
    responses,
  });
  app.openapi(def as any, async (c: any) => {
    const ctx = runtime.context({ user: c.get("user"), log: runtime.platform.log.child({ requestId: c.get("requestId"), extension }) });
    const res = await route.handler(requestOf(c, route), ctx);
    return toResponse(limitStreams(runtime.platform, c, res)) as any;
  });
}

/** Mount every extension's routes (multipart ones take the document body limit) and webhooks. */
export function mountExtensions(app: App, runtime: Runtime) {
  for (const ext of runtime.reg.extensions) {
    for (const r of ext.routes ?? []) {
      if (r.request?.multipart) allowLargeBodies(app, r.path);
      mountRoute(app, runtime, ext.name, r);
    }
  }
  mountWebhooks(app, runtime);
}
