// Hono app assembly: middleware, platform routes (probes, the OpenAPI document and its reference page), the modules'
// routes, problem+json errors (405 with Allow for a known path and another method).
import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import type { AppEnv, Platform } from "./types.ts";
import { HttpProblem, problemResponse, problems } from "./problem.ts";
import { recordRequest, requestIdFor } from "./middleware.ts";
import { headerTooLarge, headTooLarge } from "./header-limit.ts";
import { traceRequest, tracingEnabled } from "../observability/tracing.ts";
import { openApiDocument } from "./openapi.ts";
import { apiDocsRoutes } from "../api-docs/routes.ts";
import { newRouter, takesLargeBodies, type App } from "./router.ts";
import { declareRoute } from "./route.ts";
import { mountPlatformRoutes } from "./mount.ts";
import { PROBES } from "./probes.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";
import { SECURE_HEADERS, isSecured } from "./secure-headers.ts";

export { SECURE_HEADER_OPTIONS, SECURE_HEADERS } from "./secure-headers.ts";

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

type Layer = (c: Context<AppEnv>, next: () => Promise<void>) => Promise<Response | void>;

/** Run a Hono middleware inside the platform layer; a response it returns instead of calling next becomes the answer. */
async function runLayer(layer: Layer, c: Context<AppEnv>, next: () => Promise<void>) {
  const r = await layer(c, next);
  if (r instanceof Response) c.res = r;
}

/**
 * Everything the platform does around every request, as one function instead of a chain of middleware (each layer
 * of Hono's chain is an async call, a promise and a closure per request): the platform and request id on the
 * context, the request's trace span (tracing on), the request-head limit (431), CORS (when configured), the body
 * limit on requests with a body (413, document-sized on routes that take documents), then the rest of the chain;
 * after it, the security headers and X-Request-Id on the response, one access-log line and the duration histogram.
 * An error thrown here (431, 413) is answered as problem+json like any other; errors of the later layers were
 * already turned into responses by Hono.
 */
function platformLayer(app: App, platform: Platform) {
  const { config } = platform;
  const corsLayer =
    config.corsOrigins.length > 0
      ? (cors({ origin: config.corsOrigins, allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"], exposeHeaders: ["X-Request-Id", "Retry-After"], maxAge: 600 }) as unknown as Layer)
      : null;
  const limit = bodyLimit({ maxSize: config.bodyLimitBytes, onError: () => { throw new HTTPException(413); } }) as unknown as Layer;
  const largeLimit = bodyLimit({ maxSize: config.documentLimitBytes + 64 * 1024, onError: () => { throw new HTTPException(413); } }) as unknown as Layer;

  const handle = async (c: Context<AppEnv>, next: () => Promise<void>, id: string, start: number) => {
    let status = 500;
    try {
      try {
        const req = c.req.raw;
        if (headTooLarge(req)) throw headerTooLarge();
        const method = req.method;
        const rest =
          method === "GET" || method === "HEAD"
            ? next
            : () => runLayer(takesLargeBodies(app, c.req.path) ? largeLimit : limit, c, next);
        if (corsLayer) await runLayer(corsLayer, c, rest);
        else await rest();
      } catch (err) {
        c.res = toProblem(err, c);
      }
      const res = c.res;
      // a declared route's answer was built with them (src/http/response.ts); anything else gets them here
      if (!isSecured(res)) {
        const headers = res.headers;
        for (let i = 0; i < SECURE_HEADERS.length; i++) headers.set(SECURE_HEADERS[i][0], SECURE_HEADERS[i][1]);
        headers.delete("X-Powered-By");
        headers.set("X-Request-Id", id);
      }
      status = res.status;
    } finally {
      recordRequest(c, platform, start, status);
    }
  };

  return async function platformLayer(c: Context<AppEnv>, next: () => Promise<void>) {
    const start = performance.now();
    c.set("platform", platform);
    const id = requestIdFor(c.req.raw.headers.get("x-request-id"));
    c.set("requestId", id);
    if (!tracingEnabled()) return handle(c, next, id, start);
    // the request's span: parent from an incoming traceparent header; the access-log line is written inside it
    await traceRequest(
      { method: c.req.method, path: c.req.path, traceparent: c.req.raw.headers.get("traceparent") ?? undefined, route: () => c.req.routePath, status: () => c.res.status },
      () => handle(c, next, id, start),
    );
  };
}

export function createApp(platform: Platform, modules: AppModule[] = []): App {
  const app = newRouter();
  platform.loopback ??= (request) => Promise.resolve(app.fetch(request));

  app.use("*", platformLayer(app, platform));

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
