// Hono app assembly: middleware, platform routes (probes, the OpenAPI document and its reference page), the modules'
// routes, problem+json errors (405 with Allow for a known path and another method).
import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { cors } from "hono/cors";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import type { AppEnv, Platform } from "./types.ts";
import { HttpProblem, problemResponse, problems } from "./problem.ts";
import { accessLog, requestId } from "./middleware.ts";
import { headerLimit } from "./header-limit.ts";
import { openApiDocument } from "./openapi.ts";
import { apiDocsRoutes } from "../api-docs/routes.ts";
import { newRouter, takesLargeBodies, type App } from "./router.ts";
import { declareRoute } from "./route.ts";
import { mountPlatformRoutes } from "./mount.ts";
import { PROBES } from "./probes.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";

export { allowLargeBodies, newRouter, type App } from "./router.ts";

export interface AppModule {
  /** Mount routes on the app. Called once, after the platform middleware. */
  register(app: App, platform: Platform): void;
}

function toProblem(err: unknown, c: Context<AppEnv>): Response {
  if (err instanceof DependencyUnavailable) {
    c.get("platform")?.log.warn("dependency unavailable", { dependency: err.dependency, reason: err.reason, requestId: c.get("requestId"), path: c.req.path });
  }
  if (err instanceof HttpProblem) return problemResponse(c, err);
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return problemResponse(c, new HttpProblem(413, "payload-too-large", "Payload too large", "The request body exceeds the size limit"));
    if (status === 400 && /json/i.test(err.message)) return problemResponse(c, new HttpProblem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON"));
    if (status === 401) return problemResponse(c, problems.unauthorized(err.message || undefined));
    return problemResponse(c, new HttpProblem(status, status >= 500 ? "internal" : "bad-request", err.message || "Error", err.message));
  }
  if (err instanceof SyntaxError) return problemResponse(c, new HttpProblem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON"));
  c.get("platform")?.log.error("unhandled error", { requestId: c.get("requestId"), path: c.req.path, err: err as Error });
  return problemResponse(c, new HttpProblem(500, "internal", "Internal server error", "Something went wrong on our side; the request id identifies it in the logs"));
}

function pathMatcher(template: string): RegExp {
  const src = template
    .split("/")
    .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${src}/?$`);
}

export function createApp(platform: Platform, modules: AppModule[] = []): App {
  const app = newRouter();
  const { config } = platform;
  platform.loopback ??= (request) => Promise.resolve(app.fetch(request));

  app.use("*", async (c, next) => {
    c.set("platform", platform);
    await next();
  });
  app.use("*", requestId());
  app.use("*", accessLog());
  app.use("*", headerLimit());
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:", "blob:"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  if (config.corsOrigins.length > 0) {
    app.use("*", cors({ origin: config.corsOrigins, allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"], exposeHeaders: ["X-Request-Id", "Retry-After"], maxAge: 600 }));
  }
  const limit = bodyLimit({ maxSize: config.bodyLimitBytes, onError: () => { throw new HTTPException(413); } });
  const largeLimit = bodyLimit({ maxSize: config.documentLimitBytes + 64 * 1024, onError: () => { throw new HTTPException(413); } });
  app.use("*", async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const large = takesLargeBodies(app, c.req.path);
    return (large ? largeLimit : limit)(c, next);
  });

  mountPlatformRoutes(app, platform, PROBES);
  for (const m of modules) m.register(app, platform);

  let docCache: any;
  const doc = () => (docCache ??= openApiDocument(app));
  mountPlatformRoutes(app, platform, [
    declareRoute({
      method: "get",
      path: "/api/openapi.json",
      summary: "This OpenAPI 3.1 document",
      tags: ["Docs"],
      access: "public",
      responses: { 200: { description: "The document", schema: z.record(z.string(), z.unknown()), example: { openapi: "3.1.0", info: { title: "KreditKu API", version: "1.0.0" }, paths: {} } } },
      handler: () => ({ status: 200, body: doc() }),
    }),
    ...apiDocsRoutes(),
  ]);

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = new Set<string>();
    for (const r of app.routes) {
      if (r.method === "ALL" || r.path === "*" || r.path === "/*") continue;
      if (pathMatcher(r.path).test(path)) allowed.add(r.method);
    }
    if (allowed.size > 0 && !allowed.has(c.req.method)) {
      return problemResponse(c as any, new HttpProblem(405, "method-not-allowed", "Method not allowed", `${c.req.method} is not allowed on ${path}`, { allow: [...allowed] }, { Allow: [...allowed].join(", ") }));
    }
    return problemResponse(c as any, new HttpProblem(404, "not-found", "Not found", `No route for ${c.req.method} ${path}`));
  });
  app.onError((err, c) => toProblem(err, c as Context<AppEnv>));
  return app;
}

/** Build the document without a running server (CLI `openapi`). */
export function buildOpenApiDocument(app: App) {
  return openApiDocument(app);
}
