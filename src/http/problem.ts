// RFC 9457 problem details. Every error leaving the API is `application/problem+json` with a stable `type`.
import type { Context } from "hono";

export const PROBLEM_BASE = "https://kreditku.dev/problems/";

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [ext: string]: unknown;
}

/** Throw from anywhere in a request to answer with a problem. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const problems = {
  badRequest: (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, "bad-request", "Bad request", detail, extra),
  unauthorized: (detail = "Authentication required") =>
    new HttpProblem(401, "unauthorized", "Unauthorized", detail, {}, { "WWW-Authenticate": 'Bearer realm="kreditku"' }),
  forbidden: (detail = "You may not do this") => new HttpProblem(403, "forbidden", "Forbidden", detail),
  notFound: (what = "Resource") => new HttpProblem(404, "not-found", "Not found", `${what} not found`),
  conflict: (detail: string, extra?: Record<string, unknown>) => new HttpProblem(409, "conflict", "Conflict", detail, extra),
  validation: (errors: FieldError[], detail = "The request is not valid") =>
    new HttpProblem(422, "validation-error", "Validation failed", detail, { errors }),
  unprocessable: (slug: string, title: string, detail: string, extra?: Record<string, unknown>) =>
    new HttpProblem(422, slug, title, detail, extra),
  tooMany: (retryAfterSeconds: number, detail = "Too many requests") =>
    new HttpProblem(429, "rate-limited", "Too many requests", detail, { retryAfter: retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) }),
};

/** RFC 9457's own members: an extension member of the same name would change what the problem says. */
const STANDARD_MEMBERS = new Set(["type", "title", "status", "detail", "instance"]);

export function problemBody(status: number, slug: string, title: string, detail?: string, extra: Record<string, unknown> = {}, instance?: string): ProblemBody {
  const body: ProblemBody = { type: PROBLEM_BASE + slug, title, status };
  if (detail) body.detail = detail;
  if (instance) body.instance = instance;
  for (const key of Object.keys(extra)) if (!STANDARD_MEMBERS.has(key)) body[key] = extra[key];
  return body;
}

export function problemResponse(c: Context | null, p: HttpProblem, instance?: string): Response {
  const headers = new Headers({ "Content-Type": "application/problem+json", ...p.headers });
  const rid = c?.get?.("requestId" as never) as string | undefined;
  const body = problemBody(p.status, p.slug, p.title, p.detail, { ...p.extra, ...(rid ? { requestId: rid } : {}) }, instance);
  return new Response(JSON.stringify(body), { status: p.status, headers });
}

/** zod issues → field errors (`path` is dotted, e.g. `emergencyContact.phone`). */
export function zodFieldErrors(issues: { path: PropertyKey[]; message: string; code?: string }[]): FieldError[] {
  return issues.map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message, code: i.code }));
}
