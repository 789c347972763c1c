// The one way an HTTP surface is declared, by the platform (declareRoute) and by extensions (defineRoute in
// src/runtime, the same shape with the extension context): method and path, who may call it, rate limits,
// Idempotency-Key, the body limit, the request's zod schemas (or a raw body, or a multipart form) and the responses
// by status. src/http/mount.ts turns a declaration into routing, validation (422 problem with the failing fields),
// the access guard, rate limits, idempotency and the body limit; src/http/openapi.ts turns it into its OpenAPI
// operation (or a 3.1 `webhooks` entry), with the 401/403/404/409/413/422/429 problems it can answer generated from
// the declaration. A handler returns one of the declared responses: its status and body are checked against the
// declared schemas by the compiler (ResultOf).
import type { z } from "@hono/zod-openapi";
import type { AuthUser, Platform } from "./types.ts";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
export type Role = AuthUser["role"];

/** Who may call a route: 'public', any signed-in user, or the roles allowed (admin is never implied; list it). */
export type Access = "public" | "authenticated" | readonly Role[];

export interface RouteRequest<B = unknown, Q = unknown, P = unknown> {
  /** The validated JSON body (routes declaring `request.body`). */
  body: B;
  /** The validated query (routes declaring `request.query`; otherwise the raw single values). */
  query: Q;
  /** The validated path parameters (routes declaring `request.params`; otherwise the raw values). */
  params: P;
  headers: Headers;
  method: string;
  /** The concrete request path (what a signature may cover). */
  path: string;
  url: URL;
  user?: AuthUser;
  ip: string;
  userAgent: string;
  requestId: string;
  /** The body exactly as received, as UTF-8 text (routes declaring `request.raw`; "" otherwise). */
  rawBody: string;
  /** The raw multipart form (routes declaring `request.multipart`). */
  formData(): Promise<FormData>;
  signal: AbortSignal;
  /** The request itself (routes outside the document that hand it on to an app of their own). */
  raw: Request;
}

/** A documented response header (Location, Retry-After, Set-Cookie, …). */
export interface HeaderSpec {
  description: string;
  example?: string;
}

export interface ResponseSpec {
  description: string;
  /** The body's schema (problem+json bodies of 4xx/5xx default to the one Problem schema). */
  schema?: z.ZodType;
  /** An example body (defaults to the schema's own example; problems get one made from the status). */
  example?: unknown;
  /** Default application/json, or application/problem+json from 400 on. text/event-stream means a stream. */
  contentType?: string;
  /** The handler answers `{status, stream}` (server-sent events unless contentType says otherwise). */
  stream?: boolean;
  /** The handler answers `{status, file}` (a download: the bytes of a Blob). */
  file?: boolean;
  headers?: Record<string, HeaderSpec>;
}

export type Responses = { readonly [status: number]: ResponseSpec };

export interface RateLimitSpec<Req = RouteRequest<any, any, any>> {
  /** The counter's name; routes naming the same counter share its budget. Default "<METHOD> <path>". */
  name?: string;
  /**
   * Whose calls are counted: the client IP, the signed-in user (their IP when anonymous), or a key made from the
   * validated request (null: not counted). Key functions run after validation, ip/user limits before the body is read.
   */
  key: "ip" | "user" | ((req: Req) => string | null);
  limit: number;
  windowSeconds: number;
}

/** A webhook delivery a raw-body route receives, documented in the OpenAPI 3.1 `webhooks` section. */
export interface WebhookDelivery {
  /** The key of the `webhooks` entry, e.g. "payment.standard". */
  name: string;
  summary: string;
  description?: string;
  /** The path parameters it is delivered with (e.g. {provider: "standard"}). */
  params?: Record<string, string>;
  /** The headers the sender signs or identifies it with. */
  headers: Record<string, HeaderSpec & { required?: boolean }>;
  /** The JSON payload. */
  payload: z.ZodType;
  example: unknown;
}

export interface RequestSpec<BS, QS, PS> {
  /** JSON body. Without a JSON Content-Type it is validated as {}; malformed JSON is a 400 problem. */
  body?: BS;
  /** An example body for the document (defaults to the schema's own example). */
  example?: unknown;
  query?: QS;
  params?: PS;
  /** Regular expressions of path parameters that are not one segment (e.g. {key: ".+"}). */
  paramPatterns?: Record<string, string>;
  /**
   * A multipart/form-data body the handler reads with req.formData() (bodies up to the document limit); the schema and
   * example document its fields (`true`: undocumented fields).
   */
  multipart?: true | { schema: z.ZodType; example?: unknown; encoding?: Record<string, { contentType: string }> };
  /** A raw body read before the handler (size-limited, must be UTF-8: 413/400 problems): req.rawBody. */
  raw?: { limitBytes: number };
}

type Awaitable<T> = T | Promise<T>;
type Hdrs = Record<string, string>;
type In<S> = S extends z.ZodType ? z.output<S> : unknown;
/** Deeply readonly (what a literal object returned from a handler is inferred as); functions, dates, blobs and streams kept. */
type Frozen<T> = T extends (...a: any[]) => any
  ? T
  : T extends Date | Blob | ReadableStream<any>
    ? T
    : T extends readonly (infer E)[]
      ? readonly Frozen<E>[]
      : T extends object
        ? { readonly [K in keyof T]: Frozen<T[K]> }
        : T;

/** The result a handler may return for one declared response. */
export type ResultFor<S extends number, D> = D extends { stream: true } | { contentType: "text/event-stream" }
  ? { status: S; stream: ReadableStream<Uint8Array>; headers?: Hdrs }
  : D extends { file: true }
    ? { status: S; file: Blob; headers?: Hdrs }
    : D extends { schema: infer Z extends z.ZodType }
      ? { status: S; body: Frozen<z.input<Z>>; headers?: Hdrs }
      : { status: S; body?: undefined; headers?: Hdrs };

/** What a handler may return: one of the declared responses, its body matching that status's schema. */
export type ResultOf<R> = { [S in Extract<keyof R, number>]: ResultFor<S, R[S]> }[Extract<keyof R, number>];

/** A handler's answer, after the types: JSON (or none), a stream, a file, or (routes outside the document) a Response. */
export type RouteResult =
  | { status: number; body?: unknown; headers?: Hdrs }
  | { status: number; stream: ReadableStream<Uint8Array>; headers?: Hdrs }
  | { status: number; file: Blob; headers?: Hdrs }
  | { response: Response };

interface RouteCommon<Req> {
  method: HttpMethod;
  /** OpenAPI-style path: /api/v1/items/{id}. Routes outside the document may end in /* (everything below). */
  path: string;
  summary: string;
  description?: string;
  tags?: readonly string[];
  /** Default: made from the method and path (stable, unique across the document). */
  operationId?: string;
  access: Access;
  /** Accept Idempotency-Key (DESIGN §3): same key + same request replays, other request 422, still running 409. */
  idempotent?: boolean;
  rateLimit?: RateLimitSpec<Req> | readonly RateLimitSpec<Req>[];
  /** "documents": bodies up to the document limit (uploads; multipart routes always); default the platform's body limit. */
  bodyLimit?: "documents";
  /** A check after access and rate limits, before the body is read (cookie sessions, blocked callers): throw a problem. */
  guard?(req: Req): void | Promise<void>;
}

/** Where a route appears in the OpenAPI document: as an operation (default), as `webhooks` entries, or not at all. */
export type DocumentAs = boolean | { webhooks: readonly WebhookDelivery[] };

/**
 * A route in the OpenAPI document (default), in its `webhooks` section (`openapi: {webhooks}`: raw-body callbacks
 * other systems send), or outside it (`openapi: false`: static files, HTML pages, third-party apps mounted under a
 * path, which may answer every method and with a Response of their own).
 */
export type RouteSpec<BS, QS, PS, R extends Responses, Ctx, Ret, Doc extends DocumentAs = true> = RouteCommon<RouteRequest<In<BS>, In<QS>, In<PS>>> & {
  request?: RequestSpec<BS, QS, PS>;
  responses: R;
  openapi?: Doc;
  /** Routes outside the document may answer every method. */
  methods?: "all";
  handler(req: RouteRequest<In<BS>, In<QS>, In<PS>>, ctx: Ctx): Awaitable<Ret>;
};

/** A declaration with its types erased, as the mount and the document read it. */
export type Route<Ctx> = RouteCommon<RouteRequest<any, any, any>> & {
  request?: RequestSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
  responses: Responses;
  openapi?: DocumentAs;
  methods?: "all";
  handler(req: RouteRequest<any, any, any>, ctx: Ctx): Awaitable<RouteResult>;
};

type Schema = z.ZodType | undefined;

/**
 * The typed declaration function of a context: infers the request types from the request schemas, and checks that
 * every result the handler returns is a declared status with a body of that status's schema (a Response only from
 * routes outside the document).
 */
export type RouteDeclarer<Ctx> = <
  const R extends Responses,
  const Ret extends ResultOf<R> | (Doc extends false ? { response: Response } : never),
  BS extends Schema = undefined,
  QS extends Schema = undefined,
  PS extends Schema = undefined,
  const Doc extends DocumentAs = true,
>(
  spec: RouteSpec<BS, QS, PS, R, Ctx, Ret, Doc>,
) => Route<Ctx>;

/** Declare a platform route (its handler gets the platform). */
export const declareRoute: RouteDeclarer<Platform> = (spec) => spec as unknown as Route<Platform>;
