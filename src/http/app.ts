// Hono app assembly: middleware, platform routes (health, readiness, metrics, OpenAPI), problem+json errors.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { cors } from "hono/cors";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import type { AppEnv, Platform } from "./types.ts";
import { HttpProblem, problemResponse, problems, zodFieldErrors } from "./problem.ts";
import { accessLog, requestId } from "./middleware.ts";
import { headerLimit } from "./header-limit.ts";
import { openApiDocument, renderDocsPage } from "./openapi.ts";
import { pendingMigrations } from "../db/migrate.ts";

export type App = OpenAPIHono<AppEnv>;

/** Per app: paths (and their sub-paths) that take bodies up to documentLimitBytes, e.g. multipart uploads. */
const LARGE_BODY_PATHS = new WeakMap<App, RegExp[]>();

/** Let `path` (OpenAPI-style, `{param}` segments) and its sub-paths take bodies up to the document limit. */
export function allowLargeBodies(app: App, path: string) {
  const src = path
    .split("/")
    .map((seg) => (/^\{[^/]+\}$/.test(seg) ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  const list = LARGE_BODY_PATHS.get(app) ?? [];
  list.push(new RegExp(`^${src}(?:/.*)?$`));
  LARGE_BODY_PATHS.set(app, list);
}

export function newRouter(): App {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw problems.validation(zodFieldErrors(result.error.issues as any));
    },
  });
}

export interface AppModule {
  /** Mount routes on the app. Called once, after the platform middleware. */
  register(app: App, platform: Platform): void;
}

function toProblem(err: unknown, c: Context<AppEnv>): Response {
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
    const large = (LARGE_BODY_PATHS.get(app) ?? []).some((p) => p.test(c.req.path));
    return (large ? largeLimit : limit)(c, next);
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    const checks: Record<string, boolean> = {};
    checks.database = platform.db.isWritable();
    checks.migrations = pendingMigrations(platform.db).length === 0;
    for (const r of platform.readiness) {
      try {
        checks[r.name] = await Promise.race([Promise.resolve(r.check()), new Promise<boolean>((res) => setTimeout(() => res(false), 2000))]);
      } catch {
        checks[r.name] = false;
      }
    }
    const ok = Object.values(checks).every(Boolean);
    if (!ok) {
      return problemResponse(c, new HttpProblem(503, "not-ready", "Not ready", `failing: ${Object.keys(checks).filter((k) => !checks[k]).join(", ")}`, { checks }));
    }
    return c.json({ status: "ready", checks });
  });

  app.get("/metrics", async (c) => {
    const text = await platform.metrics.text();
    return c.body(text, 200, { "Content-Type": platform.metrics.contentType });
  });

  for (const m of modules) m.register(app, platform);

  let docCache: any;
  const doc = () => (docCache ??= openApiDocument(app));
  app.get("/api/openapi.json", (c) => c.json(doc()));
  app.get("/api/docs", (c) => c.html(renderDocsPage(doc())));

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
