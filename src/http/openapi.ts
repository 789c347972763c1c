// The OpenAPI 3.1 document, generated from the route declarations (src/http/route.ts): each declared route becomes
// an operation (or a `webhooks` entry) with its request schemas and examples, the Idempotency-Key header where the
// route is idempotent, and the problems it can answer made from the declaration (401 when not public, 403 when
// role-restricted, 404 with path parameters, 409 when idempotent, 413 with a body, 422 with validated input or
// Idempotency-Key, 429 when rate-limited, 400 for malformed JSON), all of them the one `Problem` schema with
// `errors[]` and an example. Media types without an example get one made from their schema's own examples.
// Also a self-contained reference page.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./types.ts";
import { PROBLEM_BASE } from "./problem.ts";
import type { HeaderSpec, ResponseSpec, Route, WebhookDelivery } from "./route.ts";

export const OPENAPI_INFO = {
  title: "KreditKu API",
  version: "1.0.0",
  description:
    "REST API of KreditKu, an online-lending backend. Money is integer rupiah in fields ending `_amount`/`Amount`; " +
    "timestamps are ISO-8601 UTC; errors are RFC 9457 `application/problem+json` (the `Problem` schema). POSTs that create " +
    "or move things accept an `Idempotency-Key` header. Payment gateways call the endpoints of the `webhooks` section.",
};

/** The one problem document (RFC 9457) every error answers with. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ description: "Stable problem type URI", example: `${PROBLEM_BASE}validation-error` }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().optional().openapi({ example: "The request is not valid" }),
    instance: z.string().optional(),
    requestId: z.string().optional().openapi({ description: "The request id (X-Request-Id), also in the server's log", example: "0195a3c4-8e21-7b6a-9c1d-2f3e4a5b6c7d" }),
    errors: z
      .array(
        z.object({
          path: z.string().openapi({ description: "Dotted path of the failing field", example: "principalAmount" }),
          message: z.string().openapi({ example: "Too small: expected number to be >=1000000" }),
          code: z.string().optional().openapi({ example: "too_small" }),
        }),
      )
      .optional()
      .openapi({ description: "Validation problems: one entry per failing field" }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details; problems may carry more members (retryAfter, violations, …)" });

const IDEMPOTENCY_KEY = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .openapi({
    param: {
      name: "Idempotency-Key",
      in: "header",
      description: "Retry safely: the same key with the same request replays the stored response (`Idempotent-Replayed: true`); with another request it is 422; while the first is still running, 409. Kept 24 h. 1-255 visible ASCII characters.",
    },
    example: "0b6f3c1e-2d4a-4e8b-9f10-5a6b7c8d9e0f",
  });
const IDEMPOTENCY_PARAMS = new WeakMap<object, z.ZodType>();
/** The app's Idempotency-Key header parameter, registered once as a reusable component. */
function idempotencyKeyParam(app: OpenAPIHono<AppEnv>): z.ZodType {
  let p = IDEMPOTENCY_PARAMS.get(app);
  if (!p) IDEMPOTENCY_PARAMS.set(app, (p = app.openAPIRegistry.registerParameter("IdempotencyKey", IDEMPOTENCY_KEY)));
  return p;
}

interface Generated {
  /** Name of the reusable response component (components/responses). */
  name: string;
  description: string;
  slug: string;
  title: string;
  detail: string;
  extra?: Record<string, unknown>;
  headers?: Record<string, HeaderSpec>;
}

const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before retrying", example: "30" } };

/** The problems a declaration implies, by status: the response component, its description and example. */
const GENERATED: Record<number, Generated> = {
  400: { name: "BadRequest", description: "Malformed request: the body is not valid JSON, a query parameter is given more than once, or the Idempotency-Key is not 1-255 visible ASCII characters", slug: "malformed-json", title: "Malformed JSON", detail: "The request body is not valid JSON" },
  401: { name: "Unauthorized", description: "Not signed in, or the access token was refused", slug: "unauthorized", title: "Unauthorized", detail: "Authentication required", headers: { "WWW-Authenticate": { description: "Bearer challenge", example: 'Bearer realm="kreditku"' } } },
  403: { name: "Forbidden", description: "Signed in, but the caller's role may not do this", slug: "forbidden", title: "Forbidden", detail: "This needs one of the roles: admin" },
  404: { name: "NotFound", description: "Not found (also when it belongs to someone else)", slug: "not-found", title: "Not found", detail: "Resource not found" },
  409: { name: "RequestInProgress", description: "A request with this Idempotency-Key is still running (retry after Retry-After)", slug: "idempotency-key-in-use", title: "Request in progress", detail: "A request with this Idempotency-Key is still being processed", headers: RETRY_AFTER },
  413: { name: "PayloadTooLarge", description: "The body is larger than the limit", slug: "payload-too-large", title: "Payload too large", detail: "The request body exceeds the size limit" },
  415: { name: "UnsupportedMediaType", description: "Unsupported media type", slug: "unsupported-media-type", title: "Unsupported media type", detail: "This route takes a JSON body: send it with Content-Type: application/json (not text/plain)" },
  422: {
    name: "ValidationFailed",
    description: "Validation failed (`errors` names each failing field), or an Idempotency-Key reused with another request",
    slug: "validation-error",
    title: "Validation failed",
    detail: "The request is not valid",
    extra: { errors: [{ path: "principalAmount", message: "Too small: expected number to be >=1000000", code: "too_small" }] },
  },
  423: { name: "Locked", description: "Locked for a while (Retry-After)", slug: "account-locked", title: "Account locked", detail: "Too many failed attempts; try again later", extra: { retryAfter: 900 }, headers: RETRY_AFTER },
  429: { name: "RateLimited", description: "Rate limited (Retry-After)", slug: "rate-limited", title: "Too many requests", detail: "Rate limit: at most 60 per 60 s", extra: { retryAfter: 30 }, headers: RETRY_AFTER },
  500: { name: "ServerError", description: "Server error (the request id names it in the log)", slug: "internal", title: "Internal server error", detail: "Something went wrong on our side; the request id identifies it in the logs" },
  503: { name: "Unavailable", description: "A dependency is unavailable; retry", slug: "unavailable", title: "Service unavailable", detail: "A dependency is unavailable; retry later" },
};

const generic = (status: number): Generated => GENERATED[status] ?? { name: `Error${status}`, description: "Error", slug: status >= 500 ? "internal" : "bad-request", title: "Error", detail: "The request failed" };

/** A problem document of a status, for examples. */
export function problemExample(status: number, slug?: string): Record<string, unknown> {
  const g = generic(status);
  return { type: PROBLEM_BASE + (slug ?? g.slug), title: g.title, status, detail: g.detail, ...g.extra, requestId: "0195a3c4-8e21-7b6a-9c1d-2f3e4a5b6c7d" };
}

const headersOf = (h: Record<string, HeaderSpec> | undefined) =>
  h && Object.keys(h).length > 0
    ? Object.fromEntries(Object.entries(h).map(([name, s]) => [name, { description: s.description, schema: { type: "string" as const }, ...(s.example !== undefined ? { example: s.example } : {}) }]))
    : undefined;

function problemResponse(status: number, description?: string, example?: unknown, headers?: Record<string, HeaderSpec>) {
  const g = generic(status);
  const h = headersOf({ ...g.headers, ...headers });
  return { description: description ?? g.description, ...(h ? { headers: h } : {}), content: { "application/problem+json": { schema: ProblemSchema, example: example ?? problemExample(status) } } };
}

function declaredResponse(status: number, r: ResponseSpec) {
  if (status >= 400 && (!r.contentType || /problem\+json/.test(r.contentType))) return problemResponse(status, r.description, r.example, r.headers);
  const h = headersOf(r.headers);
  const contentType = r.contentType ?? (r.stream ? "text/event-stream" : r.file ? "application/octet-stream" : "application/json");
  const schema = r.schema ?? (r.stream || r.file ? z.string().openapi({ format: r.file ? "binary" : undefined }) : undefined);
  const content = schema || r.example !== undefined ? { [contentType]: { schema: schema ?? {}, ...(r.example !== undefined ? { example: r.example } : {}) } } : undefined;
  return { description: r.description, ...(h ? { headers: h } : {}), ...(content ? { content } : {}) };
}

const hasPathParams = (path: string) => /\{[^}]+\}/.test(path);

const RESPONSE_COMPONENTS = new WeakMap<object, Set<number>>();

/** A reference to the generated problem response of a status, registered once per app as components/responses/<Name>. */
function problemRef(app: OpenAPIHono<AppEnv>, status: number) {
  const g = generic(status);
  const done = RESPONSE_COMPONENTS.get(app) ?? new Set<number>();
  RESPONSE_COMPONENTS.set(app, done);
  if (!done.has(status)) {
    done.add(status);
    if (done.size === 1) app.openAPIRegistry.register("Problem", ProblemSchema);
    const h = headersOf(g.headers);
    app.openAPIRegistry.registerComponent("responses", g.name, {
      description: g.description,
      ...(h ? { headers: h } : {}),
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" }, example: problemExample(status) } },
    });
  }
  return { $ref: `#/components/responses/${g.name}` };
}

/** The declared responses plus the problems the declaration implies (a declared status keeps its own text). */
export function responsesOf(app: OpenAPIHono<AppEnv>, route: Route<unknown>) {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) out[status] = declaredResponse(Number(status), r);
  const add = (status: number) => {
    out[String(status)] ??= problemRef(app, status);
  };
  const req = route.request ?? {};
  const takesBody = !!(req.body || req.multipart || req.raw);
  if (req.body || req.query || route.idempotent || req.raw) add(400);
  if (route.access !== "public") add(401);
  if (Array.isArray(route.access)) add(403);
  if (hasPathParams(route.path) && !req.raw) add(404);
  if (route.idempotent) add(409);
  if (takesBody) add(413);
  if (req.body) add(415);
  if (req.body || req.query || req.params || route.idempotent) add(422);
  if (route.rateLimit || req.raw) add(429);
  return out;
}

/** Operation ids made from the method and path: GET /api/v1/loans/{id} → getLoansById. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1(?=\/|$)/, "")
    .split("/")
    .filter(Boolean)
    .flatMap((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return param ? ["by", ...param[1].split(/[^A-Za-z0-9]+/)] : seg.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

const OPERATION_IDS = new WeakMap<object, Set<string>>();

/** Register a declared route's operation (or its webhook deliveries) on the app's OpenAPI registry. */
export function documentRoute(app: OpenAPIHono<AppEnv>, route: Route<unknown>, defaults: { tags?: readonly string[] } = {}) {
  if (route.openapi === false) return;
  const registry = app.openAPIRegistry;
  const ids = OPERATION_IDS.get(app) ?? new Set<string>();
  OPERATION_IDS.set(app, ids);
  const tags = [...(route.tags ?? defaults.tags ?? [])];
  const responses = responsesOf(app, route);
  if (typeof route.openapi === "object") {
    for (const d of route.openapi.webhooks) registry.registerWebhook(webhookOperation(route, d, tags, responses, ids));
    return;
  }
  const operationId = unique(ids, route.operationId ?? operationIdOf(route.method, route.path));
  const req = route.request ?? {};
  const form = req.multipart === true ? { schema: { type: "object" as const, additionalProperties: true } } : req.multipart;
  const body = req.body
    ? { required: true, content: { "application/json": { schema: req.body, ...(req.example !== undefined ? { example: req.example } : {}) } } }
    : form
      ? { required: true, content: { "multipart/form-data": { schema: form.schema, ...("example" in form && form.example !== undefined ? { example: form.example } : {}), ...("encoding" in form && form.encoding ? { encoding: form.encoding } : {}) } } }
      : undefined;
  registry.registerPath({
    method: route.method,
    path: route.path,
    operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(tags.length ? { tags } : {}),
    ...(route.access === "public" ? {} : { security: [{ bearerAuth: [] }] }),
    request: {
      ...(body ? { body } : {}),
      ...(req.query ? { query: req.query as z.ZodObject } : {}),
      ...(req.params ? { params: req.params as z.ZodObject } : {}),
      ...(route.idempotent ? { headers: [idempotencyKeyParam(app)] } : {}),
    },
    responses: responses as never,
  });
}

function unique(ids: Set<string>, id: string): string {
  if (ids.has(id)) throw new Error(`operationId ${id} is declared twice`);
  ids.add(id);
  return id;
}

function webhookOperation(route: Route<unknown>, d: WebhookDelivery, tags: string[], responses: Record<string, unknown>, ids: Set<string>) {
  const target = route.path.replace(/\{([^}]+)\}/g, (m, name: string) => d.params?.[name] ?? m);
  const headers = Object.entries(d.headers).map(([name, h]) => {
    const s = z.string().openapi({ param: { name, in: "header", description: h.description, required: h.required !== false }, ...(h.example !== undefined ? { example: h.example } : {}) });
    return h.required === false ? s.optional() : s;
  });
  return {
    method: "post" as const,
    path: d.name,
    operationId: unique(ids, `webhook${d.name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`),
    summary: d.summary,
    description: `Delivered to \`POST ${target}\`. ${d.description ?? ""}`.trim(),
    ...(tags.length ? { tags } : {}),
    request: { headers, body: { required: true, content: { "application/json": { schema: d.payload, example: d.example } } } },
    responses: responses as never,
  };
}

type Json = any;

/** A value for `schema` from its own examples (object properties, array items, enums, consts), or undefined. */
export function exampleFromSchema(doc: Json, schema: Json, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 12) return undefined;
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce((o: Json, k: string) => (o && typeof o === "object" ? o[k] : undefined), doc);
    return exampleFromSchema(doc, target, depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    if (!Array.isArray(schema[key])) continue;
    if (key === "allOf") {
      const parts = schema.allOf.map((s: Json) => exampleFromSchema(doc, s, depth + 1));
      if (parts.some((p: unknown) => p === undefined)) return undefined;
      return parts.every((p: unknown) => p && typeof p === "object" && !Array.isArray(p)) ? Object.assign({}, ...parts) : parts[0];
    }
    for (const s of schema[key]) {
      const e = exampleFromSchema(doc, s, depth + 1);
      if (e !== undefined) return e;
    }
    return undefined;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("object") || schema.properties) {
    const out: Record<string, unknown> = {};
    const required = new Set<string>(schema.required ?? []);
    for (const [k, s] of Object.entries<Json>(schema.properties ?? {})) {
      const e = exampleFromSchema(doc, s, depth + 1);
      if (e !== undefined) out[k] = e;
      else if (required.has(k)) return undefined;
    }
    return out;
  }
  if (types.includes("array")) {
    const item = exampleFromSchema(doc, schema.items, depth + 1);
    return item === undefined ? (schema.minItems ? undefined : []) : [item];
  }
  if (types.includes("null")) return null;
  if (types.includes("boolean")) return true;
  return undefined;
}

/** Fill each media type (requests, responses, webhooks) that has no example from its schema's examples. */
function fillExamples(doc: Json) {
  const operations = [doc.paths, doc.webhooks].flatMap((items) => Object.values<Json>(items ?? {}).flatMap((item) => Object.values<Json>(item)));
  for (const op of operations) {
    if (!op || typeof op !== "object") continue;
    const media = [...Object.values<Json>(op.requestBody?.content ?? {}), ...Object.values<Json>(op.responses ?? {}).flatMap((r) => Object.values<Json>(r?.content ?? {}))];
    for (const m of media) {
      if (m.example !== undefined || m.examples !== undefined) continue;
      const e = exampleFromSchema(doc, m.schema);
      if (e !== undefined) m.example = e;
    }
  }
}

export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "EdDSA-signed access token from /api/v1/auth",
  });
  const doc: Json = app.getOpenAPI31Document({ openapi: "3.1.0", info: OPENAPI_INFO, servers: [{ url: "/" }] });
  fillExamples(doc);
  const tags = new Set<string>();
  for (const items of [doc.paths, doc.webhooks]) for (const item of Object.values<Json>(items ?? {})) for (const op of Object.values<Json>(item)) for (const t of op?.tags ?? []) tags.add(t);
  doc.tags = [...tags].sort().map((name) => ({ name }));
  if (doc.webhooks && Object.keys(doc.webhooks).length === 0) delete doc.webhooks;
  return doc;
}
