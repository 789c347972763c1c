// The sweep as an operation (idempotent per day, resumable, batched, logged), quiet hours, portfolio figures on a
// constructed book, write-off and the admin routes / gauges.
import { afterEach, describe, expect, test } from "bun:test";
import { checkLedger, loanAccountBalance } from "../ledger/ledger.ts";
import collections, { registerGauges } from "./index.ts";
import { rollRateReport, portfolioSummary, listCollections, writeOffLoan } from "./service.ts";
import { runSweep } from "./sweep.ts";
import { deliverReminders } from "./fixtures/reminders.ts";
import { at, seedLoan } from "./fixtures/reference-loan.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import type { RouteDefinition } from "../../src/runtime/index.ts";
import { addDays } from "../../src/runtime/index.ts";

let h: TestApp;
afterEach(() => h?.close());

/** Start date whose first weekly instalment fell due `dpd` days before `today` (nothing paid since). */
const startFor = (today: string, dpd: number) => addDays(today, -dpd - 7);

function fingerprint(h: TestApp) {
  const n = (sql: string) => h.db.read.get<{ n: number }>(sql)!.n;
  return {
    journals: n("SELECT COUNT(*) AS n FROM ledger_journals"),
    lines: n("SELECT COUNT(*) AS n FROM ledger_lines"),
    accruals: n("SELECT COUNT(*) AS n FROM late_fee_accruals"),
    lateFees: n("SELECT COALESCE(SUM(late_fee_due), 0) AS n FROM installments"),
    reminders: n("SELECT COUNT(*) AS n FROM collection_reminders"),
    outbox: n("SELECT COUNT(*) AS n FROM outbox"),
    snapshots: n("SELECT COUNT(*) AS n FROM dpd_snapshots"),
    events: n("SELECT COUNT(*) AS n FROM loan_events"),
    state: JSON.stringify(h.db.read.all("SELECT * FROM collection_state ORDER BY loan_id")),
    loans: JSON.stringify(h.db.read.all("SELECT id, status, dpd, updated_at FROM loans ORDER BY id")),
  };
}

function seedBook(h: TestApp, today: string, n: number) {
  h.ctx.tx((t) => {
    for (let i = 0; i < n; i++) seedLoan(t, { id: `L${String(i).padStart(4, "0")}`, startDate: startFor(today, (i * 37) % 150) });
  });
}

const route = (path: string, method = "get") => collections.routes!.find((r) => r.path === path && r.method === method) as RouteDefinition;

describe("delinquency sweep", () => {
  test("idempotent per day: a second run, even with its run record gone, changes nothing", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    seedBook(h, "2026-06-01", 12);
    at(h, "2026-06-01", 7);
    const first = await runSweep(h.ctx, { batchSize: 5 });
    expect(first).toMatchObject({ status: "done", loans: 12, batches: 3 });
    expect(first.lateFeeAmount).toBeGreaterThan(0);
    const before = fingerprint(h);
    at(h, "2026-06-01", 15);
    expect((await runSweep(h.ctx)).status).toBe("already_done");
    expect(fingerprint(h)).toEqual(before);
    h.ctx.tx((t) => t.run("DELETE FROM sweep_runs"));
    const again = await runSweep(h.ctx, { batchSize: 5 });
    expect(again).toMatchObject({ status: "done", loans: 0, lateFeeAmount: 0, reminders: 0 });
    expect(fingerprint(h)).toEqual(before);
    // the next day moves on, charging one more day of late fees only
    at(h, "2026-06-02", 7);
    const next = await runSweep(h.ctx);
    expect(next.loans).toBe(12);
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });

  test("resumable from the checkpoint after an interruption, same result as one pass; progress logged", async () => {
    const today = "2026-06-01";
    const control = testApp({ now: "2026-01-01T00:00:00Z" });
    seedBook(control, today, 10);
    at(control, today, 7);
    const whole = await runSweep(control.ctx, { batchSize: 3 });
    const want = fingerprint(control);
    await control.close();

    h = testApp({ now: "2026-01-01T00:00:00Z" });
    seedBook(h, today, 10);
    at(h, today, 7);
    const aborted = new AbortController();
    aborted.abort();
    expect(await runSweep(h.ctx, { batchSize: 3, signal: aborted.signal })).toMatchObject({ status: "interrupted", loans: 0 });
    const part = await runSweep(h.ctx, { batchSize: 3, maxBatches: 2 });
    expect(part).toMatchObject({ status: "interrupted", loans: 6, batches: 2 });
    expect(h.db.read.get<{ c: string }>("SELECT checkpoint_loan_id AS c FROM sweep_runs")!.c).toBe("L0005");
    const rest = await runSweep(h.ctx, { batchSize: 3 });
    expect(rest).toMatchObject({ status: "done", loans: 10, batches: 4, lateFeeAmount: whole.lateFeeAmount, reminders: whole.reminders });
    expect(fingerprint(h)).toEqual(want);
    const progress = h.logs().filter((l) => l.msg === "delinquency sweep progress");
    expect(progress.map((l) => l.fields.checkpoint)).toEqual(["L0002", "L0005", "L0008", "L0009"]);
    expect(h.logs().some((l) => l.msg === "delinquency sweep resuming")).toBe(true);
  });

  test("quiet hours: reminders wait for 08:00, none after 20:00, the job re-checks the window", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => {
      seedLoan(t, { id: "L-early", startDate: startFor("2026-06-01", 5) });
      seedLoan(t, { id: "L-late", startDate: startFor("2026-06-02", 5) });
    });
    at(h, "2026-06-01", 6, 30);
    await runSweep(h.ctx);
    const row = h.db.read.get<{ run_at: number }>("SELECT run_at FROM outbox WHERE name = 'send-reminder'")!;
    expect(new Date(row.run_at).toISOString()).toBe("2026-06-01T01:00:00.000Z"); // 08:00 WIB
    at(h, "2026-06-01", 7, 59);
    expect(await deliverReminders(h)).toBe(0);
    at(h, "2026-06-01", 8, 0);
    expect(await deliverReminders(h)).toBe(2);
    expect(h.sms().length).toBe(2);

    // a sweep that only runs at 21:00 sends nothing that day
    at(h, "2026-06-02", 21, 0);
    await runSweep(h.ctx);
    expect(h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM collection_reminders WHERE reminder_date = '2026-06-02'")!.n).toBe(0);

    // a job delivered late (retry) past 20:00 is skipped and recorded as such
    at(h, "2026-06-03", 12, 0);
    await runSweep(h.ctx);
    at(h, "2026-06-03", 20, 0);
    await deliverReminders(h);
    expect(h.sms().length).toBe(2);
    const st = h.db.read.all<{ status: string; detail: string | null }>("SELECT status, detail FROM collection_reminders WHERE reminder_date = '2026-06-03'");
    expect(st.map((s) => s.status)).toEqual(["skipped", "skipped"]);
    expect(st[0].detail).toContain("08:00-20:00");
  });
});

describe("portfolio figures", () => {
  test("outstanding by bucket, TWP90 / TKB90, roll rates, collections list, gauges", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    const d1 = "2026-06-01";
    h.ctx.tx((t) => {
      seedLoan(t, { id: "A", startDate: addDays(d1, -2), principal: 5_000_000 }); // lancar, 5,500,000
      seedLoan(t, { id: "B", startDate: startFor(d1, 10), principal: 2_000_000 }); // 1–30, 2,200,000
      seedLoan(t, { id: "C", startDate: startFor(d1, 95), principal: 1_000_000 }); // > 90, 1,100,000
      seedLoan(t, { id: "D", startDate: startFor(d1, 200), principal: 1_000_000 }); // > 90, 1,100,000
    });
    at(h, d1, 7);
    await runSweep(h.ctx);
    const s = portfolioSummary(h.ctx.db);
    expect(s.asOf).toBe(d1);
    expect(s.totalOutstandingAmount).toBe(9_900_000);
    expect(s.outstandingOver90Amount).toBe(2_200_000);
    expect(s.twp90).toBe(0.222222);
    expect(s.tkb90).toBe(0.777778);
    expect(Object.fromEntries(s.buckets.map((b) => [b.bucket, [b.loans, b.outstandingAmount]]))).toEqual({
      lancar: [1, 5_500_000],
      dpd_1_30: [1, 2_200_000],
      dpd_31_60: [0, 0],
      dpd_61_90: [0, 0],
      macet: [2, 2_200_000],
    });

    // a month later nobody paid: A rolls to 1–30, B to 31–60, C and D stay Macet
    const d2 = addDays(d1, 30);
    at(h, d2, 7);
    await runSweep(h.ctx);
    const rr = rollRateReport(h.ctx.db);
    expect(rr).toMatchObject({ from: d1, to: d2 });
    const row = (b: string) => rr.rows.find((r) => r.from === b)!;
    expect(row("lancar")).toMatchObject({ loans: 1, rollForward: 1, cured: 0 });
    expect(row("lancar").to.dpd_1_30).toBe(1);
    expect(row("dpd_1_30").to.dpd_31_60).toBe(1);
    expect(row("macet")).toMatchObject({ loans: 2, rollForward: 0 });
    expect(row("macet").to.macet).toBe(1);

    const list = listCollections(h.ctx.db, { limit: 3 });
    expect(list.items.map((i) => [i.loanId, i.dpd])).toEqual([
      ["D", 230],
      ["C", 125],
      ["B", 40],
    ]);
    const page2 = listCollections(h.ctx.db, { limit: 3, cursor: list.nextCursor! });
    expect(page2).toMatchObject({ items: [{ loanId: "A", dpd: 25, bucket: "dpd_1_30" }], nextCursor: null });
    expect(listCollections(h.ctx.db, { limit: 10, bucket: "macet" }).items.length).toBe(2);
    expect(listCollections(h.ctx.db, { limit: 10, minDpd: 30, maxDpd: 130 }).items.map((i) => i.loanId)).toEqual(["C", "B"]);
    expect(page2.items[0].vaNumber).toBeTruthy();

    registerGauges(h.ctx);
    const text = await h.ctx.metrics.text();
    const s2 = portfolioSummary(h.ctx.db);
    expect(text).toContain(`kreditku_twp90_ratio ${s2.twp90}`);
    expect(text).toContain(`kreditku_outstanding_amount{bucket="macet"} ${s2.buckets.find((b) => b.bucket === "macet")!.outstandingAmount}`);

    const res = await h.call("GET", "/api/v1/admin/portfolio/summary", { as: h.staff("analyst") });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ twp90: s2.twp90, lastSweep: { runDate: d2, status: "done", loans: 4 } });
  });
});

describe("write-off", () => {
  test("finance writes off at the configured DPD; every receivable goes to expense in the same transaction", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    const start = "2025-06-02"; // first due 2025-06-09
    h.ctx.tx((t) => seedLoan(t, { id: "W", startDate: start }));
    const day179 = addDays("2025-06-09", 179);
    at(h, day179, 7);
    await runSweep(h.ctx);
    const wo = route("/api/v1/admin/loans/{id}/write-off", "post");
    expect(wo.access).toEqual(["finance", "admin"]);
    expect(wo.idempotent).toBe(true);
    const fin = h.staff("finance");
    const call = () => h.call("POST", "/api/v1/admin/loans/W/write-off", { as: fin, body: { reason: "uncollectible" } });
    const early = await call();
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/179 days past due; write-off needs at least 180/);
    const unknown = await h.call("POST", "/api/v1/admin/loans/nope/write-off", { as: h.staff("admin"), body: { reason: "uncollectible" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/not found/);

    at(h, addDays(day179, 1), 9);
    const lateFees = loanAccountBalance(h.ctx.db, "W", "late_fee_receivable");
    expect(lateFees).toBeGreaterThan(0);
    const res = await call();
    expect(res.status).toBe(201);
    // 26 instalments fell due by day 180 (2025-06-09 + 25 weeks): their interest (26 × 10,000) was recognised and is
    // expensed; the other 24 instalments' interest was never earned and is reversed, not expensed.
    expect(res.body).toMatchObject({ loanId: "W", dpd: 180, principalAmount: 5_000_000, interestAmount: 260_000, lateFeeAmount: lateFees, totalAmount: 5_260_000 + lateFees, actor: fin.id });
    for (const a of ["principal_receivable", "interest_receivable", "fee_receivable", "late_fee_receivable", "unearned_interest", "unearned_fee"] as const) expect(loanAccountBalance(h.ctx.db, "W", a)).toBe(0);
    expect(loanAccountBalance(h.ctx.db, "W", "write_off_expense")).toBe(5_260_000 + lateFees);
    expect(loanAccountBalance(h.ctx.db, "W", "interest_income")).toBe(260_000);
    expect(h.db.read.get<{ status: string }>("SELECT status FROM loans WHERE id = 'W'")!.status).toBe("written_off");
    expect(h.db.read.get<any>("SELECT to_status, actor, reason FROM loan_events WHERE loan_id = 'W' ORDER BY id DESC LIMIT 1")).toEqual({
      to_status: "written_off",
      actor: fin.id,
      reason: "uncollectible",
    });
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
    // again: the first result, nothing new
    const journals = h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n;
    const again = await call();
    expect(again.status).toBe(200);
    expect(again.body.journalId).toBe(res.body.journalId);
    expect(h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n).toBe(journals);
    // the written-off loan leaves the sweep and the book
    at(h, addDays(day179, 2), 7);
    expect((await runSweep(h.ctx)).loans).toBe(0);
    expect(portfolioSummary(h.ctx.db).loans).toBe(0);
  });

  test("the threshold is a setting (admin)", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "W2", startDate: startFor("2026-06-01", 100) }));
    at(h, "2026-06-01", 7);
    await runSweep(h.ctx);
    const put = route("/api/v1/admin/collections/settings", "put");
    expect(put.access).toEqual(["admin"]);
    expect((await h.call("PUT", "/api/v1/admin/collections/settings", { as: h.staff("admin"), body: { writeOffDpd: 90 } })).body).toEqual({ writeOffDpd: 90 });
    const r = h.ctx.tx((t) => writeOffLoan(t, { loanId: "W2", actor: "admin-1", reason: "policy 90", now: h.clock.now() }));
    expect(r).toMatchObject({ created: true, writeOff: { dpd: 100 } });
  });
});
