// Test helper: an ExtensionContext over a real in-memory database (all migrations applied), an in-memory blob
// store, a manual clock, and tx/enqueue/emit that record into arrays. `call` runs a route the way the runtime does:
// validates body/query/params with the route's zod schemas and turns thrown problems into problem responses.
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Metrics } from "../../src/observability/metrics.ts";
import { ManualClock } from "../../src/clock.ts";
import { HttpProblem, PROBLEM_BASE, zodFieldErrors } from "../../src/http/problem.ts";
import type { AuthUser } from "../../src/http/types.ts";
import type { BlobStore, ExtensionContext, RouteDefinition, TxContext } from "../../src/runtime/index.ts";

export interface Recorded {
  kind: "job" | "event";
  name: string;
  payload: any;
  key?: string;
}

export function memoryBlobs(): BlobStore & { data: Map<string, Uint8Array> } {
  const data = new Map<string, Uint8Array>();
  return {
    kind: "fs",
    data,
    async put(key, bytes) {
      data.set(key, bytes);
    },
    async get(key) {
      return data.get(key) ?? null;
    },
    async delete(key) {
      data.delete(key);
    },
    async exists(key) {
      return data.has(key);
    },
    async signedUrl(key, opts) {
      return `http://blobs.test/${key}?expires=${opts?.expiresInSeconds ?? 300}&sig=test`;
    },
    async ping() {
      return true;
    },
  };
}

export interface CallInput {
  user?: AuthUser;
  body?: unknown;
  query?: Record<string, string>;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  form?: FormData;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  body: any;
  headers: Record<string, string>;
  stream?: ReadableStream<Uint8Array>;
}

export function makeTestContext(opts: { now?: string; jobs?: string[] } = {}) {
  const db = new Db(":memory:");
  migrate(db);
  const clock = new ManualClock(opts.now ?? "2026-03-02T03:00:00Z");
  const recorded: Recorded[] = [];
  const knownJobs = new Set(opts.jobs ?? ["disburse"]);
  const blobs = memoryBlobs();
  const config = loadConfig({ depot: "/tmp/kreditku-loans-test", env: {} });
  const log = createLogger("silent", {});
  const metrics = new Metrics({ defaultMetrics: false });

  const txOf = (c: any, pending: Recorded[]): TxContext => ({
    all: (sql: string, ...p: any[]) => c.all(sql, ...p),
    get: (sql: string, ...p: any[]) => c.get(sql, ...p),
    run: (sql: string, ...p: any[]) => c.run(sql, ...p),
    enqueue(job: any, payload: any, o?: { key?: string }) {
      const name = typeof job === "string" ? job : job.name;
      if (!knownJobs.has(name)) throw new Error(`unknown job "${name}"`);
      const key = o?.key ?? crypto.randomUUID();
      if (![...recorded, ...pending].some((r) => r.kind === "job" && r.key === key)) pending.push({ kind: "job", name, payload, key });
      return key;
    },
    emit(event: string, payload: any) {
      pending.push({ kind: "event", name: event, payload });
    },
  }) as TxContext;

  function context(user?: AuthUser): ExtensionContext {
    const tx = <T>(fn: (t: TxContext) => T): T => {
      const pending: Recorded[] = [];
      const out = db.tx((c) => fn(txOf(c, pending)));
      recorded.push(...pending);
      return out;
    };
    return {
      config,
      db: { all: (s: string, ...p: any[]) => db.read.all(s, ...p), get: (s: string, ...p: any[]) => db.read.get(s, ...p), run: (s: string, ...p: any[]) => db.writer.run(s, ...p) } as any,
      tx,
      enqueue: (job: any, payload: any, o: any) => tx((t) => t.enqueue(job, payload, o)),
      emit: (e: any, p: any) => tx((t) => t.emit(e, p)),
      blobs,
      user,
      log,
      metrics,
      clock,
      port<T>(name: string): T {
        if (name === "blobs") return blobs as T;
        throw new Error(`port "${name}" is not registered`);
      },
    };
  }

  async function call(route: RouteDefinition, input: CallInput = {}): Promise<CallResult> {
    try {
      const u = input.user;
      if (route.access !== "public") {
        if (!u) throw new HttpProblem(401, "unauthorized", "Unauthorized", "Authentication required");
        if (route.access !== "authenticated" && !route.access.includes(u.role)) throw new HttpProblem(403, "forbidden", "Forbidden", "role");
      }
      const parse = (schema: any, value: unknown) => {
        if (!schema) return value;
        const r = schema.safeParse(value);
        if (!r.success) throw new HttpProblem(422, "validation-error", "Validation failed", "The request is not valid", { errors: zodFieldErrors(r.error.issues) });
        return r.data;
      };
      const body = route.request?.multipart ? undefined : parse(route.request?.body, input.body);
      const query = parse(route.request?.query, input.query ?? {});
      const params = parse(route.request?.params, input.params ?? {});
      const res = await route.handler(
        {
          body,
          query,
          params,
          headers: new Headers(input.headers ?? {}),
          user: u,
          ip: "127.0.0.1",
          userAgent: "bun-test",
          formData: async () => {
            if (!input.form) throw new Error("no form");
            return input.form;
          },
          signal: input.signal ?? new AbortController().signal,
        },
        context(u),
      );
      if ("stream" in res) return { status: res.status, body: undefined, headers: res.headers ?? {}, stream: res.stream };
      return { status: res.status, body: res.body, headers: res.headers ?? {} };
    } catch (e) {
      if (e instanceof HttpProblem) {
        return { status: e.status, body: { type: PROBLEM_BASE + e.slug, title: e.title, status: e.status, detail: e.detail, ...e.extra }, headers: e.headers };
      }
      throw e;
    }
  }

  let n = 0;
  function borrower(): AuthUser {
    const id = Bun.randomUUIDv7();
    const now = clock.now().toISOString();
    db.tx((w) => w.run("INSERT INTO users (id, role, phone, created_at, updated_at) VALUES (?, 'borrower', ?, ?, ?)", id, `+62812${String(1000000 + ++n).padStart(7, "0")}`, now, now));
    return { id, role: "borrower" };
  }
  function staff(role: "analyst" | "admin" | "finance"): AuthUser {
    const id = Bun.randomUUIDv7();
    const now = clock.now().toISOString();
    db.tx((w) => w.run("INSERT INTO users (id, role, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", id, role, `${role}${++n}@kreditku.test`, now, now));
    return { id, role };
  }

  return { db, clock, recorded, blobs, context, call, borrower, staff, knownJobs };
}
export type TestContext = ReturnType<typeof makeTestContext>;
