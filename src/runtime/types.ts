// The extension API contract (DESIGN §2). Extensions (extensions/*) are written only against this module and
// src/runtime/index.ts: they never import Hono, bun:sqlite, BullMQ or the AWS SDK.
import type { z } from "@hono/zod-openapi";
import type { Conn } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../clock.ts";
import type { AuthUser } from "../http/types.ts";
import type { Config } from "../config.ts";

export type Role = AuthUser["role"];

/** Typed read/write helpers over one SQLite connection (the writer inside tx, a reader outside). */
export type Sql = Pick<Conn, "all" | "get" | "run">;

/** Blob storage port (documents). Adapters: fs (depot/uploads) and s3. */
export interface BlobStore {
  readonly kind: "fs" | "s3";
  put(key: string, data: Uint8Array, opts?: { contentType?: string }): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** A short-lived URL staff can download from (S3 presigned, or an HMAC-signed local URL). */
  signedUrl(key: string, opts?: { expiresInSeconds?: number; contentType?: string; filename?: string }): Promise<string>;
  /** Readiness probe. */
  ping(): Promise<boolean>;
}

export interface EnqueueOptions {
  /** Idempotency key of the job: the outbox key and the BullMQ jobId. Same key = same job, enqueued once. */
  key?: string;
  /** Run no earlier than this. */
  runAt?: Date;
}

/** A write transaction: SQL on the writer plus outbox writes that commit or roll back with it. */
export interface TxContext extends Sql {
  enqueue<P>(job: JobDefinition<P, any> | string, payload: P, opts?: EnqueueOptions): string;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
}

/** What every route handler, hook and owner-side job gets. */
export interface ExtensionContext {
  config: Config;
  /** Reads (reader connection; the writer inside a transaction). */
  db: Sql;
  /** Run fn in one write transaction (BEGIN IMMEDIATE). fn must be synchronous. */
  tx<T>(fn: (t: TxContext) => T): T;
  /** Enqueue in its own transaction (use t.enqueue inside tx to tie it to a state change). */
  enqueue<P>(job: JobDefinition<P, any> | string, payload: P, opts?: EnqueueOptions): string;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  blobs: BlobStore;
  user?: AuthUser;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Ports (sms, payment gateway, …) registered by the platform; extensions look them up by name. */
  port<T>(name: string): T;
}

/**
 * Events: extensions declare their payloads by augmenting this interface
 * (`declare module "../../src/runtime/types.ts" { interface EventPayloads { "loan.activated": {...} } }`).
 */
export interface EventPayloads {
  "application.submitted": { applicationId: string; userId: string };
  "application.status_changed": { applicationId: string; userId: string; from: string; to: string };
  "loan.status_changed": { loanId: string; userId: string; from: string | null; to: string };
}
export type EventName = keyof EventPayloads;

export interface HookDefinition<E extends EventName = EventName> {
  event: E;
  /** Runs after commit through the outbox (at-least-once: make it idempotent). */
  handler(payload: EventPayloads[E], ctx: ExtensionContext): Promise<void> | void;
}

export type Backoff = { type: "exponential" | "fixed"; delayMs: number };

export interface JobDefinition<P, R = void> {
  name: string;
  payload: z.ZodType<P>;
  attempts?: number;
  backoff?: Backoff;
  timeoutMs?: number;
  /** 'owner': runs in the serve process (may use ctx.tx). 'any': may run on a stateless worker (no database). */
  runsOn: "owner" | "any";
  /** Cron expression (UTC unless `tz` is given). */
  schedule?: string;
  tz?: string;
  /** The job body. For runsOn 'any' the ctx has no db/tx; return a result for `apply`. */
  handler(payload: P, ctx: JobContext): Promise<R> | R;
  /** For runsOn 'any' jobs that change data: applied by the owner in one transaction. Must be idempotent. */
  apply?(result: R, payload: P, t: TxContext, ctx: ExtensionContext): void;
}

/** Context of a running job. On a stateless worker, db/tx throw: the payload must carry what the job needs. */
export interface JobContext extends ExtensionContext {
  jobId: string;
  attempt: number;
  signal: AbortSignal;
}

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** Who may call a route: 'public', or the roles allowed (admin is never implied; list it). */
export type Access = "public" | "authenticated" | Role[];

export interface RouteRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  headers: Headers;
  user?: AuthUser;
  ip: string;
  userAgent: string;
  /** The raw multipart form (routes declaring `multipart: true`). */
  formData(): Promise<FormData>;
  signal: AbortSignal;
}

export type RouteResult =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { status: number; stream: ReadableStream<Uint8Array>; headers?: Record<string, string> };

export interface RouteDefinition<B = any, Q = any, P = any> {
  method: HttpMethod;
  /** OpenAPI-style path: /api/v1/loans/{id} */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  access: Access;
  /** Accept Idempotency-Key (DESIGN §3). */
  idempotent?: boolean;
  /** Per-route rate limit, e.g. { key: 'ip', limit: 5, windowSeconds: 60 }. */
  rateLimit?: { key: "ip" | "user" | ((req: RouteRequest<B, Q, P>) => string); limit: number; windowSeconds: number };
  request?: { body?: z.ZodType<B>; query?: z.ZodType<Q>; params?: z.ZodType<P>; multipart?: boolean };
  /** Status → { description, schema?, example? } for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType<any>; example?: unknown; contentType?: string }>;
  handler(req: RouteRequest<B, Q, P>, ctx: ExtensionContext): Promise<RouteResult> | RouteResult;
}

export interface ExtensionDefinition {
  name: string;
  routes?: RouteDefinition[];
  hooks?: HookDefinition<any>[];
  jobs?: JobDefinition<any, any>[];
  /** Called once at start on the owner (register ports, metrics gauges, …). */
  init?(ctx: ExtensionContext): void | Promise<void>;
}
