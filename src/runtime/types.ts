// The extension API contract (DESIGN §2). Extensions (extensions/*) are written only against this module and
// src/runtime/index.ts: they never import Hono, bun:sqlite, BullMQ or the AWS SDK.
import type { z } from "@hono/zod-openapi";
import type { Conn } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../clock.ts";
import type { AuthUser } from "../http/types.ts";
import type { Responses, Route, RouteResult, WebhookDelivery } from "../http/route.ts";
import type { Config } from "../config.ts";
import type { RecordDecl } from "../records/engine.ts";
import type { PiiPolicy } from "../records/mask.ts";

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

/**
 * A job as handlers name it: its definition (jobs/*.ts), which types the payload. Jobs are enqueued by handle, never
 * by name, so a payload that does not fit the job is a type error.
 */
export type JobHandle<P> = JobDefinition<P, unknown>;

/** A write transaction: SQL on the writer plus outbox writes that commit or roll back with it. */
export interface TxContext extends Sql {
  /** Write the job's outbox row in this transaction (throws for a job no installed extension or jobs/index.ts lists). */
  enqueue<P>(job: JobHandle<P>, payload: NoInfer<P>, opts?: EnqueueOptions): string;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
}

/** What every route handler, hook and owner-side job gets. */
export interface ExtensionContext {
  config: Config;
  /** Reads (reader connection; the writer inside a transaction). */
  db: Sql;
  /**
   * Run fn's reads on one reader inside one read transaction: every statement sees the same committed state (a loan
   * and its instalments from one moment, whatever commits in between), and the WAL read lock is taken once instead
   * of once per statement. fn must be synchronous and only read. Inside a write transaction it reads on the writer.
   */
  read<T>(fn: (db: Sql) => T): T;
  /** Run fn in one write transaction (BEGIN IMMEDIATE). fn must be synchronous. */
  tx<T>(fn: (t: TxContext) => T): T;
  /**
   * Run fn in a write transaction shared with the other writes of the same moment (group commit: the writes of one
   * event-loop turn, from any route, webhook or job, share one BEGIN IMMEDIATE … COMMIT, each in its own savepoint).
   * Resolves with fn's result after the shared COMMIT, so answer only then; rejects with what fn threw (an HttpProblem
   * stays that problem) and nothing of fn is kept. Outbox rows (t.enqueue/t.emit) commit with it and the job runner is
   * woken after the COMMIT. fn is synchronous and, like any tx callback, may run again when the shared transaction
   * fails as a whole (src/db/group-commit.ts): its only effects belong in the database. Prefer it to tx in request
   * handlers that write; keep tx where the caller must hold the result synchronously.
   */
  commit<T>(fn: (t: TxContext) => T): Promise<T>;
  /** Enqueue in its own transaction (use t.enqueue inside tx to tie it to a state change). */
  enqueue<P>(job: JobHandle<P>, payload: NoInfer<P>, opts?: EnqueueOptions): string;
  /**
   * Whether the job is installed here (listed by an installed extension or by jobs/index.ts): a handler that enqueues
   * another extension's job decides explicitly what to do when that extension is not installed.
   */
  hasJob(job: Pick<JobHandle<unknown>, "name">): boolean;
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  blobs: BlobStore;
  user?: AuthUser;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /**
   * Ports by name: registered by the platform (sms, blobs) or provided by an extension (`ports` in defineExtension,
   * built on first lookup).
   */
  port<T>(name: string): T;
  /** An extension's typed settings (config.json `extensions.<name>` and its environment variables), validated at start. */
  settings<T>(def: SettingsDefinition<T>): T;
  /** Send a request through this server's own HTTP app, in process (sandboxes that call the server back). */
  loopback(request: Request): Promise<Response>;
}

/**
 * Event payloads by event name. The platform names no event: each extension lists the events it emits with their
 * zod schemas (`events` in defineExtension) and adds their types here from its own module:
 * `declare module "../../src/runtime/types.ts" { interface EventPayloads extends EventPayloadsOf<typeof EVENTS> {} }`.
 * Emitting an event no installed extension declares, or with a payload its schema refuses, throws.
 */
export interface EventPayloads {}
export type EventName = keyof EventPayloads;
/** The payload types of an `events` declaration. */
export type EventPayloadsOf<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.infer<T[K]> };

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

/**
 * Extension routes are the platform's route declarations (src/http/route.ts) with the extension context: method,
 * path, access, rate limits, Idempotency-Key, request schemas and responses by status, from which the platform
 * makes routing, validation, guards, limits and the OpenAPI operation.
 */
export type { Access, HttpMethod, RateLimitSpec, ResponseSpec, Responses, ResultOf, RouteRequest, RouteResult, WebhookDelivery } from "../http/route.ts";

/** An extension's route, its types erased (what `routes` holds; declare one with defineRoute). */
export type RouteDefinition = Route<ExtensionContext>;

/** What a webhook handler gets: the raw body (verification needs the exact bytes), never a parsed one. */
export interface WebhookRequest<P = Record<string, string>> {
  method: string;
  /** The concrete request path (what a signature may cover). */
  path: string;
  params: P;
  headers: Headers;
  /** The body exactly as received, decoded as UTF-8 (not UTF-8: the platform answers 400). */
  rawBody: string;
  ip: string;
  requestId: string;
  /**
   * Count this delivery against the caller's limit of unverified deliveries (platform setting webhookRejectLimit per
   * client IP and minute). Over the limit it throws a 429 problem, and the caller's next deliveries answer 429
   * before their body is read. `logFields` go into the log line of the block.
   */
  rejected(logFields?: Record<string, unknown>): Promise<void>;
  /**
   * Run `fn` in a write transaction shared with the other deliveries of the same moment (group commit: one
   * BEGIN/COMMIT for all, each in its own savepoint, so one that throws is rolled back alone and rejects with its own
   * error). Resolves after the shared COMMIT, so answer only then. `fn` is synchronous and, like any tx callback, may
   * run again when the shared transaction fails as a whole (src/db/group-commit.ts).
   */
  commit<T>(fn: (t: TxContext) => T): Promise<T>;
}

/**
 * A raw-body POST endpoint for signed callbacks (payment-gateway webhooks), documented in the OpenAPI 3.1
 * `webhooks` section: one entry per delivery it accepts (per provider), with its signature headers and payload.
 * The platform reads the size-limited body and enforces the reject limit; the handler verifies and handles it, and
 * answers a result or throws an HttpProblem.
 */
export interface WebhookDefinition {
  /** OpenAPI-style path: /webhooks/payments/{provider} */
  path: string;
  summary: string;
  description?: string;
  tags?: readonly string[];
  /** Largest body accepted (413 beyond it). Default 64 KiB. */
  bodyLimitBytes?: number;
  /** The deliveries it accepts, for the document's `webhooks` section. */
  deliveries: readonly WebhookDelivery[];
  /** Its answers by status (400/413/429 are added by the platform). */
  responses: Responses;
  handler(req: WebhookRequest, ctx: ExtensionContext): Promise<RouteResult> | RouteResult;
}

/** A record API over one of the extension's tables or views (GET /api/v1/records/{name}). */
export type RecordDeclaration = RecordDecl;

/** What an operator check proves, and where it failed. */
export interface CheckResult {
  ok: boolean;
  /** One line naming what was proven (printed as "<name> ok: <summary> (<ms> ms)"). */
  summary: string;
  /** What does not hold, first one first (each may carry more fields: kind, ids…, printed by --json). */
  discrepancies: ReadonlyArray<{ detail: string }>;
  /** Figures of the check, in order, for `--json` (counts, totals). */
  figures?: Record<string, unknown>;
}

/**
 * An operator check over the database: `kreditku <name> check` runs it (exit 1 on a discrepancy), and every
 * backup is proven by every registered check before restore swaps it in. It must tolerate a database at an older
 * schema (a backup) and read only.
 */
export interface CheckDefinition {
  name: string;
  /** What it proves, one line for the CLI help. */
  description: string;
  run(db: Sql, opts: { limit?: number }): CheckResult;
}

/** The period the dashboard overview covers: `days` calendar days (UTC) ending today, from `since`. */
export interface OverviewWindow {
  now: Date;
  days: number;
  since: string;
}

/** One part of GET /api/v1/admin/overview: `{ [name]: compute(...) }`, null when it throws (its tables missing). */
export interface OverviewPart {
  name: string;
  compute(db: Sql, window: OverviewWindow): unknown;
}

/**
 * Typed extension settings: read from config.json `extensions.<extension name>` and from the environment variables
 * listed in `env` (variable → key; they override config.json), validated with `schema` when the runtime is made
 * (an invalid value stops start-up, naming the setting). Handlers read them with `ctx.settings(def)`.
 */
export interface SettingsDefinition<T> {
  schema: z.ZodType<T>;
  env?: Record<string, string>;
}

/** A job as the runtime holds it, its payload and result types erased (each was checked where it was defined). */
export type InstalledJob = JobDefinition<unknown, unknown>;

/** What the composition root (src/main.ts) installs and hands to the CLI, the runtime and the app. */
export interface Installed {
  extensions: ExtensionDefinition[];
  /** Jobs that belong to no extension (jobs/index.ts). */
  jobs: InstalledJob[];
}

export interface ExtensionDefinition {
  name: string;
  routes?: RouteDefinition[];
  /** Raw-body POST endpoints (signed callbacks), in the OpenAPI document's `webhooks` section. */
  webhooks?: WebhookDefinition[];
  /** Record APIs over the extension's tables. */
  records?: RecordDeclaration[];
  /** The personal-data rules of the fields the extension holds; record columns marked `pii` must name one of them. */
  personalData?: PiiPolicy<string>;
  /** The events the extension emits, with their payload schemas. */
  events?: Record<string, z.ZodType>;
  /** Each hook is typed by its event (defineHook); the list holds hooks of different events, hence `any`. */
  hooks?: HookDefinition<any>[];
  jobs?: InstalledJob[];
  /** Operator checks (`kreditku <name> check`, backup verification). */
  checks?: CheckDefinition[];
  /** Parts of the admin dashboard's overview. */
  overview?: OverviewPart[];
  /** Actions that may need a second staff member's approval (four-eyes; src/approvals). */
  approvals?: ApprovableAction<any, any>[];
  settings?: SettingsDefinition<unknown>;
  /** Services the extension offers by port name (to itself and other extensions), built on first lookup. */
  ports?: Record<string, (ctx: ExtensionContext) => unknown>;
  /**
   * Problems that must stop the server from starting (weak secrets, …), checked before any init: each string is one
   * problem, named without revealing a secret.
   */
  preflight?(ctx: ExtensionContext): string[];
  /** Called once at start on the owner (metrics gauges, …). */
  init?(ctx: ExtensionContext): void | Promise<void>;
}

/** Who runs an approvable action, and on whose approval. */
export interface ApprovalRun {
  /** The staff member who asked for it (the maker). */
  actor: AuthUser;
  /** The staff member who approved it (the checker), when it runs on an approval. */
  approvedBy: AuthUser | null;
  approvalId: string | null;
  ip: string | null;
  userAgent: string | null;
  now: Date;
}

/**
 * An action that may need four-eyes approval (maker-checker): an extension lists it in `approvals` and its route
 * calls `proposeOrRun`. The action runs once as a dry run (rolled back) to check it can be done and to learn its
 * amount; when the policy (admin-set, else `defaultPolicy`) requires approval at that amount, a proposal is stored
 * instead and `execute` runs when another staff member with one of `roles` approves it, in the approval's
 * transaction. `execute` writes its own audit entries (it runs the same way with or without approval).
 */
export interface ApprovableAction<I = unknown, R = unknown> {
  /** Stable name: `<entity>.<verb>` (loan.write_off). */
  action: string;
  /** What staff read, in English and Bahasa Indonesia. */
  label: string;
  labelId: string;
  /** Who may propose and approve it. */
  roles: Role[];
  /** The stored input, checked again when approved. */
  input: z.ZodType<I>;
  entity(input: I): { type: string; id: string };
  /** The amount the policy's threshold applies to (null: the action has no amount). */
  amount?(input: I, result: R): number | null;
  /** True when the dry run changed nothing (an idempotent repeat): answered at once, nothing to approve. */
  settled?(result: R): boolean;
  defaultPolicy: { required: boolean; thresholdAmount: number | null; expiresInHours?: number };
  execute(t: TxContext, input: I, run: ApprovalRun, ctx: ExtensionContext): R;
}
