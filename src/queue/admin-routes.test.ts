// The admin jobs API on the real app with the real auth module: access (401/403), list with state filter and
// cursor pagination, the summary, retry (404/409/200, idempotent), on a real SQLite outbox.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createStaffUser } from "../auth/staff.ts";
import { freshIp, testAuth, type TestAuth } from "../auth/test-support.ts";
import { insertOutbox } from "./outbox.ts";
import { jobsAdminModule } from "./admin-routes.ts";
import { buildOpenApiDocument } from "../http/app.ts";

let t: TestAuth;
let admin: string;
let analyst: string;
let finance: string;
const ids: Record<string, number> = {};

function row(key: string, name: string, state: "pending" | "running" | "dispatched" | "completed" | "dead", over: { lastError?: string; attempts?: number; queue?: string; kind?: "job" | "hook" } = {}) {
  const now = t.clock.now().getTime();
  t.p.db.tx((c) => {
    insertOutbox(c, { key, kind: over.kind ?? "job", name, queue: over.queue ?? "owner", payload: {}, maxAttempts: 3, runAt: now - 60_000, now: now - 120_000 });
    c.run("UPDATE outbox SET state = ?, last_error = ?, attempts = ? WHERE key = ?", state, over.lastError ?? null, over.attempts ?? 0, key);
  });
  ids[key] = t.p.db.read.get<{ id: number }>("SELECT id FROM outbox WHERE key = ?", key)!.id;
}

async function login(email: string, role: "admin" | "analyst" | "finance") {
  await createStaffUser(t.p.db, { email, password: "correct horse battery", role });
  const r = await t.post("/api/v1/auth/login", { email, password: "correct horse battery" }, { ip: freshIp() });
  expect(r.status).toBe(200);
  return ((await r.json()) as any).accessToken as string;
}

beforeAll(async () => {
  t = testAuth([jobsAdminModule]);
  admin = await login("admin@jobs.test", "admin");
  analyst = await login("analyst@jobs.test", "analyst");
  finance = await login("finance@jobs.test", "finance");
  row("done-1", "outbox.purge", "completed", { attempts: 1 });
  row("dead-1", "disburse", "dead", { lastError: "gateway timeout", attempts: 3 });
  row("failed-1", "disburse", "pending", { lastError: "gateway 503", attempts: 1 });
  row("run-1", "send-reminder", "running", { attempts: 1, queue: "send-reminder" });
  row("due-1", "send-reminder", "pending", { queue: "send-reminder" });
  row("hook-dead", "scoring:application.submitted", "dead", { lastError: "boom", attempts: 5, kind: "hook", queue: "hooks" });
  row("disp-1", "fraud-check", "dispatched", { queue: "fraud-check" });
});
afterAll(() => t.close());

const get = async (path: string, token?: string) => {
  const r = await t.get(path, { token });
  return { status: r.status, type: r.headers.get("content-type"), body: (await r.json()) as any };
};
const retry = async (id: string | number, token?: string, headers: Record<string, string> = {}) => {
  const r = await t.post(`/api/v1/admin/jobs/${encodeURIComponent(String(id))}/retry`, undefined, { token, headers });
  return { status: r.status, type: r.headers.get("content-type"), headers: r.headers, body: (await r.json()) as any };
};

describe("admin jobs API", () => {
  test("signed out: 401; analyst and finance: 403 — all problem+json", async () => {
    for (const token of [undefined, analyst, finance]) {
      const want = token ? 403 : 401;
      for (const r of [await get("/api/v1/admin/jobs", token), await get("/api/v1/admin/jobs/summary", token), await retry(ids["dead-1"], token)]) {
        expect(r.status).toBe(want);
        expect(r.type).toContain("application/problem+json");
      }
    }
    expect(t.p.db.read.get<any>("SELECT state FROM outbox WHERE key = 'dead-1'").state).toBe("dead");
  });

  test("list: newest first, state filter (failed = pending after an error), cursor pages visit every row once", async () => {
    const all = await get("/api/v1/admin/jobs", admin);
    expect(all.status).toBe(200);
    expect(all.body.items.map((j: any) => j.key)).toEqual(["disp-1", "hook-dead", "due-1", "run-1", "failed-1", "dead-1", "done-1"]);
    expect(all.body.nextCursor).toBeNull();
    const dead = all.body.items.find((j: any) => j.key === "dead-1");
    expect(dead).toMatchObject({ id: ids["dead-1"], kind: "job", name: "disburse", queue: "owner", state: "dead", attempts: 3, maxAttempts: 3, lastError: "gateway timeout", retryable: true });
    expect(dead.runAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(dead.createdAt).toMatch(/Z$/);
    expect(all.body.items.find((j: any) => j.key === "failed-1")).toMatchObject({ state: "failed", retryable: true });
    expect(all.body.items.find((j: any) => j.key === "due-1")).toMatchObject({ state: "pending", retryable: false });

    expect((await get("/api/v1/admin/jobs?state=dead", admin)).body.items.map((j: any) => j.key)).toEqual(["hook-dead", "dead-1"]);
    expect((await get("/api/v1/admin/jobs?state=failed", admin)).body.items.map((j: any) => j.key)).toEqual(["failed-1"]);
    expect((await get("/api/v1/admin/jobs?state=pending", admin)).body.items.map((j: any) => j.key)).toEqual(["due-1", "failed-1"]);

    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const p = await get(`/api/v1/admin/jobs?limit=3${cursor ? `&cursor=${cursor}` : ""}`, admin);
      expect(p.status).toBe(200);
      expect(p.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...p.body.items.map((j: any) => j.key));
      cursor = p.body.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(all.body.items.map((j: any) => j.key));
  });

  test("bad queries: unknown state / limit 422, foreign cursor 400 (problem+json)", async () => {
    for (const q of ["state=exploded", "limit=0", "limit=101", "limit=x"]) {
      const r = await get(`/api/v1/admin/jobs?${q}`, admin);
      expect(r.status, q).toBe(422);
      expect(r.type).toContain("application/problem+json");
      expect(r.body.errors.length).toBeGreaterThan(0);
    }
    const r = await get("/api/v1/admin/jobs?cursor=bm90LWEtY3Vyc29y", admin);
    expect(r.status).toBe(400);
    expect(r.body.type).toEndWith("/bad-cursor");
  });

  test("summary: counts by state and by queue/job, queue depth, outbox lag", async () => {
    const s = await get("/api/v1/admin/jobs/summary", admin);
    expect(s.status).toBe(200);
    expect(s.body.mode).toBe("embedded");
    expect(s.body.total).toBe(7);
    expect(s.body.byState).toEqual({ pending: 1, failed: 1, running: 1, dispatched: 1, completed: 1, dead: 2 });
    const disburse = s.body.byJob.find((j: any) => j.name === "disburse");
    expect(disburse).toEqual({ queue: "owner", name: "disburse", kind: "job", total: 2, pending: 0, failed: 1, running: 0, dispatched: 0, completed: 0, dead: 1 });
    expect(s.body.byJob.find((j: any) => j.kind === "hook")).toMatchObject({ queue: "hooks", dead: 1, total: 1 });
    expect(s.body.queueDepth).toEqual(expect.arrayContaining([{ queue: "owner", depth: 1 }, { queue: "send-reminder", depth: 2 }, { queue: "fraud-check", depth: 1 }]));
    // the oldest due row not yet run (due-1 and failed-1, due a minute ago)
    expect(s.body.outboxLagSeconds).toBe(60);
    expect(s.body.generatedAt).toBe(t.clock.now().toISOString());
  });

  test("retry: unknown 404; running, completed, dispatched or merely pending 409; dead → due now with a fresh attempt count", async () => {
    for (const id of ["999999", "no-such-key"]) {
      const r = await retry(id, admin);
      expect(r.status).toBe(404);
      expect(r.type).toContain("application/problem+json");
    }
    for (const key of ["run-1", "done-1", "disp-1", "due-1"]) {
      const r = await retry(ids[key], admin);
      expect(r.status, key).toBe(409);
      expect(r.type).toContain("application/problem+json");
      expect(r.body.type).toEndWith("/job-not-retryable");
    }
    expect(t.p.db.read.get<any>("SELECT state, attempts FROM outbox WHERE key = 'run-1'")).toEqual({ state: "running", attempts: 1 });

    t.clock.advance(5_000);
    const ok = await retry(ids["dead-1"], admin);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: ids["dead-1"], key: "dead-1", attempts: 0, runAt: t.clock.now().toISOString() });
    const db = t.p.db.read.get<any>("SELECT state, attempts, run_at, lease_until FROM outbox WHERE key = 'dead-1'");
    expect(db).toEqual({ state: "pending", attempts: 0, run_at: t.clock.now().getTime(), lease_until: null });
    // by key too, and a failed row (waiting for its backoff) may be run at once
    expect((await retry("hook-dead", admin)).status).toBe(200);
    expect((await retry(ids["failed-1"], admin)).body).toMatchObject({ key: "failed-1", attempts: 0 });
    // the retry is in the audit log
    const audits = t.p.db.read.all<any>("SELECT event, details FROM audit_log WHERE event = 'job.retried' ORDER BY id");
    expect(audits.map((a) => JSON.parse(a.details).key)).toEqual(["dead-1", "hook-dead", "failed-1"]);
  });

  test("retry with an Idempotency-Key replays the first answer", async () => {
    row("dead-2", "disburse", "dead", { lastError: "x", attempts: 3 });
    const first = await retry(ids["dead-2"], admin, { "Idempotency-Key": "retry-dead-2" });
    expect(first.status).toBe(200);
    t.p.db.tx((c) => c.run("UPDATE outbox SET state = 'completed' WHERE key = 'dead-2'"));
    const again = await retry(ids["dead-2"], admin, { "Idempotency-Key": "retry-dead-2" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // without the key the completed row is refused
    expect((await retry(ids["dead-2"], admin)).status).toBe(409);
  });

  test("documented in the OpenAPI document", () => {
    const doc: any = buildOpenApiDocument(t.app);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/admin/jobs", "/api/v1/admin/jobs/summary", "/api/v1/admin/jobs/{id}/retry"]));
    expect(Object.keys(doc.paths["/api/v1/admin/jobs/{id}/retry"].post.responses).sort()).toEqual(["200", "401", "403", "404", "409", "429"]);
  });
});
