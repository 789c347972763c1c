// Mounts a route declaration (src/http/route.ts) on the app: per request, in this order, the access guard (401/403),
// the declared rate limits keyed by IP or user (429), the route's own guard, Idempotency-Key (replay, 409, 422), the
// raw body (413, 400 when not UTF-8) or the validated query, path parameters and JSON body (400 malformed JSON, 422
// with the failing fields), the rate limits keyed by the validated request, then the handler; its result becomes
// the response (streams counted per caller). The route's OpenAPI operation is registered from the same declaration.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "@hono/zod-openapi";
import type { AppEnv, Platform } from "./types.ts";
import type { Route, RouteRequest, RateLimitSpec } from "./route.ts";
import { allowLargeBodies, type App } from "./router.ts";
import { HttpProblem, problems, zodFieldErrors } from "./problem.ts";
import { clientIp, enforceRateLimit } from "./rate-limit.ts";
import { idempotency } from "./middleware.ts";
import { checkAccess } from "../auth/guard.ts";
import { limitStreams } from "./streams.ts";
import { toResponse } from "./response.ts";
import { documentRoute } from "./openapi.ts";

/** OpenAPI-style {param} → Hono's :param (with its pattern when the declaration gives one). */
export function honoPath(path: string, patterns: Record<string, string> = {}): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => (patterns[name] ? `:${name}{${patterns[name]}}` : `:${name}`));
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/** Raw body as UTF-8 text, at most `limit` bytes (413), or a 400 problem when it is not UTF-8. */
export async function readRawBody(req: Request, limit: number): Promise<string> {
  const tooLarge = () => new HttpProblem(413, "payload-too-large", "Payload too large", `bodies are limited to ${limit} bytes here`);
  const len = req.headers.get("content-length");
  if (len !== null && Number(len) > limit) throw tooLarge();
  const buf = await req.arrayBuffer();
  if (buf.byteLength > limit) throw tooLarge();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new HttpProblem(400, "malformed-webhook", "Malformed webhook", "the body is not UTF-8");
  }
}

function validate(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  if (!r.success) throw problems.validation(zodFieldErrors(r.error.issues as any));
  return r.data;
}

/**
 * A route's query, validated. A parameter given more than once where the route takes one value is the client's
 * malformed request (400 `repeated-parameter`), not a field that failed its rules (422).
 */
function validateQuery(schema: z.ZodType, value: Record<string, string | string[]>): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const repeated = [...new Set(r.error.issues.map((i) => i.path[0]).filter((k): k is string => typeof k === "string" && Array.isArray(value[k])))];
  if (repeated.length > 0) {
    throw new HttpProblem(400, "repeated-parameter", "Parameter given more than once", `${repeated.join(", ")} ${repeated.length > 1 ? "are" : "is"} given more than once; give each once`, {
      errors: repeated.map((k) => ({ path: k, message: "given more than once" })),
    });
  }
  throw problems.validation(zodFieldErrors(r.error.issues as any));
}

function queryValues(c: Context<AppEnv>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
}

/** Whether a request carries a body (any but none or a declared length of 0). */
function hasBody(raw: Request): boolean {
  if (raw.body === null) return false;
  const length = raw.headers.get("content-length");
  return length === null || length.trim() !== "0";
}

/**
 * The JSON body of a route that declares one. No body at all (whatever the Content-Type) is `{}` (the schema says
 * whether that will do); a body in another media type, or one sent without a Content-Type, is refused with 415
 * rather than read as `{}` (which would answer with field errors for fields the client did send).
 */
async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type");
  const media = type ? type.split(";")[0]!.trim().toLowerCase() : "";
  if (!hasBody(c.req.raw)) return {};
  if (!JSON_MEDIA.test(media)) {
    throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", `This route takes a JSON body: send it with Content-Type: application/json${media ? ` (not ${media})` : ""}`);
  }
  const text = await c.req.text();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON");
  }
}

/** The request's view, kept on its context (a symbol property: cheaper than a WeakMap entry per request). */
const VIEW = Symbol("kreditku.request");

/**
 * The request a handler sees; body/query/params filled in once validated. One class, so every request has the same
 * shape and its accessors live on the prototype (an object literal with a getter was the dearest line of a request):
 * the query, path parameters, client IP, user agent, URL and abort signal are read from the request on first use.
 */
class RequestView implements RouteRequest<any, any, any> {
  body: any = undefined;
  rawBody = "";
  readonly headers: Headers;
  readonly method: string;
  readonly path: string;
  readonly user: RouteRequest["user"];
  readonly requestId: string;
  readonly raw: Request;
  #query: any;
  #params: any;
  #ip: string | undefined;
  #userAgent: string | undefined;
  #url: URL | undefined;
  constructor(private readonly c: Context<AppEnv>) {
    const raw = c.req.raw;
    this.raw = raw;
    this.headers = raw.headers;
    this.method = raw.method;
    this.path = c.req.path;
    this.user = c.get("user");
    this.requestId = c.get("requestId");
  }
  get query() {
    return (this.#query ??= this.c.req.query());
  }
  set query(v) {
    this.#query = v;
  }
  get params() {
    return (this.#params ??= this.c.req.param());
  }
  set params(v) {
    this.#params = v;
  }
  get ip() {
    return (this.#ip ??= clientIp(this.c));
  }
  get userAgent() {
    return (this.#userAgent ??= this.headers.get("user-agent") ?? "");
  }
  get url() {
    return (this.#url ??= new URL(this.raw.url));
  }
  get signal() {
    return this.raw.signal;
  }
  formData() {
    return this.c.req.formData();
  }
}

function requestOf(c: Context<AppEnv>): RequestView {
  const held = c as Context<AppEnv> & { [VIEW]?: RequestView };
  return (held[VIEW] ??= new RequestView(c));
}

const limitsOf = (route: Route<unknown>): readonly RateLimitSpec[] => (route.rateLimit === undefined ? [] : Array.isArray(route.rateLimit) ? route.rateLimit : [route.rateLimit as RateLimitSpec]);

/** A declared limit with its counter's options made once. */
interface Limit {
  rl: RateLimitSpec;
  opts: { name: string; limit: number; windowSeconds: number };
}

function limitOf(route: Route<unknown>, rl: RateLimitSpec): Limit {
  return { rl, opts: { name: rl.name ?? `${route.method.toUpperCase()} ${route.path}`, limit: rl.limit, windowSeconds: rl.windowSeconds } };
}

/** Count the call against one declared limit: at once with the in-memory store, a promise with one that answers later. */
function countCall({ rl, opts }: Limit, req: RouteRequest<any, any, any>): void | Promise<void> {
  const key = rl.key === "ip" ? req.ip : rl.key === "user" ? (req.user?.id ?? `ip:${req.ip}`) : rl.key(req);
  if (key === null) return;
  return enforceRateLimit(opts, key);
}

export interface MountOptions<Ctx> {
  /** The context the handler gets, made per request. */
  context(req: RouteRequest<any, any, any>, c: Context<AppEnv>): Ctx;
  /** Tags of its operation when the route names none. */
  tags?: readonly string[];
}

/** Mount one declared route and register its OpenAPI operation. */
export function mountRoute<Ctx>(app: App, route: Route<Ctx>, opts: MountOptions<Ctx>) {
  if (route.methods === "all" && route.openapi !== false) throw new Error(`${route.path}: only routes outside the document answer every method`);
  if (route.bodyLimit === "documents" || route.request?.multipart) allowLargeBodies(app, route.path);
  const limits = limitsOf(route as Route<unknown>);
  const early = limits.filter((l) => typeof l.key === "string").map((l) => limitOf(route as Route<unknown>, l));
  const late = limits.filter((l) => typeof l.key === "function").map((l) => limitOf(route as Route<unknown>, l));
  const req = route.request ?? {};
  const responseType = (status: number) => {
    const r = route.responses[status];
    return r?.contentType ?? (r?.stream ? "text/event-stream" : undefined);
  };

  const path = honoPath(route.path, req.paramPatterns);
  const access = route.access;
  const guard = route.guard;
  /** Before the body is read: the access check, the rate limits keyed by IP or user, the route's own guard. */
  const admit = async (c: Context<AppEnv>) => {
    c.set("route", path);
    checkAccess(access, c);
    if (early.length === 0 && guard === undefined) return;
    const r = requestOf(c);
    for (const rl of early) {
      const pending = countCall(rl, r);
      if (pending !== undefined) await pending;
    }
    await guard?.(r);
  };
  const respond = async (c: Context<AppEnv>) => {
    const r = requestOf(c);
    if (req.raw) r.rawBody = await readRawBody(c.req.raw, req.raw.limitBytes);
    if (req.query) r.query = validateQuery(req.query, queryValues(c));
    if (req.params) r.params = validate(req.params, c.req.param());
    if (req.body) r.body = validate(req.body, await jsonBody(c));
    for (const rl of late) {
      const pending = countCall(rl, r);
      if (pending !== undefined) await pending;
    }
    const res = await route.handler(r, opts.context(r, c));
    if ("response" in res) return res.response;
    return toResponse(limitStreams(c.get("platform"), c, res), "status" in res ? responseType(res.status) : undefined, r.requestId);
  };

  // One handler per route; Idempotency-Key wraps the part after the guards, so it stays a middleware between them.
  const handlers: MiddlewareHandler<AppEnv>[] = route.idempotent
    ? [
        async (c, next) => {
          await admit(c);
          return next();
        },
        idempotency(),
        respond as MiddlewareHandler<AppEnv>,
      ]
    : [
        (async (c: Context<AppEnv>) => {
          await admit(c);
          return respond(c);
        }) as MiddlewareHandler<AppEnv>,
      ];
  if (route.methods === "all") app.all(path, ...(handlers as [MiddlewareHandler<AppEnv>]));
  else app.on(route.method.toUpperCase(), path, ...(handlers as [MiddlewareHandler<AppEnv>]));
  documentRoute(app, route as Route<unknown>, { tags: opts.tags });
}

/** Mount platform routes: their handlers get the platform. */
export function mountPlatformRoutes(app: App, platform: Platform, routes: readonly Route<Platform>[], tags?: readonly string[]) {
  for (const route of routes) mountRoute(app, route, { context: () => platform, tags });
}
