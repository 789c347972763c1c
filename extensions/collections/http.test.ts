// The collections routes on the real app (auth, access, Idempotency-Key), the sweep and the reminder job through
// the embedded job runner, and the gauges on /metrics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { getRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { mountExtensions } from "../../src/runtime/routes.ts";
import { testAuth, freshIp, type TestAuth } from "../../src/auth/test-support.ts";
import { createStaffUser } from "../../src/auth/staff.ts";
import { depotPaths } from "../../src/config.ts";
import { waitFor } from "../../test/kit/wait.ts";
import collections from "./index.ts";
import { addDays, jakartaDate } from "./dpd.ts";
import { seedLoan } from "./testkit.ts";

describe("collections over HTTP", () => {
  let t: TestAuth;
  let rt: Runtime;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    t = testAuth();
    rt = getRuntime(t.p, { extensions: [collections], jobs: [], embedded: { pollMs: 50 } });
    mountExtensions(t.app, rt);
    await rt.start();
    for (const role of ["analyst", "finance", "admin"] as const) {
      await createStaffUser(t.p.db, { email: `${role}@kreditku.id`, password: "correct horse battery", role });
      const r = await t.post("/api/v1/auth/login", { email: `${role}@kreditku.id`, password: "correct horse battery" }, { ip: freshIp() });
      tokens[role] = ((await r.json()) as any).accessToken;
    }
    const today = jakartaDate(t.clock.now()); // 10:00 Asia/Jakarta
    t.p.db.tx((c) => {
      seedLoan(c, { id: "H-ok", startDate: addDays(today, -3), vaNumber: "880811110001" });
      seedLoan(c, { id: "H-bad", startDate: addDays(today, -207), vaNumber: "880811110002" }); // DPD 200
    });
  });
  afterAll(async () => {
    await rt.stop(2000);
    t.close();
  });

  test("admin queues the sweep; it runs on the owner and the reminder SMS goes out through the port", async () => {
    expect((await t.post("/api/v1/admin/collections/sweep", {}, { token: tokens.analyst })).status).toBe(403);
    const r = await t.post("/api/v1/admin/collections/sweep", {}, { token: tokens.admin });
    expect(r.status).toBe(202);
    await waitFor(() => t.p.db.read.get("SELECT 1 AS ok FROM sweep_runs WHERE status = 'done'"), 5000, "sweep done");
    await waitFor(() => t.p.db.read.get("SELECT 1 AS ok FROM collection_reminders WHERE loan_id = 'H-bad' AND status = 'sent'"), 5000, "reminder sent");
    const log = depotPaths(t.depot).smsLog;
    expect(existsSync(log)).toBe(true);
    expect(readFileSync(log, "utf8")).toContain("880811110002");
  });

  test("summary, list and metrics for staff only", async () => {
    expect((await t.get("/api/v1/admin/portfolio/summary")).status).toBe(401);
    const s = await t.get("/api/v1/admin/portfolio/summary", { token: tokens.analyst });
    expect(s.status).toBe(200);
    const body: any = await s.json();
    expect(body).toMatchObject({ loans: 2, totalOutstandingAmount: 11_000_000, outstandingOver90Amount: 5_500_000, twp90: 0.5, tkb90: 0.5 });
    const l = await t.get("/api/v1/admin/collections?bucket=macet&limit=5", { token: tokens.finance });
    expect(l.status).toBe(200);
    expect(((await l.json()) as any).items.map((i: any) => [i.loanId, i.dpd, i.vaNumber])).toEqual([["H-bad", 200, "880811110002"]]);
    expect((await t.get("/api/v1/admin/collections?bucket=nope", { token: tokens.finance })).status).toBe(422);
    const m = await t.app.request("/metrics");
    const text = await m.text();
    expect(text).toContain("kreditku_twp90_ratio 0.5");
    expect(text).toContain('kreditku_outstanding_amount{bucket="macet"} 5500000');
  });

  test("write-off: finance or admin only, idempotent, 409 below the threshold", async () => {
    const path = "/api/v1/admin/loans/H-bad/write-off";
    expect((await t.post(path, { reason: "uncollectible" })).status).toBe(401);
    expect((await t.post(path, { reason: "uncollectible" }, { token: tokens.analyst })).status).toBe(403);
    expect((await t.post(path, {}, { token: tokens.finance })).status).toBe(422);
    const early = await t.post("/api/v1/admin/loans/H-ok/write-off", { reason: "uncollectible" }, { token: tokens.finance });
    expect(early.status).toBe(409);
    const headers = { "Idempotency-Key": "wo-h-bad-1" };
    const first = await t.post(path, { reason: "uncollectible" }, { token: tokens.finance, headers });
    expect(first.status).toBe(201);
    const wo: any = await first.json();
    // 29 instalments fell due by DPD 200: only their interest (recognised) is expensed; the rest is reversed
    expect(wo).toMatchObject({ loanId: "H-bad", dpd: 200, principalAmount: 5_000_000, interestAmount: 290_000 });
    expect(wo.totalAmount).toBe(5_290_000 + wo.lateFeeAmount);
    const replay = await t.post(path, { reason: "uncollectible" }, { token: tokens.finance, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(((await replay.json()) as any).journalId).toBe(wo.journalId);
    expect(t.p.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("written_off");
  });

  test("a second manual sweep the same day runs, and re-evaluates a loan whose standing changed since the first", async () => {
    // a loan the day's sweep saw current, left delinquent by a change after it (its standing is current again)
    t.p.db.tx((c) => {
      c.run("UPDATE loans SET status = 'delinquent' WHERE id = 'H-ok'");
      c.run("UPDATE collection_state SET status = 'delinquent' WHERE loan_id = 'H-ok'");
    });
    const r = await t.post("/api/v1/admin/collections/sweep", {}, { token: tokens.admin });
    expect(r.status).toBe(202);
    const { jobKey } = (await r.json()) as { jobKey: string };
    await waitFor(() => t.p.db.read.get("SELECT 1 AS ok FROM outbox WHERE key = ? AND state = 'completed'", jobKey), 5000, "second sweep ran");
    expect(t.p.db.read.get<any>("SELECT status, dpd FROM loans WHERE id = 'H-ok'")).toEqual({ status: "active", dpd: 0 });
    expect(t.p.db.read.get<any>("SELECT status FROM collection_state WHERE loan_id = 'H-ok'").status).toBe("active");
    expect(t.p.db.read.get<any>("SELECT from_status, to_status, actor FROM loan_events WHERE loan_id = 'H-ok' ORDER BY id DESC LIMIT 1")).toEqual({
      from_status: "delinquent",
      to_status: "active",
      actor: "system:collections",
    });
  });
});
