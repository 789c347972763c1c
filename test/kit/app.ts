// A fresh KreditKu in-process: the real platform (src/platform.ts) on a freshly migrated temporary depot, the real
// extension runtime and the real HTTP app (every module of the binary, src/modules.ts), on a manual clock.
// Requests go through app.request with real access tokens (a session row + the depot's signing key), so guards,
// validation, rate limits and Idempotency-Key work exactly as in `kreditku serve`. The depot is removed by close()
// (or `await using t = testApp()`), and at process exit for any app a test forgot to close.
//
//   const t = testApp();                        // fresh depot, every extension, job runner idle
//   const b = t.borrower();                     // a signed-in borrower (its token is minted per request)
//   const r = await t.call("GET", "/api/v1/loans", { as: b });
//   t.events("application.submitted")           // events emitted, from the outbox
//   await t.start();                            // run extension inits and the embedded job runner
//   await t.close();
import { afterEach, beforeEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App, type AppModule } from "../../src/http/app.ts";
import { MODULES } from "../../src/modules.ts";
import { createPlatform } from "../../src/platform.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";
import { createLogger, type Logger } from "../../src/observability/logger.ts";
import { Metrics } from "../../src/observability/metrics.ts";
import type { AuthUser, Platform } from "../../src/http/types.ts";
import { MemoryRateLimitStore, setRateLimitStore } from "../../src/http/rate-limit.ts";
import { getRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime/runtime.ts";
import { Registry } from "../../src/runtime/registry.ts";
import { defineExtension, type EventName, type ExtensionContext, type ExtensionDefinition, type JobDefinition, type TxContext } from "../../src/runtime/index.ts";
import { EXTENSIONS } from "../../extensions/index.ts";
import { JOBS } from "../../jobs/index.ts";
import { startSession } from "../../src/auth/sessions.ts";
import { authServices } from "../../src/auth/services.ts";
import { signAccessToken } from "../../src/auth/tokens.ts";
import { createStaffUser } from "../../src/auth/staff.ts";
import { authModule } from "../../src/auth/module.ts";
import { memoryBlobs, type MemoryBlobs } from "./blobs.ts";
import { freshIp } from "./ip.ts";
import { lastOtp, readSmsLog, type SentSms } from "./otp.ts";
import { readBody } from "./journey.ts";

/** The kit's clock starts here unless told otherwise: Monday 2 March 2026, 10:00 Asia/Jakarta. */
export const KIT_START = "2026-03-02T03:00:00Z";
/** User-Agent of every request the kit sends (the audit log records it). */
export const KIT_USER_AGENT = "kreditku-kit/1.0";

export type Role = AuthUser["role"];
export type StaffRole = Exclude<Role, "borrower">;
type Level = "debug" | "info" | "warn" | "error" | "silent";

export interface PlatformOptions {
  /** Start of the manual clock (default KIT_START). */
  now?: string | Date;
  /** "manual" (default): a ManualClock tests move; "system": wall-clock time (job runners, benchmarks). */
  clock?: "manual" | "system";
  /** Config overrides on top of the defaults (trustProxy is on: requests carry their client IP in X-Forwarded-For). */
  config?: Record<string, unknown>;
  /** Environment the config is read from (default: none, so the runner's KREDITKU_* variables do not leak in). */
  env?: Record<string, string>;
  /** Log level (default "info"); lines are kept in memory (logLines/logs) and printed only with printLogs. */
  logLevel?: Level;
  printLogs?: boolean;
  /** Process metrics on /metrics too (default off). */
  defaultMetrics?: boolean;
  /** "fs" (default): the real store under depot/uploads (or S3 when configured); "memory": memoryBlobs(). */
  blobs?: "fs" | "memory";
  /** Prefix of the temporary depot folder. */
  prefix?: string;
}

export interface TestPlatform extends Platform {
  depot: string;
  /** Log lines, as JSON text. */
  logLines: string[];
  /** Remove the depot (after closing the database). */
  close(): void;
}

const open = new Set<string>();
process.on("exit", () => {
  for (const d of open) rmSync(d, { recursive: true, force: true });
});

/** The real platform (database, logger, metrics, clock, blob store) on a fresh, migrated temporary depot. */
export function testPlatform(opts: PlatformOptions = {}): TestPlatform {
  const depot = mkdtempSync(join(tmpdir(), opts.prefix ?? "kreditku-kit-"));
  open.add(depot);
  const logLines: string[] = [];
  const level = opts.logLevel ?? "info";
  const log: Logger = createLogger(level, {}, (line) => {
    logLines.push(line);
    if (opts.printLogs) console.log(line);
  });
  const clock = opts.clock === "system" ? systemClock : new ManualClock(opts.now ?? KIT_START);
  let p: Platform;
  try {
    p = createPlatform({ depot, env: opts.env ?? {}, overrides: { trustProxy: true, logLevel: level, ...opts.config }, log, clock });
  } catch (e) {
    // a refused configuration (tests expect that throw) must not leave its depot behind
    open.delete(depot);
    rmSync(depot, { recursive: true, force: true });
    throw e;
  }
  p.metrics = new Metrics({ defaultMetrics: opts.defaultMetrics ?? false });
  if (opts.blobs === "memory") p.ports.set("blobs", memoryBlobs());
  let closed = false;
  return Object.assign(p, {
    depot,
    logLines,
    close() {
      if (closed) return;
      closed = true;
      try {
        p.db.close();
      } catch {
        /* already closed */
      }
      rmSync(depot, { recursive: true, force: true });
      open.delete(depot);
    },
  });
}

// Events leave a trace in the outbox only through their hooks, so the kit subscribes to every event with a hook
// that does nothing: t.events() lists what was emitted, with its payload, in order.
export const EVENT_RECORDER = "kit-events";
const KNOWN_EVENTS = ["application.submitted", "application.status_changed", "loan.status_changed"];
function eventRecorder(extensions: ExtensionDefinition[], jobs: JobDefinition<any, any>[]): ExtensionDefinition {
  // the events the extensions declare, where the registry knows them
  const declared = (new Registry(extensions, jobs) as unknown as { events?: Map<string, unknown> }).events;
  const names = declared ? [...declared.keys()] : KNOWN_EVENTS;
  return defineExtension({ name: EVENT_RECORDER, hooks: names.map((event) => ({ event: event as EventName, handler() {} })) });
}

export interface TestAppOptions extends PlatformOptions {
  /** The app's modules (default: every module of the binary). */
  modules?: AppModule[];
  /** Modules mounted after those (test-only routes). */
  extraModules?: AppModule[];
  /** Extensions of the runtime (default: every extension of the binary, extensions/index.ts). */
  extensions?: ExtensionDefinition[];
  /** Jobs beyond the extensions' (default: jobs/index.ts). */
  jobs?: JobDefinition<any, any>[];
  /** Record emitted events for events() (default true). */
  recordEvents?: boolean;
  /** Runtime options (embedded runner poll, concurrency) used by start(). */
  runtime?: Omit<RuntimeOptions, "extensions" | "jobs">;
  /**
   * false: no extension runtime is made for the platform, so a test can make its own with getRuntime(platform, …)
   * and mount its routes (tests of the runtime itself). Default true.
   */
  extensionRuntime?: boolean;
}

export interface TestUser {
  id: string;
  role: Role;
  phone: string | null;
  email: string | null;
  sessionId: string;
}

export interface CallOptions {
  /** Sign the request as this user (a token minted at the clock's current time). */
  as?: TestUser | null;
  /** A raw Authorization Bearer token instead. */
  token?: string;
  /** JSON body (or a FormData, sent as multipart). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Client IP (default: the app's own address). */
  ip?: string;
  signal?: AbortSignal;
}

export interface Res {
  status: number;
  /** JSON when the response is JSON, else its text (null when empty). */
  body: any;
  headers: Headers;
}

export interface OutboxRow {
  id: number;
  key: string;
  kind: "job" | "hook";
  name: string;
  queue: string;
  state: string;
  payload: any;
}

export interface TestApp {
  platform: TestPlatform;
  app: App;
  runtime: Runtime;
  db: Platform["db"];
  config: Platform["config"];
  clock: ManualClock;
  depot: string;
  /** The blob store port (a MemoryBlobs with blobs: "memory"). */
  blobs: MemoryBlobs;
  logLines: string[];
  /** Log lines parsed: {msg, fields}. */
  logs(): { msg: string; fields: Record<string, any> }[];
  /** This app's client IP (every request without `ip`). */
  ip: string;

  /** The app's fetch: app.request(path, init). */
  request(path: string, init?: RequestInit): Promise<Response>;
  call(method: string, path: string, opts?: CallOptions): Promise<Res>;
  get(path: string, opts?: Omit<CallOptions, "body">): Promise<Response>;
  post(path: string, body?: unknown, opts?: Omit<CallOptions, "body">): Promise<Response>;

  /** A signed-in user of a role (a users row and a live session); `borrower()`/`staff(role)` are shorthands. */
  user(role: Role, o?: { phone?: string; email?: string }): TestUser;
  borrower(o?: { phone?: string }): TestUser;
  staff(role: StaffRole, o?: { email?: string }): TestUser;
  /** A signed-in session for a user already in the database (one a fixture inserted). */
  sessionFor(userId: string): TestUser;
  /** A valid access token for the user, signed at the clock's current time by the depot's key. */
  token(user: TestUser): Promise<string>;
  /** Staff with a password (Argon2id), for tests of password sign-in; login() signs in like the dashboard. */
  createStaff(role: StaffRole, o?: { email?: string; password?: string; name?: string }): Promise<{ id: string; email: string; password: string }>;
  login(email: string, password?: string, ip?: string): Promise<any>;
  /** OTP sign-in through the routes (code from the SMS log); returns the token pair. */
  signInBorrower(phone: string, ip?: string): Promise<any>;
  lastCode(phone: string): string;
  sms(): SentSms[];

  /** An ExtensionContext as handlers get it (real tx/enqueue/emit on the outbox). */
  context(user?: AuthUser): ExtensionContext;
  /** The context without a user: what jobs, hooks and sweeps get. */
  ctx: ExtensionContext;
  tx<T>(fn: (t: TxContext) => T): T;
  /** Outbox rows, oldest first (optionally one job/hook name, or only rows after an id). */
  outbox(o?: { name?: string; kind?: "job" | "hook"; after?: number }): OutboxRow[];
  /** The last outbox id (0 when empty): outbox({after}) lists what came since. */
  outboxMark(): number;
  /** Events emitted (recorded in the outbox), oldest first, optionally one name or only after an outbox id. */
  events(name?: string, after?: number): { name: string; payload: any }[];
  /** Jobs enqueued, oldest first. */
  jobs(name?: string, after?: number): { name: string; key: string; payload: any }[];

  /** Run the extensions' init and start the job backend (embedded runner, or BullMQ with redisUrl). */
  start(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A fresh app on a fresh depot; see the top of this file. */
export function testApp(opts: TestAppOptions = {}): TestApp {
  const platform = testPlatform(opts);
  setRateLimitStore(new MemoryRateLimitStore());
  const extensions = opts.extensions ?? EXTENSIONS;
  const jobs = opts.jobs ?? JOBS;
  let runtime: ReturnType<typeof getRuntime> | null;
  try {
    runtime =
      opts.extensionRuntime === false
        ? null
        : getRuntime(platform, {
            extensions: [...extensions, ...(opts.recordEvents !== false ? [eventRecorder(extensions, jobs)] : [])],
            jobs,
            embedded: { pollMs: 50 },
            ...opts.runtime,
          });
  } catch (e) {
    // refused extension settings (tests expect that throw) must not leave the depot behind
    platform.close();
    throw e;
  }
  const rt = () => {
    if (!runtime) throw new Error("this app has no extension runtime (extensionRuntime: false)");
    return runtime;
  };
  const app = createApp(platform, [...(opts.modules ?? MODULES), ...(opts.extraModules ?? [])]);
  const clock = platform.clock as ManualClock;
  const ip = freshIp();
  let n = 0;
  let started = false;
  let closed: Promise<void> | null = null;
  let ctx: ExtensionContext | undefined;

  const headersOf = async (o: CallOptions = {}) => {
    const h: Record<string, string> = { "User-Agent": KIT_USER_AGENT, "X-Forwarded-For": o.ip ?? ip };
    if (!(o.body instanceof FormData)) h["Content-Type"] = "application/json";
    const token = o.token ?? (o.as ? await t.token(o.as) : undefined);
    if (token) h.Authorization = `Bearer ${token}`;
    return { ...h, ...o.headers };
  };
  const send = async (method: string, path: string, o: CallOptions = {}) =>
    app.request(path, {
      method,
      headers: await headersOf(o),
      body: o.body === undefined ? undefined : o.body instanceof FormData ? o.body : JSON.stringify(o.body),
      signal: o.signal,
    });

  const outboxRows = (o: { name?: string; kind?: "job" | "hook"; after?: number } = {}): OutboxRow[] => {
    const where = ["id > ?"];
    const args: any[] = [o.after ?? 0];
    if (o.name) (where.push("name = ?"), args.push(o.name));
    if (o.kind) (where.push("kind = ?"), args.push(o.kind));
    return platform.db.read
      .all<any>(`SELECT id, key, kind, name, queue, state, payload FROM outbox WHERE ${where.join(" AND ")} ORDER BY id`, ...args)
      .map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  };

  const t: TestApp = {
    platform,
    app,
    get runtime() {
      return rt();
    },
    db: platform.db,
    config: platform.config,
    clock,
    depot: platform.depot,
    get blobs() {
      return platform.ports.get("blobs") as MemoryBlobs;
    },
    logLines: platform.logLines,
    logs: () => platform.logLines.map((l) => JSON.parse(l)).map((o) => ({ msg: o.msg, fields: o })),
    ip,

    request: async (path, init) => app.request(path, init),
    async call(method, path, o) {
      const r = await send(method.toUpperCase(), path, o);
      return { status: r.status, body: await readBody(r), headers: r.headers };
    },
    get: (path, o) => send("GET", path, o),
    post: (path, body, o) => send("POST", path, { ...o, body }),

    user(role, o = {}) {
      const id = Bun.randomUUIDv7();
      const now = clock.now().toISOString();
      const k = ++n;
      const phone = role === "borrower" ? (o.phone ?? `+62812${String(1_000_000 + k).padStart(8, "0")}`) : null;
      const email = role === "borrower" ? null : (o.email ?? `${role}${k}@kreditku.test`);
      const sessionId = platform.db.tx((w) => {
        w.run("INSERT INTO users (id, role, phone, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", id, role, phone, email, now, now);
        return startSession(w, platform, id, role === "borrower" ? "otp" : "password", { ip, userAgent: KIT_USER_AGENT }).sessionId;
      });
      return { id, role, phone, email, sessionId };
    },
    sessionFor(userId) {
      const u = platform.db.read.get<{ role: Role; phone: string | null; email: string | null }>("SELECT role, phone, email FROM users WHERE id = ?", userId);
      if (!u) throw new Error(`no user ${userId}`);
      const sessionId = platform.db.tx((w) => startSession(w, platform, userId, u.role === "borrower" ? "otp" : "password", { ip, userAgent: KIT_USER_AGENT }).sessionId);
      return { id: userId, ...u, sessionId };
    },
    borrower: (o) => t.user("borrower", o),
    staff: (role, o) => t.user(role, o),
    token: (u) => {
      const svc = authServices(platform);
      return signAccessToken(svc.keys, svc.tokens, { id: u.id, role: u.role, sessionId: u.sessionId }, clock.now());
    },
    async createStaff(role, o = {}) {
      const email = o.email ?? `${role}${++n}@kreditku.test`;
      const password = o.password ?? "correct horse battery";
      const u = await createStaffUser(platform.db, { email, password, role, name: o.name });
      return { id: u.id, email, password };
    },
    async login(email, password = "correct horse battery", loginIp = freshIp()) {
      const r = await t.post("/api/v1/auth/login", { email, password }, { ip: loginIp });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async signInBorrower(phone, signInIp) {
      const r = await t.post("/api/v1/auth/otp/request", { phone }, { ip: signInIp });
      if (r.status !== 202) throw new Error(`otp request ${r.status}: ${await r.text()}`);
      const { challengeId } = (await r.json()) as any;
      const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code: t.lastCode(phone) }, { ip: signInIp });
      if (v.status !== 200) throw new Error(`otp verify ${v.status}: ${await v.text()}`);
      return v.json();
    },
    lastCode: (phone) => lastOtp(platform.depot, phone),
    sms: () => readSmsLog(platform.depot),

    context: (user) => rt().context({ user }),
    get ctx() {
      return (ctx ??= rt().context());
    },
    tx: (fn) => rt().context().tx(fn),
    outbox: outboxRows,
    outboxMark: () => platform.db.read.get<{ id: number | null }>("SELECT MAX(id) AS id FROM outbox")?.id ?? 0,
    events: (name, after) =>
      outboxRows({ kind: "hook", after })
        .filter((r) => r.name.startsWith(`${EVENT_RECORDER}:`))
        .map((r) => ({ name: r.name.split(":")[1], payload: r.payload }))
        .filter((e) => !name || e.name === name),
    jobs: (name, after) => outboxRows({ kind: "job", name, after }).map((r) => ({ name: r.name, key: r.key, payload: r.payload })),

    async start() {
      if (started) return;
      started = true;
      await rt().start();
    },
    close() {
      return (closed ??= (async () => {
        if (started) await rt().stop(2000);
        for (const hook of [...platform.onShutdown].reverse()) {
          try {
            await hook();
          } catch {
            /* closing anyway */
          }
        }
        platform.close();
      })());
    },
    [Symbol.asyncDispose]: () => t.close(),
  };
  return t;
}

export type TestAuth = TestApp & { p: TestPlatform };

/**
 * A bare app: the platform with the auth module (sign-in, tokens, guards) and the given modules, without the
 * extension runtime, for tests of platform features that mount their own routes (the runtime, guards, the jobs
 * API). `p` is the platform.
 */
export function testAuth(extraModules: AppModule[] = [], overrides: Record<string, unknown> = {}): TestAuth {
  const t = testApp({ modules: [authModule], extraModules, config: overrides, extensionRuntime: false });
  return Object.assign(t, { p: t.platform });
}

/**
 * A new app for every test of the enclosing file or describe block (beforeEach/afterEach): each test starts from a
 * freshly migrated depot and nothing it leaves behind reaches the next. The returned object stands for the
 * current test's app.
 */
export function appPerTest(opts: TestAppOptions | (() => TestAppOptions) = {}): TestApp {
  let current: TestApp | null = null;
  beforeEach(() => {
    current = testApp(typeof opts === "function" ? opts() : opts);
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return new Proxy({} as TestApp, {
    get(_, key) {
      if (!current) throw new Error("the per-test app exists only while a test runs");
      return (current as any)[key];
    },
  });
}
export { freshIp } from "./ip.ts";
