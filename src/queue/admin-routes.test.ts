// The admin jobs API on the real app with the real auth module: access (401/403), list with state filter and
// cursor pagination, the summary, retry (404/409/200, idempotent), on a real SQLite outbox. Every test seeds its own
// outbox on a fresh depot.
import { describe, expect, test } from "bun:test";
import { insertOutbox } from "./outbox.ts";
import { buildOpenApiDocument } from "../http/app.ts";
import { appPerTest, type TestApp } from "../../test/kit/app.ts";
import { scenarios, type Scenario } from "../../test/kit/scenario.ts";

type State = "pending" | "running" | "dispatched" | "completed" | "dead";

function row(t: TestApp, ids: Record<string, number>, key: string, name: string, state: State, over: { lastError?: string; attempts?: number; queue?: string; kind?: "job" | "hook" } = {}) {
  const now = t.clock.now().getTime();
  t.db.tx((c) => {
    insertOutbox(c, { key, kind: over.kind ?? "job", name, queue: over.queue ?? "owner", payload: {}, maxAttempts: 3, runAt: now - 60_000, now: now - 120_000 });
    c.run("UPDATE outbox SET state = ?, last_error = ?, attempts = ? WHERE key = ?", state, over.lastError ?? null, over.attempts ?? 0, key);
  });
  ids[key] = t.db.read.get<{ id: number }>("SELECT id FROM outbox WHERE key = ?", key)!.id;
}

/** Seven rows, one of each kind of state; returns their ids by key. */
function seed(t: TestApp): Record<string, number> {
  const ids: Record<string, number> = {};
  row(t, ids, "done-1", "outbox.purge", "completed", { attempts: 1 });
  row(t, ids, "dead-1", "disburse", "dead", { lastError: "gateway timeout", attempts: 3 });
  row(t, ids, "failed-1", "disburse", "pending", { lastError: "gateway 503", attempts: 1 });
  row(t, ids, "run-1", "send-reminder", "running", { attempts: 1, queue: "send-reminder" });
  row(t, ids, "due-1", "send-reminder", "pending", { queue: "send-reminder" });
  row(t, ids, "hook-dead", "scoring:application.submitted", "dead", { lastError: "boom", attempts: 5, kind: "hook", queue: "hooks" });
  row(t, ids, "disp-1", "fraud-check", "dispatched", { queue: "fraud-check" });
  return ids;
}
const seeded = ({ app }: { app: TestApp }) => seed(app);
const keys = (body: any) => body.items.map((j: any) => j.key);
const problem = ["application/problem+json"];

const access: Scenario[] = [];
for (const [who, status] of [["anonymous", 401], ["analyst", 403], ["finance", 403]] as const) {
  for (const [what, method, url] of [
    ["list", "GET", () => "/api/v1/admin/jobs"],
    ["summary", "GET", () => "/api/v1/admin/jobs/summary"],
    ["retry", "POST", ({ data }: { data: Record<string, number> }) => `/api/v1/admin/jobs/${data["dead-1"]}/retry`],
  ] as const) {
    access.push({
      name: `${who}: ${what} is ${status}`,
      method,
      url,
      asUser: who,
      beforeTest: seeded,
      expectedStatus: status,
      afterTest: ({ app, res }) => {
        expect(res.headers.get("content-type")).toContain(problem[0]);
        expect(app.db.read.get<any>("SELECT state FROM outbox WHERE key = 'dead-1'").state).toBe("dead");
      },
    });
  }
}
scenarios("admin jobs API: signed out 401, analyst and finance 403, all problem+json", access);

scenarios("admin jobs API: list filters and bad queries", [
  { name: "state=dead", method: "GET", url: "/api/v1/admin/jobs?state=dead", asUser: "admin", beforeTest: seeded, expectedStatus: 200, afterTest: ({ res }) => expect(keys(res.body)).toEqual(["hook-dead", "dead-1"]) },
  { name: "state=failed is pending after an error", method: "GET", url: "/api/v1/admin/jobs?state=failed", asUser: "admin", beforeTest: seeded, expectedStatus: 200, afterTest: ({ res }) => expect(keys(res.body)).toEqual(["failed-1"]) },
  { name: "state=pending", method: "GET", url: "/api/v1/admin/jobs?state=pending", asUser: "admin", beforeTest: seeded, expectedStatus: 200, afterTest: ({ res }) => expect(keys(res.body)).toEqual(["due-1", "failed-1"]) },
  ...["state=exploded", "limit=0", "limit=101", "limit=x"].map(
    (q): Scenario => ({
      name: `${q} is 422`,
      method: "GET",
      url: `/api/v1/admin/jobs?${q}`,
      asUser: "admin",
      expectedStatus: 422,
      afterTest: ({ res }) => {
        expect(res.headers.get("content-type")).toContain(problem[0]);
        expect(res.body.errors.length).toBeGreaterThan(0);
      },
    }),
  ),
  { name: "a foreign cursor is 400", method: "GET", url: "/api/v1/admin/jobs?cursor=bm90LWEtY3Vyc29y", asUser: "admin", expectedStatus: 400, afterTest: ({ res }) => expect(res.body.type).toEndWith("/bad-cursor") },
]);

scenarios("admin jobs API: retry refusals", [
  ...["999999", "no-such-key"].map((id): Scenario => ({ name: `unknown ${id} is 404`, method: "POST", url: `/api/v1/admin/jobs/${id}/retry`, asUser: "admin", beforeTest: seeded, expectedStatus: 404, afterTest: ({ res }) => expect(res.headers.get("content-type")).toContain(problem[0]) })),
  ...["run-1", "done-1", "disp-1", "due-1"].map(
    (key): Scenario => ({
      name: `${key} is not retryable (409)`,
      method: "POST",
      url: ({ data }) => `/api/v1/admin/jobs/${data[key]}/retry`,
      asUser: "admin",
      beforeTest: seeded,
      expectedStatus: 409,
      afterTest: ({ app, res }) => {
        expect(res.headers.get("content-type")).toContain(problem[0]);
        expect(res.body.type).toEndWith("/job-not-retryable");
        expect(app.db.read.get<any>("SELECT state, attempts FROM outbox WHERE key = 'run-1'")).toEqual({ state: "running", attempts: 1 });
      },
    }),
  ),
]);

describe("admin jobs API", () => {
  const t = appPerTest();
  const get = async (path: string, as = t.staff("admin")) => {
    const r = await t.call("GET", path, { as });
    return { status: r.status, type: r.headers.get("content-type"), body: r.body };
  };
  const retry = async (id: string | number, headers: Record<string, string> = {}, as = t.staff("admin")) => {
    const r = await t.call("POST", `/api/v1/admin/jobs/${encodeURIComponent(String(id))}/retry`, { as, headers });
    return { status: r.status, type: r.headers.get("content-type"), headers: r.headers, body: r.body };
  };

  test("list: newest first, state filter (failed = pending after an error), cursor pages visit every row once", async () => {
    const ids = seed(t);
    const all = await get("/api/v1/admin/jobs");
    expect(all.status).toBe(200);
    expect(keys(all.body)).toEqual(["disp-1", "hook-dead", "due-1", "run-1", "failed-1", "dead-1", "done-1"]);
    expect(all.body.nextCursor).toBeNull();
    const dead = all.body.items.find((j: any) => j.key === "dead-1");
    expect(dead).toMatchObject({ id: ids["dead-1"], kind: "job", name: "disburse", queue: "owner", state: "dead", attempts: 3, maxAttempts: 3, lastError: "gateway timeout", retryable: true });
    expect(dead.runAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(dead.createdAt).toMatch(/Z$/);
    expect(all.body.items.find((j: any) => j.key === "failed-1")).toMatchObject({ state: "failed", retryable: true });
    expect(all.body.items.find((j: any) => j.key === "due-1")).toMatchObject({ state: "pending", retryable: false });

    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const p = await get(`/api/v1/admin/jobs?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(p.status).toBe(200);
      expect(p.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...keys(p.body));
      cursor = p.body.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(keys(all.body));
  });

  test("summary: counts by state and by queue/job, queue depth, outbox lag", async () => {
    seed(t);
    const s = await get("/api/v1/admin/jobs/summary");
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

  test("retry: dead → due now with a fresh attempt count, by id or key; a failed row may run at once; audited", async () => {
    const ids = seed(t);
    t.clock.advance(5_000);
    const ok = await retry(ids["dead-1"]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: ids["dead-1"], key: "dead-1", attempts: 0, runAt: t.clock.now().toISOString() });
    const db = t.db.read.get<any>("SELECT state, attempts, run_at, lease_until FROM outbox WHERE key = 'dead-1'");
    expect(db).toEqual({ state: "pending", attempts: 0, run_at: t.clock.now().getTime(), lease_until: null });
    // by key too, and a failed row (waiting for its backoff) may be run at once
    expect((await retry("hook-dead")).status).toBe(200);
    expect((await retry(ids["failed-1"])).body).toMatchObject({ key: "failed-1", attempts: 0 });
    // the retry is in the audit log
    const audits = t.db.read.all<any>("SELECT event, details FROM audit_log WHERE event = 'job.retried' ORDER BY id");
    expect(audits.map((a) => JSON.parse(a.details).key)).toEqual(["dead-1", "hook-dead", "failed-1"]);
  });

  test("retry with an Idempotency-Key replays the first answer", async () => {
    const ids: Record<string, number> = {};
    row(t, ids, "dead-2", "disburse", "dead", { lastError: "x", attempts: 3 });
    const admin = t.staff("admin");
    const first = await retry(ids["dead-2"], { "Idempotency-Key": "retry-dead-2" }, admin);
    expect(first.status).toBe(200);
    t.db.tx((c) => c.run("UPDATE outbox SET state = 'completed' WHERE key = 'dead-2'"));
    const again = await retry(ids["dead-2"], { "Idempotency-Key": "retry-dead-2" }, admin);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // without the key the completed row is refused
    expect((await retry(ids["dead-2"], {}, admin)).status).toBe(409);
  });

  test("documented in the OpenAPI document", () => {
    const doc: any = buildOpenApiDocument(t.app);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/admin/jobs", "/api/v1/admin/jobs/summary", "/api/v1/admin/jobs/{id}/retry"]));
    expect(Object.keys(doc.paths["/api/v1/admin/jobs/{id}/retry"].post.responses).sort()).toEqual(["200", "400", "401", "403", "404", "409", "422", "429"]);
  });
});
